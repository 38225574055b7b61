-- Skills training: courses and enrolments, read models of jobs' own events.
CREATE TABLE courses (
    course_id            uuid PRIMARY KEY,
    title                text NOT NULL,
    trade                text NOT NULL,
    provider             text NOT NULL,
    place_division_code  text COLLATE "C" NOT NULL,
    starts_on            date NOT NULL,
    ends_on              date NOT NULL,
    capacity             integer NOT NULL,
    subsidy_fen          bigint NOT NULL,
    certificate          text,
    enrolled_count       integer NOT NULL DEFAULT 0,
    completed_count      integer NOT NULL DEFAULT 0,
    area_division_code   text COLLATE "C" NOT NULL,
    opened_at            timestamptz NOT NULL,
    opened_by            text NOT NULL,
    version              integer NOT NULL
);
CREATE INDEX courses_area ON courses (area_division_code, course_id);

CREATE TABLE enrolments (
    course_id                    uuid NOT NULL,
    member_id                    uuid NOT NULL,
    member_origin_division_code  text COLLATE "C" NOT NULL,
    enrolled_at                  timestamptz NOT NULL,
    completed_on                 date,
    skill                        text,
    certificate                  text,
    PRIMARY KEY (course_id, member_id)
);
CREATE INDEX enrolments_member ON enrolments (member_id);
-- The ledger's training completions by the member's home.
CREATE INDEX enrolments_completed_origin ON enrolments (member_origin_division_code) WHERE completed_on IS NOT NULL;
