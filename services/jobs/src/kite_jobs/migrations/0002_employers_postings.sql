-- Read models kept inline from jobs' own events; rebuildable from the event store.
CREATE TABLE employers (
    employer_id                 uuid PRIMARY KEY,
    name                        text NOT NULL,
    unified_social_credit_code  text,
    city                        text NOT NULL,
    area_division_code          text COLLATE "C" NOT NULL,
    contact_name                text,
    registered_at               timestamptz NOT NULL,
    registered_by               text NOT NULL,
    version                     integer NOT NULL
);
-- One employer per credit code; a concurrent second registration fails here.
CREATE UNIQUE INDEX employers_uscc ON employers (unified_social_credit_code)
    WHERE unified_social_credit_code IS NOT NULL;

CREATE TABLE postings (
    posting_id          uuid PRIMARY KEY,
    employer_id         uuid NOT NULL,
    title               text NOT NULL,
    city                text NOT NULL,
    skills_required     text[] NOT NULL,
    headcount           integer NOT NULL,
    wage_min            integer NOT NULL,
    wage_max            integer NOT NULL,
    area_division_code  text COLLATE "C" NOT NULL,
    matched_count       integer NOT NULL DEFAULT 0,
    opened_at           timestamptz NOT NULL,
    opened_by           text NOT NULL,
    version             integer NOT NULL
);
-- Listing pages by posting_id (UUIDv7, time-ordered), optionally within a city or an employer.
CREATE INDEX postings_city ON postings (city, posting_id);
CREATE INDEX postings_employer ON postings (employer_id, posting_id);

CREATE TABLE matches (
    posting_id                   uuid NOT NULL,
    member_id                    uuid NOT NULL,
    employer_id                  uuid NOT NULL,
    title                        text NOT NULL,
    city                         text NOT NULL,
    matched_skills               text[] NOT NULL,
    score                        double precision NOT NULL,
    member_origin_division_code  text COLLATE "C" NOT NULL,
    matched_at                   timestamptz NOT NULL,
    matched_by                   text NOT NULL,
    PRIMARY KEY (posting_id, member_id)
);
CREATE INDEX matches_member ON matches (member_id);
