-- Accounts, API keys and web sessions (issue #7). Times are Unix milliseconds (UTC). No secret is stored in
-- the clear: API keys and session tokens as hex SHA-256, passwords as argon2id hashes.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,          -- lower-case
    password_hash TEXT    NOT NULL DEFAULT '',      -- '' = cannot log in
    is_admin      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

-- The built-in service owner: keys made by `shortener keys create` without --user belong to it. "service" is
-- not an email address, so no sign-up can take it; it has no password, so nobody can log in as it.
INSERT INTO users (email, password_hash, is_admin, created_at) VALUES ('service', '', 1, 0);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,                  -- first 11 characters, "sk_" included, for display
    key_hash     TEXT    NOT NULL UNIQUE,           -- hex SHA-256 of the whole key
    scopes       TEXT    NOT NULL,                  -- space-separated
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id);

CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,                 -- hex SHA-256 of the cookie value
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
