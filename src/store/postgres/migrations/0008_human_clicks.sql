-- Counts people can trust (issue #12): links.human_clicks counts the recorded clicks that are not bots
-- (HEAD requests, crawlers, link-preview fetchers), beside links.clicks, which counts them all. Maintained by
-- the click store's batch statement (clicks_record); backfilled here from the stored clicks (a NULL is_bot
-- counts as human, as in the rollups).
ALTER TABLE links ADD COLUMN human_clicks bigint NOT NULL DEFAULT 0;
UPDATE links l SET human_clicks = c.n
FROM (SELECT link_id, count(*) FILTER (WHERE NOT coalesce(is_bot, false)) AS n FROM clicks GROUP BY link_id) c
WHERE l.id = c.link_id AND c.n > 0;
