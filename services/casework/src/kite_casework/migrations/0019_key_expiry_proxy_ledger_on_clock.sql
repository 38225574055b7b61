-- Idempotency-Key expires (KITE_CASEWORK_IDEMPOTENCY_KEY_RETENTION_HOURS, default 7 days): the purge
-- worker deletes old keys in batches, oldest first, through this index. External references
-- (cases.source_system + external_reference) never expire.
CREATE INDEX case_idempotency_keys_created ON case_idempotency_keys (created_at);

-- 代办台账: one row per matter handled on a member's behalf (case-proxy-service-recorded), kept by
-- the service-ledger projection; GET /ledgers/proxy groups them per month done and the area of the
-- office that did it.
CREATE TABLE service_ledger_proxy (
    service_id   uuid PRIMARY KEY,
    case_id      uuid NOT NULL,
    month        date NOT NULL,   -- first day of the month it was done
    office_code  text NOT NULL,   -- the division code of the office that did it
    matter       text NOT NULL
);
CREATE INDEX service_ledger_proxy_office ON service_ledger_proxy (office_code text_pattern_ops, month);

-- Searches of cases on the clock (overdue, due soon) within a jurisdiction, with or without a
-- category: the index holds the place, category and deadline of the cases on the SLA clock only, so
-- a county's overdue search reads the index of its open cases, not every case it ever had.
CREATE INDEX cases_on_clock ON cases (origin_division_code text_pattern_ops, category, clock_deadline)
    WHERE clock_deadline IS NOT NULL;
CREATE INDEX cases_work_on_clock ON cases (work_division_code text_pattern_ops, category, clock_deadline)
    WHERE clock_deadline IS NOT NULL AND work_division_code IS NOT NULL;
