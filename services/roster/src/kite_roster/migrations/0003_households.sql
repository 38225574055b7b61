-- Households (户) and the income ledger (收入台账): read models kept inline by the household projection.
-- Division codes are digits only; COLLATE "C" lets a plain btree serve both the jurisdiction prefix
-- (LIKE '522631%') and ORDER BY division_code, whatever the database's locale.

CREATE TABLE households (
    household_id         uuid PRIMARY KEY,
    division_code        text COLLATE "C" NOT NULL CHECK (division_code ~ '^[0-9]{12}$'),
    head_name            text NOT NULL,
    address              text,
    poverty_registered   boolean NOT NULL,
    relocated            boolean NOT NULL,
    relocation_site      text,
    monitored            boolean NOT NULL,
    monitoring_category  text CHECK (monitoring_category IN ('unstable', 'marginal', 'sudden-hardship')),
    registered_at        timestamptz NOT NULL,
    version              integer NOT NULL
);
-- Lists page by (division_code, household_id): a jurisdiction prefix is one index range, in order.
CREATE INDEX households_division ON households (division_code, household_id);
CREATE INDEX households_site ON households (relocation_site, household_id) WHERE relocated;
CREATE INDEX households_monitoring ON households (monitoring_category, household_id) WHERE monitored;

-- A member belongs to at most one household: the primary key enforces it even against a race.
CREATE TABLE household_members (
    member_id     uuid PRIMARY KEY,
    household_id  uuid NOT NULL,
    relation      text,
    joined_at     timestamptz NOT NULL
);
CREATE INDEX household_members_household ON household_members (household_id, member_id);

-- The latest report of each year (corrections replace it; every report stays in the event store).
-- division_code is the household's (it never changes), copied so the ledger's lists need no join to
-- find a jurisdiction's households of a year.
CREATE TABLE household_incomes (
    household_id       uuid NOT NULL,
    year               integer NOT NULL,
    total_income       numeric(14, 2) NOT NULL,
    household_size     integer NOT NULL,
    per_capita_income  numeric(14, 2) NOT NULL,
    division_code      text COLLATE "C" NOT NULL,
    reported_at        timestamptz NOT NULL,
    PRIMARY KEY (household_id, year)
);
CREATE INDEX household_incomes_ledger ON household_incomes (year, division_code, household_id)
    INCLUDE (per_capita_income);

-- The income ledger's counters: households and people per village × year × per-capita band × flags,
-- moved by every report, correction and flag change, so a ledger read sums a few rows per village
-- instead of grouping all households. `basis` names the bands and threshold the counters were made
-- with; a read under other settings is refused until the read models are rebuilt.
CREATE TABLE income_ledger_counts (
    year                integer NOT NULL,
    division_code       text COLLATE "C" NOT NULL,
    basis               text NOT NULL,
    band_floor          numeric(14, 2) NOT NULL,
    poverty_registered  boolean NOT NULL,
    relocated           boolean NOT NULL,
    monitored           boolean NOT NULL,
    households          integer NOT NULL,
    persons             integer NOT NULL,
    PRIMARY KEY (year, division_code, basis, band_floor, poverty_registered, relocated, monitored)
);

-- The member's household, kept by the household projection (Helper A's 0002 adds this column too;
-- IF NOT EXISTS keeps the two migrations independent of which lands first).
ALTER TABLE members ADD COLUMN IF NOT EXISTS household_id uuid;
