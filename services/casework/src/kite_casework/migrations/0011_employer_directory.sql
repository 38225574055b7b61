-- Casework's own copy of the employers jobs registered (from jobs.events), so a case naming a jobs
-- employer id names one that exists. Looked up by employer_id only.
CREATE TABLE employer_directory (
    employer_id         uuid PRIMARY KEY,
    name                text NOT NULL,
    credit_code         text,  -- as jobs keeps it; casework checks it again before using it
    area_division_code  text NOT NULL,
    registered_at       timestamptz NOT NULL
);
