-- Branded short domains (issue #14, docs/domains.md). The default domain (the public URL's host) is not a row: it
-- always exists, follows the configuration and has id 0. links.domain_id = 0 puts every existing link on it.
-- ADD COLUMN with a constant default rewrites nothing in SQLite (the default is read from the schema).
CREATE TABLE domains (
    id                 INTEGER PRIMARY KEY,           -- > 0; 0 is the default domain
    host               TEXT    NOT NULL UNIQUE,       -- lower-case ASCII (punycode), no port, no trailing dot
    owner_id           INTEGER,                       -- the user who added it; NULL: an admin key or auth mode none
    https              INTEGER NOT NULL,              -- 1: short links on it are https://
    hsts_max_age       INTEGER NOT NULL DEFAULT 0,    -- seconds; 0: no Strict-Transport-Security
    root_redirect      TEXT,                          -- where GET / goes; NULL: the default behaviour
    not_found_redirect TEXT,                          -- where an unknown slug goes; NULL: 404
    created_at         INTEGER NOT NULL               -- Unix ms
);
CREATE INDEX domains_owner_idx ON domains (owner_id);

ALTER TABLE links ADD COLUMN domain_id INTEGER NOT NULL DEFAULT 0;
