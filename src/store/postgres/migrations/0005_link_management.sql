-- Link management (issue #7). owner_id refers to users.id (migration 0006, branch auth); NULL = an
-- anonymous link, or one created in auth mode none. stats_token_hash: hex SHA-256 of an anonymous link's
-- stats token ('' = none). password_hash: argon2id string ('' = no password). targeting:
-- {"ios": url|null, "android": url|null, "countries": {"DE": url, ...}} or NULL.
ALTER TABLE links
    ADD COLUMN owner_id         bigint,
    ADD COLUMN stats_token_hash text    NOT NULL DEFAULT '',
    ADD COLUMN disabled         boolean NOT NULL DEFAULT false,
    ADD COLUMN expired_url      text    NOT NULL DEFAULT '',
    ADD COLUMN forward_query    boolean NOT NULL DEFAULT false,
    ADD COLUMN password_hash    text    NOT NULL DEFAULT '',
    ADD COLUMN targeting        jsonb;

-- An owner's links, newest first (the list with an owner filter).
CREATE INDEX links_owner_idx ON links (owner_id, id) WHERE deleted_at IS NULL;
