-- Unique visitors per destination of a routed link (issue #17) from rollups, like the link's own unique visitors
-- (migrations 0010, 0011): they were counted from the raw clicks, so retention (SHORTENER_CLICK_RETENTION_DAYS) took
-- them away. Each (link, UTC day, destination facet value "route URL", visitor id) is kept once in
-- link_destination_visitors_day (is_bot = 0 once any of its clicks was human), and the destination facet rows of
-- link_dimension_day count them: unique_visitors when a visitor-day-destination is new, human_unique_visitors when
-- it is new and human or turns human. Retention deletes the per-visitor rows of past days, as it does
-- link_visitors_day's; the counts stay. Other facets keep 0 in the new columns. Backfilled from the raw clicks here,
-- in the migration's transaction (SQLite has one writer: no click is stored between the backfill and the switch).
CREATE TABLE link_destination_visitors_day (
    link_id    INTEGER NOT NULL,
    day        INTEGER NOT NULL,
    value      TEXT    NOT NULL,
    visitor_id TEXT    NOT NULL,
    is_bot     INTEGER NOT NULL,
    PRIMARY KEY (link_id, day, value, visitor_id)
) WITHOUT ROWID;
INSERT INTO link_destination_visitors_day (link_id, day, value, visitor_id, is_bot)
SELECT link_id, ts - ts % 86400000, route || ' ' || destination, visitor_id, min(coalesce(is_bot, 0))
FROM clicks WHERE route IS NOT NULL AND destination IS NOT NULL AND visitor_id IS NOT NULL GROUP BY 1, 2, 3, 4;

ALTER TABLE link_dimension_day ADD COLUMN unique_visitors INTEGER NOT NULL DEFAULT 0;
ALTER TABLE link_dimension_day ADD COLUMN human_unique_visitors INTEGER NOT NULL DEFAULT 0;
UPDATE link_dimension_day AS r SET unique_visitors = v.u, human_unique_visitors = v.h
FROM (SELECT link_id, day, value, count(*) AS u, sum(is_bot = 0) AS h FROM link_destination_visitors_day
      GROUP BY 1, 2, 3) AS v
WHERE r.link_id = v.link_id AND r.dimension = 'destination' AND r.day = v.day AND r.value = v.value;
