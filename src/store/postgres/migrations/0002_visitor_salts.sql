-- Daily secret salts for visitor ids (issue #4): one random 32-byte key per UTC day, shared by every worker
-- so that one visitor gets one id per day whichever worker sees the click. Rows older than yesterday are
-- deleted by the worker, after which that day's visitor ids cannot be recomputed from an address.
CREATE TABLE visitor_salts (
    day  integer PRIMARY KEY,                          -- days since 1970-01-01, UTC
    salt bytea   NOT NULL CHECK (length(salt) = 32)
);
