-- Idempotency-Key of the create endpoints (issue #15; docs/api-spec.md "Idempotency"): one row per caller and key,
-- claimed before the request runs (status 0) and holding its answer afterwards, for 24 hours. The primary key is
-- what makes concurrent retries create once: only one INSERT of a (owner, key) can succeed.
CREATE TABLE idempotency_keys (
    owner        TEXT    NOT NULL,  -- "u:<user id>", "admin" or "a:<client address>"
    key          TEXT    NOT NULL,  -- the header value (at most 255 printable bytes)
    request_hash TEXT    NOT NULL,  -- hex SHA-256 of method, path and body: the same key with another body is refused
    status       INTEGER NOT NULL DEFAULT 0,  -- 0 while the first request runs, then its HTTP status
    body         TEXT,
    location     TEXT,
    created_at   INTEGER NOT NULL,  -- Unix ms of the claim
    expires_at   INTEGER NOT NULL,  -- Unix ms; purged after
    PRIMARY KEY (owner, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
