-- Branded short domains (issue #14, docs/domains.md). The default domain (the public URL's host) is not a row: it
-- always exists, follows the configuration and has id 0. links.domain_id = 0 puts every existing link on it.
-- No downtime: since PostgreSQL 11, ADD COLUMN with a constant default stores the default in the catalogue and
-- rewrites no row; the ACCESS EXCLUSIVE lock it takes is held for the catalogue change only.
CREATE TABLE domains (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- > 0; 0 is the default domain
    host               text        NOT NULL UNIQUE,   -- lower-case ASCII (punycode), no port, no trailing dot
    owner_id           bigint,                        -- the user who added it; NULL: an admin key or auth mode none
    https              boolean     NOT NULL,          -- short links on it are https://
    hsts_max_age       integer     NOT NULL DEFAULT 0,  -- seconds; 0: no Strict-Transport-Security
    root_redirect      text,                          -- where GET / goes; NULL: the default behaviour
    not_found_redirect text,                          -- where an unknown slug goes; NULL: 404
    created_at         timestamptz NOT NULL
);
CREATE INDEX domains_owner_idx ON domains (owner_id);

SET LOCAL lock_timeout = '5s';  -- never queue behind a long transaction while blocking every link read
ALTER TABLE links ADD COLUMN domain_id bigint NOT NULL DEFAULT 0;
