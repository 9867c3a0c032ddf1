-- Dimension 'referrer' (issue #5): "host class" (e.g. "google.com search", " direct" for no referrer), so
-- the stats' referrer breakdown shows each host with its source class. Backfilled from the raw clicks
-- recorded before; PostgresClickStore::Record writes it from now on.
INSERT INTO link_dimension_day AS r (link_id, day, dimension, value, clicks, human_clicks, bot_clicks)
SELECT link_id, (ts AT TIME ZONE 'UTC')::date, 'referrer', coalesce(referrer_host, '') || ' ' || coalesce(referrer_class, ''),
       count(*), count(*) FILTER (WHERE NOT is_bot), count(*) FILTER (WHERE is_bot)
FROM clicks GROUP BY 1, 2, 3, 4
ON CONFLICT (link_id, dimension, day, value) DO NOTHING;
