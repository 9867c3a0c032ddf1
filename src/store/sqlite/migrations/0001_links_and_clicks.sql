-- Links. Times are Unix milliseconds (UTC). Slugs compare case-sensitively (BINARY collation).
CREATE TABLE links (
    id            INTEGER PRIMARY KEY,
    slug          TEXT    NOT NULL UNIQUE,
    long_url      TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    max_clicks    INTEGER,
    redirect_type INTEGER NOT NULL DEFAULT 302,
    tags          TEXT    NOT NULL DEFAULT '[]',  -- JSON array of strings
    deleted_at    INTEGER,
    clicks        INTEGER NOT NULL DEFAULT 0,     -- clicks recorded by the worker
    uses          INTEGER NOT NULL DEFAULT 0      -- redirects counted against max_clicks, at redirect time
);

-- Raw clicks, one row per redirect. No raw IP address is ever stored; the enrichment columns are filled
-- by the worker (NULL = unknown). The primary key clusters rows by link and time (what every query
-- reads) and makes recording idempotent: a replayed event has the same link, time and event id.
CREATE TABLE clicks (
    link_id         INTEGER NOT NULL,
    ts              INTEGER NOT NULL,
    event_id        BLOB    NOT NULL,              -- UUIDv7, 16 bytes
    user_agent      TEXT,
    referer         TEXT,
    accept_language TEXT,
    query           TEXT,
    head_request    INTEGER NOT NULL DEFAULT 0,
    is_bot          INTEGER,
    country         TEXT,                          -- ISO 3166-1 alpha-2
    country_name    TEXT,
    region          TEXT,
    city            TEXT,
    latitude        REAL,
    longitude       REAL,
    browser         TEXT,
    os              TEXT,
    device          TEXT,
    referrer_host   TEXT,
    referrer_class  TEXT,
    language        TEXT,
    visitor_id      TEXT,
    utm_source      TEXT,
    utm_medium      TEXT,
    utm_campaign    TEXT,
    PRIMARY KEY (link_id, ts, event_id)
) WITHOUT ROWID;
