-- 服务台账, counted for both places of a case and with money and certificates.
-- A case counts in the ledger of its home place and of its work place (the out-station branch that
-- may own it), each once; a total over an area that holds both counts it once. The full codes are
-- kept so any level (province, city, county, township) is a prefix of them.
ALTER TABLE service_ledger_cases
    ADD COLUMN origin_code       text,
    ADD COLUMN work_code         text,
    ADD COLUMN claimed_fen       bigint NOT NULL DEFAULT 0,   -- the claimed figure in force
    ADD COLUMN recovered_fen     bigint NOT NULL DEFAULT 0,   -- sums of the money entries, corrections included
    ADD COLUMN relief_paid_fen   bigint NOT NULL DEFAULT 0,
    ADD COLUMN funds_raised_fen  bigint NOT NULL DEFAULT 0;

UPDATE service_ledger_cases l
SET origin_code = c.origin_division_code, work_code = c.work_division_code,
    claimed_fen = COALESCE(c.claimed_fen, 0), recovered_fen = c.recovered_fen,
    relief_paid_fen = c.relief_paid_fen, funds_raised_fen = c.funds_raised_fen
FROM cases c WHERE c.case_id = l.case_id;
UPDATE service_ledger_cases SET origin_code = county_code WHERE origin_code IS NULL;
ALTER TABLE service_ledger_cases ALTER COLUMN origin_code SET NOT NULL;

CREATE INDEX service_ledger_cases_origin ON service_ledger_cases (origin_code text_pattern_ops, month);
CREATE INDEX service_ledger_cases_work ON service_ledger_cases (work_code text_pattern_ops, month)
    WHERE work_code IS NOT NULL;

-- Certificates issued (电子印章证明), per month issued and the member's home place.
CREATE TABLE service_ledger_certificates (
    certificate_id  uuid PRIMARY KEY,
    month           date NOT NULL,
    origin_code     text NOT NULL,
    template        text NOT NULL,
    revoked         boolean NOT NULL DEFAULT false
);
CREATE INDEX service_ledger_certificates_origin ON service_ledger_certificates (origin_code text_pattern_ops, month);
INSERT INTO service_ledger_certificates (certificate_id, month, origin_code, template, revoked)
SELECT certificate_id, date_trunc('month', issued_at AT TIME ZONE 'Asia/Shanghai')::date, origin_division_code,
       template, status = 'revoked'
FROM certificates;
