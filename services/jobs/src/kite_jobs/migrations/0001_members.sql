-- Jobs' own projection of roster members (from kite.roster.member-registered.v1), kept by a Kafka
-- consumer. Not rebuilt from jobs' event store: it is re-read from roster.events.
-- Matching looks for members working in one city, with any of the required skills, whose origin is
-- inside the caller's jurisdiction: a btree on (city, origin) and a GIN on skills combine in a
-- bitmap AND. The origin code is collated "C" so that `LIKE 'prefix%'` can use the btree.
CREATE TABLE members (
    member_id             uuid PRIMARY KEY,
    name                  text NOT NULL,
    gender                text NOT NULL,
    birth_year            integer NOT NULL,
    origin_division_code  text COLLATE "C" NOT NULL CHECK (origin_division_code ~ '^[0-9]{12}$'),
    current_city          text NOT NULL,
    employer              text,
    is_party_member       boolean NOT NULL,
    skills                text[] NOT NULL DEFAULT '{}',
    registered_at         timestamptz NOT NULL,
    version               integer NOT NULL
);
CREATE INDEX members_city_origin ON members (current_city, origin_division_code);
CREATE INDEX members_skills ON members USING gin (skills);
