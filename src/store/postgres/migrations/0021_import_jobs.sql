-- Import jobs (issue #15): large files imported through the API run in the background; their progress and summary are
-- kept here so that any replica can answer GET /api/v1/imports/{id}. Finished jobs are forgotten after a week
-- (ImportJobStore::Create). A new table: nothing to rewrite.
CREATE TABLE import_jobs (
    id         text        PRIMARY KEY,
    owner_id   bigint,
    format     text        NOT NULL,
    status     text        NOT NULL,
    total      bigint      NOT NULL,
    processed  bigint      NOT NULL DEFAULT 0,
    summary    text        NOT NULL DEFAULT '',
    error      text        NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX import_jobs_updated ON import_jobs (updated_at) WHERE status <> 'running';
