-- A link's all-time unique visitors beside its clicks (issue #18): the worker publishes every link's totals after
-- every batch, and summing the link's day rollups for that grew with the link's age. Maintained by the click store's
-- batch statement (clicks_record) from now on; backfilled from the day rollups here.
ALTER TABLE links ADD COLUMN unique_visitors bigint NOT NULL DEFAULT 0,
                  ADD COLUMN human_unique_visitors bigint NOT NULL DEFAULT 0;
UPDATE links l SET unique_visitors = d.u, human_unique_visitors = d.h
FROM (SELECT link_id, sum(unique_visitors) AS u, sum(human_unique_visitors) AS h FROM link_clicks_day GROUP BY 1) d
WHERE l.id = d.link_id AND d.u > 0;
