-- Idempotency-Key of the create endpoints (issue #15; docs/api-spec.md "Idempotency"): one row per caller and key,
-- claimed before the request runs (status 0) and holding its answer afterwards, for 24 hours. In the database, not
-- in one replica's memory, so a retry that reaches another API replica finds it; the primary key is what makes
-- concurrent retries create once (only one INSERT of a (owner, key) can succeed).
CREATE TABLE idempotency_keys (
    owner        text COLLATE "C" NOT NULL,  -- "u:<user id>", "admin" or "a:<client address>"
    key          text COLLATE "C" NOT NULL,  -- the header value (at most 255 printable bytes)
    request_hash text        NOT NULL,       -- hex SHA-256 of method, path and body
    status       smallint    NOT NULL DEFAULT 0,  -- 0 while the first request runs, then its HTTP status
    body         text,
    location     text,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
