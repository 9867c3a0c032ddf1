-- Counts people can trust (issue #12): links.human_clicks counts the recorded clicks that are not bots
-- (HEAD requests, crawlers, link-preview fetchers), beside links.clicks, which counts them all. Maintained by
-- SqliteClickStore::Record in the same transaction; backfilled here from the stored clicks (a NULL is_bot,
-- from before enrichment, counts as human, as in the rollups).
ALTER TABLE links ADD COLUMN human_clicks INTEGER NOT NULL DEFAULT 0;
UPDATE links SET human_clicks = (SELECT count(*) FROM clicks WHERE clicks.link_id = links.id AND coalesce(clicks.is_bot, 0) = 0);
