-- Destination health (issue #15, docs/health.md): one row per link the worker has seen, with the outcome of its last
-- check and when the next one is due. A link gets its row on the worker's first pass (due at a random moment within one
-- interval, so that links are checked spread over the day); claiming a due row moves next_check_at to the claim's
-- lease end. New table only: existing data is untouched (number 0019 was free; the runner applies any missing number).
CREATE TABLE link_health (
    link_id              INTEGER PRIMARY KEY,
    status               TEXT    NOT NULL DEFAULT 'unknown',  -- unknown | ok | broken
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_status_code     INTEGER,           -- the final answer's HTTP status; NULL: none came
    last_final_url       TEXT,              -- the URL after redirects
    last_error           TEXT,              -- ours, short; NULL after a success
    last_checked_at      INTEGER,           -- Unix ms
    last_duration_ms     INTEGER,
    next_check_at        INTEGER NOT NULL   -- Unix ms
);
CREATE INDEX link_health_due_idx ON link_health (next_check_at);
CREATE INDEX link_health_broken_idx ON link_health (link_id) WHERE status = 'broken';
