-- Job fairs (专场招聘): read models of jobs' own events.
CREATE TABLE fairs (
    fair_id              uuid PRIMARY KEY,
    title                text NOT NULL,
    organisers           text[] NOT NULL,
    held_on              date NOT NULL,
    online               boolean NOT NULL,
    place_division_code  text COLLATE "C",
    area_division_code   text COLLATE "C" NOT NULL,
    organised_at         timestamptz NOT NULL,
    version              integer NOT NULL
);
CREATE INDEX fairs_area ON fairs (area_division_code, fair_id);

CREATE TABLE fair_postings (
    fair_id      uuid NOT NULL,
    posting_id   uuid NOT NULL,
    employer_id  uuid NOT NULL,
    PRIMARY KEY (fair_id, posting_id)
);

CREATE TABLE fair_attendees (
    fair_id                      uuid NOT NULL,
    member_id                    uuid NOT NULL,
    member_origin_division_code  text COLLATE "C" NOT NULL,
    invited                      boolean NOT NULL,
    registered_at                timestamptz NOT NULL,
    checked_in_at                timestamptz,
    PRIMARY KEY (fair_id, member_id)
);

CREATE TABLE fair_offers (
    fair_id      uuid NOT NULL,
    member_id    uuid NOT NULL,
    posting_id   uuid NOT NULL,
    employer_id  uuid NOT NULL,
    offered_at   timestamptz NOT NULL,
    PRIMARY KEY (fair_id, member_id, posting_id)
);
