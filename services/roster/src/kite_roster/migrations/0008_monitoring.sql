-- 防返贫动态监测: lines and pairing rules as data, the monitoring read models and the ledger's counters.

-- Monitoring lines per year and province (kept by monitoring-line-set events; the rows below are seeds
-- a province's own event overrides). Not emptied by a rebuild: the seeds are not events.
CREATE TABLE monitoring_lines (
    year           integer NOT NULL,
    province_code  text COLLATE "C" NOT NULL CHECK (province_code ~ '^[0-9]{2}$'),
    line_fen       bigint NOT NULL CHECK (line_fen > 0),
    drop_percent   integer NOT NULL CHECK (drop_percent BETWEEN 1 AND 100),
    clear_years    integer NOT NULL CHECK (clear_years BETWEEN 1 AND 5),
    source         text NOT NULL,
    PRIMARY KEY (year, province_code)
);
-- 2021: the national guidance for the monitoring range (about 6,000 yuan per person per year, 中央农办等
-- 《关于健全防止返贫动态监测和帮扶机制的指导意见》). Later years are set by each province: a county
-- enters its own through PUT /monitoring/lines/{year}/{province}.
INSERT INTO monitoring_lines (year, province_code, line_fen, drop_percent, clear_years, source) VALUES
    (2021, '53', 600000, 30, 1, '2021年全国防止返贫监测范围指导线（约6000元）'),
    (2021, '52', 600000, 30, 1, '2021年全国防止返贫监测范围指导线（约6000元）');

-- Pairing rules (结对帮扶) from seeds/000 (昭通): a rank, a cap and a per-capita income band in fen.
-- Ranks without a row (social-force, task-force) pair without a cap.
CREATE TABLE pairing_rules (
    rank            text PRIMARY KEY CHECK (rank IN ('leading', 'ordinary', 'social-force', 'task-force')),
    name            text NOT NULL,
    max_households  integer NOT NULL CHECK (max_households > 0),
    min_fen         bigint NOT NULL CHECK (min_fen >= 0),
    max_fen         bigint NOT NULL CHECK (max_fen >= min_fen)
);
INSERT INTO pairing_rules (rank, name, max_households, min_fen, max_fen) VALUES
    ('leading', '科级及以上领导干部结对帮扶年人均纯收入6000—10000元的农村家庭4户', 4, 600000, 1000000),
    ('ordinary', '一般干部结对帮扶年人均纯收入8000—10000元的农村家庭3户', 3, 800000, 1000000);

-- One row per household the monitoring has seen (an alert, a visit, a flag, a measure, a pairing).
CREATE TABLE monitoring_households (
    household_id    uuid PRIMARY KEY,
    division_code   text COLLATE "C" NOT NULL,
    monitored       boolean NOT NULL DEFAULT false,
    ever_flagged    boolean NOT NULL DEFAULT false,
    category        text,
    flag_persons    integer NOT NULL DEFAULT 0,
    flagged_on      date,
    cleared_on      date,
    version         integer NOT NULL
);
CREATE INDEX monitoring_households_division ON monitoring_households (division_code, household_id);

CREATE TABLE monitoring_alerts (
    alert_id       uuid PRIMARY KEY,
    household_id   uuid NOT NULL,
    division_code  text COLLATE "C" NOT NULL,
    signal         text NOT NULL,
    signal_key     text NOT NULL UNIQUE,  -- a signal delivered twice can never raise two alerts
    year           integer,
    note           text,
    status         text NOT NULL CHECK (status IN ('open', 'verified', 'dismissed')),
    reason         text,
    raised_at      timestamptz NOT NULL,
    closed_at      timestamptz
);
CREATE INDEX monitoring_alerts_list ON monitoring_alerts (status, division_code, alert_id);
CREATE INDEX monitoring_alerts_household ON monitoring_alerts (household_id, raised_at);

CREATE TABLE monitoring_visits (
    visit_id      uuid PRIMARY KEY,
    household_id  uuid NOT NULL,
    visited_on    date NOT NULL,
    note          text,
    visited_by    text NOT NULL
);
CREATE INDEX monitoring_visits_household ON monitoring_visits (household_id, visited_on);

CREATE TABLE assistance_measures (
    measure_id     uuid PRIMARY KEY,
    household_id   uuid NOT NULL,
    division_code  text COLLATE "C" NOT NULL,
    kind           text NOT NULL,
    giver          text NOT NULL,
    amount_fen     bigint NOT NULL CHECK (amount_fen >= 0),
    started_on     date NOT NULL,
    ended_on       date
);
CREATE INDEX assistance_measures_household ON assistance_measures (household_id, started_on);

CREATE TABLE cadres (
    cadre_id           uuid PRIMARY KEY,
    name               text NOT NULL,
    rank               text NOT NULL,
    organisation       text NOT NULL,
    organisation_code  text COLLATE "C" NOT NULL,
    load               integer NOT NULL DEFAULT 0,
    version            integer NOT NULL
);
CREATE INDEX cadres_place ON cadres (organisation_code, cadre_id);

-- Every pairing ever made; the open one of a household has ended_on NULL (one at most, enforced).
CREATE TABLE pairings (
    cadre_id        uuid NOT NULL,
    household_id    uuid NOT NULL,
    division_code   text COLLATE "C" NOT NULL,
    per_capita_fen  bigint,
    rule            text,
    paired_on       date NOT NULL,
    ended_on        date,
    end_reason      text,
    paired_seq      bigint NOT NULL,  -- the pairing event's stream version, so re-pairs are distinct rows
    PRIMARY KEY (cadre_id, household_id, paired_seq)
);
CREATE UNIQUE INDEX pairings_open_household ON pairings (household_id) WHERE ended_on IS NULL;
CREATE INDEX pairings_household ON pairings (household_id, paired_on);

-- The monitoring ledger: deltas per place (village for households, the organisation's place for
-- cadres) × month × metric. A read sums a few rows per place, never households.
CREATE TABLE monitoring_ledger_counts (
    division_code  text COLLATE "C" NOT NULL,
    month          date NOT NULL,
    metric         text NOT NULL,
    households     integer NOT NULL,
    persons        integer NOT NULL,
    amount_fen     bigint NOT NULL,
    PRIMARY KEY (division_code, month, metric)
);
