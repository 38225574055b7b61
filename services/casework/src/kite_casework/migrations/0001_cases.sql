-- Casework's own copy of the roster's members, kept by the member-directory consumer from
-- roster.events (no service reads another's tables). Looked up by member_id only.
CREATE TABLE member_directory (
    member_id             uuid PRIMARY KEY,
    name                  text NOT NULL,
    gender                text NOT NULL,
    birth_year            integer NOT NULL,
    origin_division_code  text NOT NULL CHECK (origin_division_code ~ '^[0-9]{12}$'),
    current_city          text NOT NULL,
    employer              text,
    is_party_member       boolean NOT NULL,
    skills                text[] NOT NULL DEFAULT '{}',
    registered_by         text NOT NULL,
    registered_at         timestamptz NOT NULL,
    roster_version        integer NOT NULL  -- the member stream's version last applied
);

-- Read model of cases, kept inline by the case projection; rebuildable from the event store.
CREATE TABLE cases (
    case_id               uuid PRIMARY KEY,
    member_id             uuid NOT NULL,
    origin_division_code  text NOT NULL CHECK (origin_division_code ~ '^[0-9]{12}$'),
    category              text NOT NULL,
    urgency               text NOT NULL,
    description           text NOT NULL,
    sla_tier              text NOT NULL,
    opened_at             timestamptz NOT NULL,
    deadline              timestamptz NOT NULL,
    opened_by             text NOT NULL,
    status                text NOT NULL,
    accepted_by           text,
    accepted_at           timestamptz,
    version               integer NOT NULL
);
-- Every list is limited to a jurisdiction (a prefix of the origin code) and pages by case_id
-- (UUIDv7, time-ordered).
CREATE INDEX cases_jurisdiction ON cases (origin_division_code text_pattern_ops, case_id);
-- Overdue and due-soon supervision: unresolved cases by deadline.
CREATE INDEX cases_status_deadline ON cases (status, deadline);
-- A member's cases.
CREATE INDEX cases_member ON cases (member_id, case_id);
-- A caseworker's own cases (首问负责人).
CREATE INDEX cases_accepted_by ON cases (accepted_by, case_id) WHERE accepted_by IS NOT NULL;
