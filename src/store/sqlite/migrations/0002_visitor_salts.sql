-- Daily secret salts for visitor ids (issue #4): one random 32-byte key per UTC day, hex-encoded. Rows older
-- than yesterday are deleted by the worker, after which that day's visitor ids cannot be recomputed.
CREATE TABLE visitor_salts (
    day  INTEGER PRIMARY KEY,  -- days since 1970-01-01, UTC
    salt TEXT    NOT NULL      -- 64 lower-case hex characters
);
