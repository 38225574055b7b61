-- 服务台账: one row of facts per case, kept by the service-ledger projection from casework's events and
-- rebuilt with them. GET /ledgers/service groups them per month (the month the case was opened, China
-- time) and county or city in SQL (counts, rates, and percentile_cont over the stored durations), so a
-- ledger read returns one row per group.
CREATE TABLE service_ledger_cases (
    case_id            uuid PRIMARY KEY,
    month              date NOT NULL,      -- first day of the month the case was opened, in China
    county_code        text NOT NULL,      -- 6 digits of the member's home place
    city_code          text NOT NULL,      -- 4 digits
    category           text NOT NULL,
    channel            text NOT NULL,      -- how the case came in; 'unknown' before casework recorded it
    status             text NOT NULL,
    sla_tier           text NOT NULL,
    opened_at          timestamptz NOT NULL,
    deadline           timestamptz NOT NULL,  -- the deadline in force now
    accept_seconds     double precision,      -- from opening to the first acceptance
    resolve_seconds    double precision,      -- from opening to the first resolution
    resolved_on_time   boolean,               -- the first resolution came before the deadline then in force
    satisfaction       text,                  -- the latest follow-up that reached the member
    escalations        integer NOT NULL DEFAULT 0
);
CREATE INDEX service_ledger_cases_county ON service_ledger_cases (county_code text_pattern_ops, month);
CREATE INDEX service_ledger_cases_city ON service_ledger_cases (city_code text_pattern_ops, month);
