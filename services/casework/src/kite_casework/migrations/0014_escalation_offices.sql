-- 四级联动: which office supervises the cases of an area when they are escalated to its level, keyed by
-- the area's code (9 digits: a township, 6: a county, 4: a city, 2: a province). Kept by the
-- escalation-offices consumer from roster's organisation events (townships, villages and the top
-- party committee of an area); it is data, not code: a level without a row is skipped.
CREATE TABLE escalation_offices (
    division_code      text PRIMARY KEY CHECK (division_code ~ '^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$'),
    office_id          uuid NOT NULL,   -- roster's organisation_id
    office_name        text NOT NULL,
    organisation_kind  text NOT NULL,
    roster_version     integer NOT NULL -- the organisation stream's version last applied
);
CREATE UNIQUE INDEX escalation_offices_office ON escalation_offices (office_id);
