-- Destination health (issue #15, docs/health.md): one row per link the worker has seen, with the outcome of its last
-- check and when the next one is due. A link gets its row on a worker's first pass (due at a random moment within one
-- interval, so that links are checked spread over the day); workers claim due rows with FOR UPDATE SKIP LOCKED and move
-- next_check_at to the lease's end, so exactly one worker checks a link at a time. New table only (number 0022 was
-- free; the runner applies any missing number).
CREATE TABLE link_health (
    link_id              bigint      PRIMARY KEY,
    status               text        NOT NULL DEFAULT 'unknown',  -- unknown | ok | broken
    consecutive_failures integer     NOT NULL DEFAULT 0,
    last_status_code     integer,               -- the final answer's HTTP status; NULL: none came
    last_final_url       text,                  -- the URL after redirects
    last_error           text,                  -- ours, short; NULL after a success
    last_checked_at      timestamptz,
    last_duration_ms     bigint,
    next_check_at        timestamptz NOT NULL
);
CREATE INDEX link_health_due_idx ON link_health (next_check_at);
CREATE INDEX link_health_broken_idx ON link_health (link_id) WHERE status = 'broken';
