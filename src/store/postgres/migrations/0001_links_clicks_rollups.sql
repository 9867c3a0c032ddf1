-- Distributed-mode schema (PostgreSQL 15). Times are timestamptz (UTC); the adapter passes Unix
-- milliseconds and converts with ms_to_ts()/ts_to_ms(). docs/data-model.md explains every table.

CREATE FUNCTION ms_to_ts(ms bigint) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN timestamptz 'epoch' + ms * interval '1 millisecond';

CREATE FUNCTION ts_to_ms(ts timestamptz) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (extract(epoch FROM ts) * 1000)::bigint;

-- Links. Slugs compare byte-wise (COLLATE "C"), as SQLite's BINARY collation does.
CREATE TABLE links (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug          text COLLATE "C" NOT NULL UNIQUE,
    long_url      text        NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    expires_at    timestamptz,
    max_clicks    bigint,
    redirect_type smallint    NOT NULL DEFAULT 302,
    tags          text[]      NOT NULL DEFAULT '{}',
    deleted_at    timestamptz,
    clicks        bigint      NOT NULL DEFAULT 0,   -- clicks recorded by the worker
    uses          bigint      NOT NULL DEFAULT 0    -- redirects counted against max_clicks, at redirect time
);
CREATE INDEX links_tags_idx ON links USING gin (tags);

-- Raw clicks, one row per redirect, partitioned by month on ts. No raw IP address is ever stored.
-- A partitioned table's unique keys must contain the partition key, so the key is (link_id, ts,
-- event_id): a replayed event has the same link, time and event id, which makes recording idempotent.
CREATE TABLE clicks (
    link_id         bigint      NOT NULL,
    ts              timestamptz NOT NULL,
    event_id        uuid        NOT NULL,          -- UUIDv7
    user_agent      text,
    referer         text,
    accept_language text,
    query           text,
    head_request    boolean     NOT NULL DEFAULT false,
    is_bot          boolean,
    country         text,                          -- ISO 3166-1 alpha-2
    country_name    text,
    region          text,
    city            text,
    latitude        double precision,
    longitude       double precision,
    browser         text,
    os              text,
    device          text,
    referrer_host   text,
    referrer_class  text,
    language        text,
    visitor_id      text,
    utm_source      text,
    utm_medium      text,
    utm_campaign    text,
    PRIMARY KEY (link_id, ts, event_id)
) PARTITION BY RANGE (ts);

-- Safety net: a click outside every monthly partition is still stored. ensure_click_partitions() moves
-- such rows into their month's partition when it creates it.
CREATE TABLE clicks_default PARTITION OF clicks DEFAULT;

-- Creates the monthly partitions clicks_yYYYYmMM from `from_month` to `months_ahead` months after the
-- current month (UTC). Safe to run concurrently (transaction-level advisory lock) and repeatedly.
CREATE FUNCTION ensure_click_partitions(months_ahead int, from_month timestamptz DEFAULT now())
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    m     timestamptz := date_trunc('month', from_month, 'UTC');
    last  timestamptz := date_trunc('month', now(), 'UTC') + make_interval(months => months_ahead);
    name  text;
    made  int := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('shortener_click_partitions:' || current_schema()));
    WHILE m <= last LOOP
        name := 'clicks_y' || to_char(m AT TIME ZONE 'UTC', 'YYYY') || 'm' || to_char(m AT TIME ZONE 'UTC', 'MM');
        IF to_regclass(quote_ident(current_schema()) || '.' || quote_ident(name)) IS NULL THEN
            EXECUTE format('CREATE TABLE %I (LIKE clicks INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
            -- Rows that fell into the default partition for this month move to the new one.
            EXECUTE format('WITH moved AS (DELETE FROM clicks_default WHERE ts >= %L AND ts < %L RETURNING *) '
                           'INSERT INTO %I SELECT * FROM moved', m, m + interval '1 month', name);
            EXECUTE format('ALTER TABLE clicks ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                           name, m, m + interval '1 month');
            made := made + 1;
        END IF;
        m := m + interval '1 month';
    END LOOP;
    RETURN made;
END $$;

-- Rollups, maintained by the click store in the same statement that inserts the raw clicks, and only
-- for rows actually inserted. Buckets are UTC. Stats queries read these, never the raw clicks.
CREATE TABLE link_clicks_minute (
    link_id      bigint      NOT NULL,
    bucket       timestamptz NOT NULL,
    clicks       bigint      NOT NULL,
    human_clicks bigint      NOT NULL,
    bot_clicks   bigint      NOT NULL,
    PRIMARY KEY (link_id, bucket)
);
CREATE TABLE link_clicks_hour (LIKE link_clicks_minute INCLUDING ALL);
CREATE TABLE link_clicks_day (
    LIKE link_clicks_minute INCLUDING ALL,
    unique_visitors       bigint NOT NULL DEFAULT 0,  -- distinct visitor ids that day
    human_unique_visitors bigint NOT NULL DEFAULT 0
);

-- Per-dimension counts per link per UTC day. dimension: country, region, city, referrer_host,
-- referrer_class, browser, os, device, language. value '' = unknown. Regions and cities are qualified by
-- country ("DE/Bavaria", "US/Springfield") so equal names in different countries stay apart.
CREATE TABLE link_dimension_day (
    link_id      bigint NOT NULL,
    day          date   NOT NULL,
    dimension    text   NOT NULL,
    value        text   NOT NULL,
    clicks       bigint NOT NULL,
    human_clicks bigint NOT NULL,
    bot_clicks   bigint NOT NULL,
    PRIMARY KEY (link_id, dimension, day, value)
);

-- Unique visitors: the set of visitor ids per link per UTC day. Visitor ids are keyed with a daily salt,
-- so a day is the widest window in which one visitor keeps one id.
CREATE TABLE link_visitors_day (
    link_id    bigint NOT NULL,
    day        date   NOT NULL,
    visitor_id text   NOT NULL,
    is_bot     boolean NOT NULL,
    PRIMARY KEY (link_id, day, visitor_id)
);
