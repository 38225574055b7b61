-- Return-home business and talent recall (返乡创业, 人才回引): read models of jobs' own events.
CREATE TABLE ventures (
    venture_id           uuid PRIMARY KEY,
    member_id            uuid NOT NULL,
    name                 text NOT NULL,
    industry             text,
    place_division_code  text COLLATE "C" NOT NULL,
    started_on           date NOT NULL,
    investment_fen       bigint NOT NULL,
    jobs_created         integer NOT NULL,
    support_fen          bigint NOT NULL DEFAULT 0,
    support_count        integer NOT NULL DEFAULT 0,
    registered_at        timestamptz NOT NULL,
    version              integer NOT NULL
);
CREATE INDEX ventures_place ON ventures (place_division_code, venture_id);
CREATE INDEX ventures_member ON ventures (member_id);

CREATE TABLE venture_support (
    venture_id  uuid NOT NULL,
    seq         integer NOT NULL,  -- the event's stream version: one row per support given
    kind        text NOT NULL,
    amount_fen  bigint NOT NULL,
    given_on    date NOT NULL,
    note        text,
    PRIMARY KEY (venture_id, seq)
);

CREATE TABLE recall_campaigns (
    campaign_id         uuid PRIMARY KEY,
    title               text NOT NULL,
    skills_wanted       text[] NOT NULL,
    area_division_code  text COLLATE "C" NOT NULL,
    opened_at           timestamptz NOT NULL,
    version             integer NOT NULL
);
CREATE INDEX recall_campaigns_area ON recall_campaigns (area_division_code, campaign_id);

CREATE TABLE recall_outcomes (
    campaign_id                  uuid NOT NULL,
    member_id                    uuid NOT NULL,
    member_origin_division_code  text COLLATE "C" NOT NULL,
    outcome                      text NOT NULL,
    recorded_at                  timestamptz NOT NULL,
    PRIMARY KEY (campaign_id, member_id)
);

-- The talent pool: members of a jurisdiction with wanted skills, by the skills GIN (members_skills) and
-- an origin btree.
CREATE INDEX members_origin ON members (origin_division_code, member_id);
