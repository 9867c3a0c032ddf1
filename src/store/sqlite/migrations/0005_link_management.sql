-- Link management (issue #7). owner_id refers to users.id (migration 0006, branch auth); NULL = an
-- anonymous link, or one created in auth mode none. stats_token_hash: hex SHA-256 of an anonymous link's
-- stats token ('' = none). password_hash: argon2id string ('' = no password). targeting: JSON object
-- {"ios": url|null, "android": url|null, "countries": {"DE": url, ...}} or NULL.
ALTER TABLE links ADD COLUMN owner_id INTEGER;
ALTER TABLE links ADD COLUMN stats_token_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE links ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE links ADD COLUMN expired_url TEXT NOT NULL DEFAULT '';
ALTER TABLE links ADD COLUMN forward_query INTEGER NOT NULL DEFAULT 0;
ALTER TABLE links ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE links ADD COLUMN targeting TEXT;

-- An owner's links, newest first (the list with an owner filter).
CREATE INDEX links_owner_idx ON links (owner_id, id) WHERE deleted_at IS NULL;
