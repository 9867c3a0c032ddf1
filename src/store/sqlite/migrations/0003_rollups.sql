-- Rollups (issue #5), the same as PostgreSQL's (docs/data-model.md): stats read these, never raw clicks.
-- Buckets are Unix milliseconds at the start of the UTC minute, hour or day. Written by
-- SqliteClickStore::Record in its transaction, for inserted rows only.
CREATE TABLE link_clicks_minute (
    link_id      INTEGER NOT NULL,
    bucket       INTEGER NOT NULL,
    clicks       INTEGER NOT NULL,
    human_clicks INTEGER NOT NULL,
    bot_clicks   INTEGER NOT NULL,
    PRIMARY KEY (link_id, bucket)
) WITHOUT ROWID;
CREATE TABLE link_clicks_hour (
    link_id      INTEGER NOT NULL,
    bucket       INTEGER NOT NULL,
    clicks       INTEGER NOT NULL,
    human_clicks INTEGER NOT NULL,
    bot_clicks   INTEGER NOT NULL,
    PRIMARY KEY (link_id, bucket)
) WITHOUT ROWID;
CREATE TABLE link_clicks_day (
    link_id               INTEGER NOT NULL,
    bucket                INTEGER NOT NULL,
    clicks                INTEGER NOT NULL,
    human_clicks          INTEGER NOT NULL,
    bot_clicks            INTEGER NOT NULL,
    unique_visitors       INTEGER NOT NULL DEFAULT 0,
    human_unique_visitors INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (link_id, bucket)
) WITHOUT ROWID;
-- dimension: country, region, city (both qualified by country: "DE/Bavaria"), referrer_host,
-- referrer_class, browser, os, device, language; value '' = unknown. day = UTC day start (ms).
CREATE TABLE link_dimension_day (
    link_id      INTEGER NOT NULL,
    dimension    TEXT    NOT NULL,
    day          INTEGER NOT NULL,
    value        TEXT    NOT NULL,
    clicks       INTEGER NOT NULL,
    human_clicks INTEGER NOT NULL,
    bot_clicks   INTEGER NOT NULL,
    PRIMARY KEY (link_id, dimension, day, value)
) WITHOUT ROWID;
CREATE TABLE link_visitors_day (
    link_id    INTEGER NOT NULL,
    day        INTEGER NOT NULL,
    visitor_id TEXT    NOT NULL,
    is_bot     INTEGER NOT NULL,
    PRIMARY KEY (link_id, day, visitor_id)
) WITHOUT ROWID;

-- Backfill from the clicks recorded before this migration.
INSERT INTO link_clicks_minute
SELECT link_id, ts - ts % 60000, count(*), sum(coalesce(is_bot, 0) = 0), sum(coalesce(is_bot, 0) <> 0)
FROM clicks GROUP BY 1, 2;
INSERT INTO link_clicks_hour
SELECT link_id, ts - ts % 3600000, count(*), sum(coalesce(is_bot, 0) = 0), sum(coalesce(is_bot, 0) <> 0)
FROM clicks GROUP BY 1, 2;
INSERT INTO link_visitors_day
SELECT link_id, ts - ts % 86400000, visitor_id, coalesce(min(is_bot), 0)
FROM clicks WHERE visitor_id IS NOT NULL GROUP BY 1, 2, 3;
INSERT INTO link_clicks_day
SELECT c.link_id, c.day, c.n, c.h, c.b, coalesce(v.u, 0), coalesce(v.hu, 0)
FROM (SELECT link_id, ts - ts % 86400000 AS day, count(*) AS n, sum(coalesce(is_bot, 0) = 0) AS h,
             sum(coalesce(is_bot, 0) <> 0) AS b FROM clicks GROUP BY 1, 2) c
LEFT JOIN (SELECT link_id, day, count(*) AS u, sum(is_bot = 0) AS hu FROM link_visitors_day GROUP BY 1, 2) v
  ON v.link_id = c.link_id AND v.day = c.day;
INSERT INTO link_dimension_day
SELECT link_id, dimension, day, value, count(*), sum(bot = 0), sum(bot <> 0) FROM (
    SELECT link_id, ts - ts % 86400000 AS day, coalesce(is_bot, 0) AS bot, 'country' AS dimension,
           coalesce(country, '') AS value FROM clicks
    UNION ALL SELECT link_id, ts - ts % 86400000, coalesce(is_bot, 0), 'region',
           CASE WHEN region IS NULL THEN '' ELSE coalesce(country, '') || '/' || region END FROM clicks
    UNION ALL SELECT link_id, ts - ts % 86400000, coalesce(is_bot, 0), 'city',
           CASE WHEN city IS NULL THEN '' ELSE coalesce(country, '') || '/' || city END FROM clicks
    UNION ALL SELECT link_id, ts - ts % 86400000, coalesce(is_bot, 0), 'referrer_host', coalesce(referrer_host, '') FROM clicks
    UNION ALL SELECT link_id, ts - ts % 86400000, coalesce(is_bot, 0), 'referrer_class', coalesce(referrer_class, '') FROM clicks
    UNION ALL SELECT link_id, ts - ts % 86400000, coalesce(is_bot, 0), 'browser', coalesce(browser, '') FROM clicks
    UNION ALL SELECT link_id, ts - ts % 86400000, coalesce(is_bot, 0), 'os', coalesce(os, '') FROM clicks
    UNION ALL SELECT link_id, ts - ts % 86400000, coalesce(is_bot, 0), 'device', coalesce(device, '') FROM clicks
    UNION ALL SELECT link_id, ts - ts % 86400000, coalesce(is_bot, 0), 'language', coalesce(language, '') FROM clicks
) GROUP BY 1, 2, 3, 4;
