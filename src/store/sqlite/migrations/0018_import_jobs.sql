-- Import jobs (issue #15): large files imported through the API run in the background; their progress and summary are
-- kept here so the import page can follow them. Finished jobs are forgotten after a week (ImportJobStore::Create).
CREATE TABLE import_jobs (
    id         TEXT    PRIMARY KEY,
    owner_id   INTEGER,
    format     TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    total      INTEGER NOT NULL,
    processed  INTEGER NOT NULL DEFAULT 0,
    summary    TEXT    NOT NULL DEFAULT '',
    error      TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX import_jobs_updated ON import_jobs (updated_at) WHERE status <> 'running';
