-- Unique visitors per destination of a routed link (issue #17) from rollups, like the link's own unique visitors
-- (migrations 0010, 0011): they were counted from the raw clicks, so retention (SHORTENER_CLICK_RETENTION_DAYS) took
-- them away. Each (link, UTC day, destination facet value "route URL", visitor id) is kept once in
-- link_destination_visitors_day (is_bot false once any of its clicks was human), and the destination facet rows of
-- link_dimension_day count them: unique_visitors when a visitor-day-destination is new, human_unique_visitors when
-- it is new and human or turns human (the click store's batch statement). Retention deletes the per-visitor rows of
-- past days, as it does link_visitors_day's; the counts stay. Other facets keep 0 in the new columns.
--
-- Backfilled from the raw clicks with no downtime: the long part (reading every routed click) runs first, while
-- link_dimension_day is not locked, so stats and click batches go on. Then the ALTER locks link_dimension_day
-- (adding a column with a constant default is a catalog change): batches committed meanwhile are caught up from the
-- last two days of clicks (ON CONFLICT DO NOTHING), and the counts are set, all before any batch can write again.
CREATE TABLE link_destination_visitors_day (
    link_id    bigint  NOT NULL,
    day        date    NOT NULL,
    value      text    NOT NULL,
    visitor_id text    NOT NULL,
    is_bot     boolean NOT NULL,
    PRIMARY KEY (link_id, day, value, visitor_id)
);
INSERT INTO link_destination_visitors_day (link_id, day, value, visitor_id, is_bot)
SELECT link_id, (ts AT TIME ZONE 'UTC')::date, route || ' ' || destination, visitor_id, bool_and(coalesce(is_bot, false))
FROM clicks WHERE route IS NOT NULL AND destination IS NOT NULL AND visitor_id IS NOT NULL GROUP BY 1, 2, 3, 4;

ALTER TABLE link_dimension_day ADD COLUMN unique_visitors bigint NOT NULL DEFAULT 0,
                               ADD COLUMN human_unique_visitors bigint NOT NULL DEFAULT 0;
INSERT INTO link_destination_visitors_day AS r (link_id, day, value, visitor_id, is_bot)
SELECT link_id, (ts AT TIME ZONE 'UTC')::date, route || ' ' || destination, visitor_id, bool_and(coalesce(is_bot, false))
FROM clicks WHERE ts >= now() - interval '2 days' AND route IS NOT NULL AND destination IS NOT NULL
    AND visitor_id IS NOT NULL
GROUP BY 1, 2, 3, 4
ON CONFLICT (link_id, day, value, visitor_id) DO UPDATE SET is_bot = false WHERE r.is_bot AND NOT excluded.is_bot;
UPDATE link_dimension_day r SET unique_visitors = v.u, human_unique_visitors = v.h
FROM (SELECT link_id, day, value, count(*) AS u, count(*) FILTER (WHERE NOT is_bot) AS h
      FROM link_destination_visitors_day GROUP BY 1, 2, 3) v
WHERE r.link_id = v.link_id AND r.dimension = 'destination' AND r.day = v.day AND r.value = v.value;
