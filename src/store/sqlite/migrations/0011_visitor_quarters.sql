-- Unique visitors of parts of UTC days without reading raw clicks (issue #18; the same as PostgreSQL's migration
-- 0011, which explains it): each visitor-day keeps the quarter hours (0-95) of its first and last click, and each
-- quarter-hour rollup row counts the visitors whose first and whose last click of the UTC day fell in it.
ALTER TABLE link_visitors_day ADD COLUMN first_q INTEGER;
ALTER TABLE link_visitors_day ADD COLUMN last_q INTEGER;
ALTER TABLE link_visitors_day ADD COLUMN prev_first_q INTEGER;
ALTER TABLE link_visitors_day ADD COLUMN prev_last_q INTEGER;
UPDATE link_visitors_day AS v SET first_q = c.fq, last_q = c.lq
FROM (SELECT link_id, ts - ts % 86400000 AS day, visitor_id, min(ts % 86400000 / 900000) AS fq,
             max(ts % 86400000 / 900000) AS lq
      FROM clicks WHERE visitor_id IS NOT NULL GROUP BY 1, 2, 3) AS c
WHERE v.link_id = c.link_id AND v.day = c.day AND v.visitor_id = c.visitor_id;

ALTER TABLE link_clicks_quarter ADD COLUMN first_visitors INTEGER NOT NULL DEFAULT 0;
ALTER TABLE link_clicks_quarter ADD COLUMN human_first_visitors INTEGER NOT NULL DEFAULT 0;
ALTER TABLE link_clicks_quarter ADD COLUMN last_visitors INTEGER NOT NULL DEFAULT 0;
ALTER TABLE link_clicks_quarter ADD COLUMN human_last_visitors INTEGER NOT NULL DEFAULT 0;
INSERT INTO link_clicks_quarter AS r (link_id, bucket, clicks, human_clicks, bot_clicks, first_visitors,
                                      human_first_visitors, last_visitors, human_last_visitors)
SELECT link_id, bucket, 0, 0, 0, sum(f), sum(f * (is_bot = 0)), sum(l), sum(l * (is_bot = 0))
FROM (SELECT link_id, day + first_q * 900000 AS bucket, 1 AS f, 0 AS l, is_bot FROM link_visitors_day
      WHERE first_q IS NOT NULL
      UNION ALL
      SELECT link_id, day + last_q * 900000, 0, 1, is_bot FROM link_visitors_day WHERE last_q IS NOT NULL)
WHERE true GROUP BY 1, 2
ON CONFLICT (link_id, bucket) DO UPDATE SET first_visitors = excluded.first_visitors,
    human_first_visitors = excluded.human_first_visitors, last_visitors = excluded.last_visitors,
    human_last_visitors = excluded.human_last_visitors;
