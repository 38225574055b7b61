-- Bulk imports (批量导入): a job per uploaded file, its bytes until it is done, and its per-row report.
-- Primary data, not a projection: never rebuilt from events (the members it creates are events).

CREATE TABLE import_jobs (
    job_id        uuid PRIMARY KEY,                 -- UUIDv7: creation order
    status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    file_name     text NOT NULL,
    file_size     bigint NOT NULL,
    file_sha256   text NOT NULL,
    jurisdiction  text NOT NULL,                    -- the uploader's: rows outside it are reported, not imported
    subject       text NOT NULL,                    -- who uploaded (token subject); members are registered_by it
    subject_name  text NOT NULL DEFAULT '',
    topic         text NOT NULL,                    -- where the members' events are published
    traceparent   text,                             -- the upload's trace, carried by the members' events
    -- Progress, moved in the same transaction as each batch it counts: rows_read is the checkpoint
    -- (data rows of the file consumed), so a resumed job skips exactly what is already written.
    rows_read     integer NOT NULL DEFAULT 0,
    total         integer NOT NULL DEFAULT 0,
    created       integer NOT NULL DEFAULT 0,
    skipped       integer NOT NULL DEFAULT 0,
    failed        integer NOT NULL DEFAULT 0,
    progress      real NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
    file_kind     text,                             -- csv | xlsx, once read
    encoding      text,                             -- of a CSV: utf-8, gb18030, utf-16
    error_code    text,                             -- why a failed job failed (the whole file)
    error         text,
    attempts      integer NOT NULL DEFAULT 0,       -- how many times a worker took it up
    worker        text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
-- Workers look for work here (few rows: only unfinished jobs).
CREATE INDEX import_jobs_pending ON import_jobs (created_at, job_id) WHERE status IN ('queued', 'running');
-- A jurisdiction's jobs, newest first.
CREATE INDEX import_jobs_jurisdiction ON import_jobs (jurisdiction text_pattern_ops, job_id);

-- The uploaded file, in order, until the job is done (then deleted): any replica's worker can run the
-- job, and a restarted one reads it again. Each chunk is encrypted like other personal data (it holds
-- ID and phone numbers in the clear otherwise); the chunks are not compressed again by TOAST.
CREATE TABLE import_job_chunks (
    job_id  uuid NOT NULL REFERENCES import_jobs ON DELETE CASCADE,
    seq     integer NOT NULL,
    data    text NOT NULL,
    PRIMARY KEY (job_id, seq)
);
ALTER TABLE import_job_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- The per-row report: rows not imported (failed) or already registered (skipped), with the column and
-- the problem in Chinese. Several problems of one row are seq 0, 1, ... Never an ID or phone number.
CREATE TABLE import_problems (
    job_id      uuid NOT NULL REFERENCES import_jobs ON DELETE CASCADE,
    row_number  integer NOT NULL,
    seq         integer NOT NULL,
    outcome     text NOT NULL CHECK (outcome IN ('failed', 'skipped')),
    column_name text NOT NULL,
    message     text NOT NULL,
    name        text NOT NULL DEFAULT '',
    PRIMARY KEY (job_id, row_number, seq)
);
