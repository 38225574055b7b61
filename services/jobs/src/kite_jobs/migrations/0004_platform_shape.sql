-- Employers, postings and matches in their platform shape: division codes instead of city names,
-- wages in fen, the jurisdiction that keeps each record, verification, posting status and dates, and
-- matches with their score parts and household priority. These three tables are read models: they
-- are made again here, empty, and `kite rebuild jobs` fills them from the event store (v1 events are
-- read as v2 through the upcasters in domain/events.py).
DROP TABLE matches;
DROP TABLE postings;
DROP TABLE employers;

CREATE TABLE employers (
    employer_id                 uuid PRIMARY KEY,
    name                        text NOT NULL,
    unified_social_credit_code  text,
    industry                    text,
    hiring_division_code        text COLLATE "C" NOT NULL,
    area_division_code          text COLLATE "C" NOT NULL,
    contacts                    jsonb NOT NULL DEFAULT '[]',
    verified                    boolean NOT NULL DEFAULT false,
    verified_at                 timestamptz,
    verified_by                 text,
    registered_at               timestamptz NOT NULL,
    registered_by               text NOT NULL,
    version                     integer NOT NULL
);
-- One employer per credit code; a concurrent second registration fails here.
CREATE UNIQUE INDEX employers_uscc ON employers (unified_social_credit_code)
    WHERE unified_social_credit_code IS NOT NULL;
-- Listing a jurisdiction's employers page by page (LIKE 'prefix%' on a "C" column uses the btree).
CREATE INDEX employers_area ON employers (area_division_code, employer_id);

-- Contacts' phones: primary data, not a read model (phones never travel in events). AES-GCM with the
-- key id as the value's prefix (context "employer.contact_phone"), a blind index, and the mask shown.
CREATE TABLE employer_contact_pii (
    contact_id    uuid PRIMARY KEY,
    employer_id   uuid NOT NULL,
    phone_enc     text NOT NULL,
    phone_hash    bytea NOT NULL,
    phone_masked  text NOT NULL
);
CREATE INDEX employer_contact_pii_employer ON employer_contact_pii (employer_id);
CREATE INDEX employer_contact_pii_phone ON employer_contact_pii (phone_hash);

CREATE TABLE postings (
    posting_id             uuid PRIMARY KEY,
    employer_id            uuid NOT NULL,
    title                  text NOT NULL,
    trades                 text[] NOT NULL DEFAULT '{}',
    skills_required        text[] NOT NULL,
    headcount              integer NOT NULL,
    wage_min_fen           bigint NOT NULL,
    wage_max_fen           bigint NOT NULL,
    place_division_code    text COLLATE "C" NOT NULL,
    place_label            text,
    housing                boolean NOT NULL DEFAULT false,
    meals                  boolean NOT NULL DEFAULT false,
    age_min                integer,
    age_max                integer,
    certificates_required  text[] NOT NULL DEFAULT '{}',
    opens_on               date,
    closes_on              date,
    status                 text NOT NULL DEFAULT 'open',
    closed_at              timestamptz,
    close_reason           text,
    filled_count           integer NOT NULL DEFAULT 0,
    matched_count          integer NOT NULL DEFAULT 0,
    area_division_code     text COLLATE "C" NOT NULL,
    opened_at              timestamptz NOT NULL,
    opened_by              text NOT NULL,
    version                integer NOT NULL
);
-- Listing pages by posting_id (UUIDv7, time-ordered) inside a jurisdiction, of an employer, or by place.
CREATE INDEX postings_area ON postings (area_division_code, posting_id);
CREATE INDEX postings_employer ON postings (employer_id, posting_id);
CREATE INDEX postings_place ON postings (place_division_code, posting_id);
-- A member's best postings: open ones sharing a skill (GIN), then the few left are scored.
CREATE INDEX postings_open_skills ON postings USING gin (skills_required) WHERE status = 'open';

CREATE TABLE matches (
    posting_id                   uuid NOT NULL,
    member_id                    uuid NOT NULL,
    employer_id                  uuid NOT NULL,
    title                        text NOT NULL,
    city                         text NOT NULL,
    place_division_code          text COLLATE "C",
    matched_skills               text[] NOT NULL,
    score                        double precision NOT NULL,
    priority                     integer,
    score_parts                  jsonb NOT NULL DEFAULT '[]',
    member_origin_division_code  text COLLATE "C" NOT NULL,
    matched_at                   timestamptz NOT NULL,
    matched_by                   text NOT NULL,
    PRIMARY KEY (posting_id, member_id)
);
CREATE INDEX matches_member ON matches (member_id);

-- 求职登记: a read model of seeker-registered. `desired_city` (first four digits: the prefecture-level
-- city) and the origin narrow a posting's candidates by btree; those willing to move are found by the
-- partial index on their origin.
CREATE TABLE seekers (
    member_id              uuid PRIMARY KEY,
    origin_division_code   text COLLATE "C" NOT NULL,
    desired_division_code  text COLLATE "C" NOT NULL,
    desired_city           text COLLATE "C" GENERATED ALWAYS AS (left(desired_division_code, 4)) STORED,
    willing_to_move        boolean NOT NULL,
    expected_wage_fen      bigint NOT NULL,
    certificates           text[] NOT NULL DEFAULT '{}',
    available_from         date NOT NULL,
    registered_at          timestamptz NOT NULL,
    recorded_by            text NOT NULL,
    version                integer NOT NULL
);
CREATE INDEX seekers_city_origin ON seekers (desired_city, origin_division_code);
CREATE INDEX seekers_mobile_origin ON seekers (origin_division_code) WHERE willing_to_move;
CREATE INDEX seekers_origin ON seekers (origin_division_code, member_id);

-- Jobs' copy of roster households (kite.roster.household-*), kept by a consumer like `members`: the
-- flags that decide matching priority (建档立卡, 防返贫监测) and who belongs to which household.
CREATE TABLE households (
    household_id        uuid PRIMARY KEY,
    division_code       text COLLATE "C" NOT NULL,
    poverty_registered  boolean NOT NULL DEFAULT false,
    monitored           boolean NOT NULL DEFAULT false,
    roster_version      integer NOT NULL
);
-- Who belongs to which household. Keyed by both: roster moves a member by removing them from one
-- household and adding them to another, two streams whose events may arrive in either order.
CREATE TABLE household_members (
    household_id  uuid NOT NULL,
    member_id     uuid NOT NULL,
    PRIMARY KEY (household_id, member_id)
);
CREATE INDEX household_members_member ON household_members (member_id);
