-- Dimension 'referrer' (issue #5): "host class" (e.g. "google.com search", " direct" for no referrer), so
-- the stats' referrer breakdown shows each host with its source class. Backfilled from the raw clicks
-- recorded before; SqliteClickStore::Record writes it from now on.
INSERT OR IGNORE INTO link_dimension_day (link_id, dimension, day, value, clicks, human_clicks, bot_clicks)
SELECT link_id, 'referrer', ts - ts % 86400000, coalesce(referrer_host, '') || ' ' || coalesce(referrer_class, ''),
       count(*), sum(coalesce(is_bot, 0) = 0), sum(coalesce(is_bot, 0) <> 0)
FROM clicks GROUP BY 1, 2, 3, 4;
