-- A link's all-time unique visitors beside its clicks (issue #18): the worker publishes every link's totals after
-- every batch, and summing the link's day rollups for that grew with the link's age. Maintained by the click store's
-- batch from now on; backfilled from the day rollups here.
ALTER TABLE links ADD COLUMN unique_visitors INTEGER NOT NULL DEFAULT 0;
ALTER TABLE links ADD COLUMN human_unique_visitors INTEGER NOT NULL DEFAULT 0;
UPDATE links SET
    unique_visitors = (SELECT coalesce(sum(unique_visitors), 0) FROM link_clicks_day d WHERE d.link_id = links.id),
    human_unique_visitors =
        (SELECT coalesce(sum(human_unique_visitors), 0) FROM link_clicks_day d WHERE d.link_id = links.id);
