-- Unique visitors of parts of UTC days without reading raw clicks (issue #18). Stats in a time zone that is not UTC
-- split every local day into a suffix of one UTC day and a prefix of the next, and counted the distinct visitor ids of
-- each part from the raw clicks: seconds for a link with millions of clicks. Now each visitor-day remembers the
-- quarter hours (0-95) of its first and last click, and each quarter-hour rollup row counts the visitors whose first
-- (first_visitors) and whose last (last_visitors) click of the UTC day fell in it. The visitors of a day's prefix
-- [00:00, t) are the sum of first_visitors before t; of a suffix [t, 24:00), the sum of last_visitors from t on.
-- prev_first_q/prev_last_q hold the values an update replaced (-1 after an insert), so the click store's single
-- statement can move a visitor between quarters. human_* count visitors whose is_bot is false. Backfilled here.
ALTER TABLE link_visitors_day ADD COLUMN first_q smallint, ADD COLUMN last_q smallint,
                              ADD COLUMN prev_first_q smallint, ADD COLUMN prev_last_q smallint;
-- Moves update rows in place (no indexed column changes): leave room for HOT updates in new pages.
ALTER TABLE link_visitors_day SET (fillfactor = 90);
UPDATE link_visitors_day v SET first_q = c.fq, last_q = c.lq
FROM (SELECT link_id, (ts AT TIME ZONE 'UTC')::date AS day, visitor_id,
             min((extract(epoch FROM ts)::bigint % 86400) / 900) AS fq, max((extract(epoch FROM ts)::bigint % 86400) / 900) AS lq
      FROM clicks WHERE visitor_id IS NOT NULL GROUP BY 1, 2, 3) c
WHERE v.link_id = c.link_id AND v.day = c.day AND v.visitor_id = c.visitor_id;

ALTER TABLE link_clicks_quarter ADD COLUMN first_visitors bigint NOT NULL DEFAULT 0,
                                ADD COLUMN human_first_visitors bigint NOT NULL DEFAULT 0,
                                ADD COLUMN last_visitors bigint NOT NULL DEFAULT 0,
                                ADD COLUMN human_last_visitors bigint NOT NULL DEFAULT 0;
INSERT INTO link_clicks_quarter AS r (link_id, bucket, clicks, human_clicks, bot_clicks, first_visitors,
                                      human_first_visitors, last_visitors, human_last_visitors)
SELECT link_id, bucket, 0, 0, 0, sum(f), coalesce(sum(f) FILTER (WHERE NOT is_bot), 0), sum(l),
       coalesce(sum(l) FILTER (WHERE NOT is_bot), 0)
FROM (SELECT link_id, day::timestamp AT TIME ZONE 'UTC' + first_q * interval '15 minutes' AS bucket, 1 AS f, 0 AS l, is_bot
      FROM link_visitors_day WHERE first_q IS NOT NULL
      UNION ALL
      SELECT link_id, day::timestamp AT TIME ZONE 'UTC' + last_q * interval '15 minutes', 0, 1, is_bot
      FROM link_visitors_day WHERE last_q IS NOT NULL) v
GROUP BY 1, 2
ON CONFLICT (link_id, bucket) DO UPDATE SET first_visitors = excluded.first_visitors,
    human_first_visitors = excluded.human_first_visitors, last_visitors = excluded.last_visitors,
    human_last_visitors = excluded.human_last_visitors;
