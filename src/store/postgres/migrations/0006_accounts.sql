-- Accounts, API keys and web sessions (issue #7). No secret is stored in the clear: API keys and session
-- tokens as hex SHA-256, passwords as argon2id hashes. docs/data-model.md describes the tables.
CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text COLLATE "C" NOT NULL UNIQUE,  -- lower-case
    password_hash text        NOT NULL DEFAULT '',   -- '' = cannot log in
    is_admin      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL
);

-- The built-in service owner: keys made by `shortener keys create` without --user belong to it. "service" is
-- not an email address, so no sign-up can take it; it has no password, so nobody can log in as it.
INSERT INTO users (email, password_hash, is_admin, created_at) VALUES ('service', '', true, 'epoch');

CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id),
    name         text        NOT NULL,
    prefix       text        NOT NULL,                -- first 11 characters, "sk_" included, for display
    key_hash     text COLLATE "C" NOT NULL UNIQUE,    -- hex SHA-256 of the whole key
    scopes       text        NOT NULL,                -- space-separated
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id);

CREATE TABLE sessions (
    token_hash text COLLATE "C" PRIMARY KEY,          -- hex SHA-256 of the cookie value
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token text        NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
