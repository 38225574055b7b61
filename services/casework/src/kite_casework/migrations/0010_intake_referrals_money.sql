-- Intake (channel, another system's reference, the work place), the employer of a labour case,
-- money in fen and department referrals. Numbered 0010 to leave 0005-0009 to the SLA work beside it.
ALTER TABLE cases
    ADD COLUMN channel               text,  -- null: opened before channels were recorded
    ADD COLUMN source_system         text,
    ADD COLUMN external_reference    text,
    ADD COLUMN work_division_code    text CHECK (work_division_code ~ '^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$'),
    ADD COLUMN employer_id           uuid,
    ADD COLUMN employer_name         text,
    ADD COLUMN employer_credit_code  text,
    ADD COLUMN posting_id            uuid,
    ADD COLUMN placement_id          uuid,
    ADD COLUMN claimed_fen           bigint,
    ADD COLUMN recovered_fen         bigint NOT NULL DEFAULT 0,
    ADD COLUMN relief_paid_fen       bigint NOT NULL DEFAULT 0,
    ADD COLUMN funds_raised_fen      bigint NOT NULL DEFAULT 0,
    ADD COLUMN open_referrals        integer NOT NULL DEFAULT 0;

-- One case per (source system, its reference): a second submission, even a concurrent one, fails
-- here and the command answers with the case the first one opened.
CREATE UNIQUE INDEX cases_external_reference ON cases (source_system, external_reference)
    WHERE external_reference IS NOT NULL;
-- The work place's staff list the case too (a second branch beside cases_jurisdiction).
CREATE INDEX cases_work_jurisdiction ON cases (work_division_code text_pattern_ops, case_id)
    WHERE work_division_code IS NOT NULL;
-- Cases per employer.
CREATE INDEX cases_employer_credit_code ON cases (employer_credit_code, case_id) WHERE employer_credit_code IS NOT NULL;
CREATE INDEX cases_employer_id ON cases (employer_id, case_id) WHERE employer_id IS NOT NULL;

-- Department referrals (部门转交) of a case, kept by the case-details projection.
CREATE TABLE case_referrals (
    referral_id          uuid PRIMARY KEY,
    case_id              uuid NOT NULL,
    department           text NOT NULL,
    question             text NOT NULL,
    department_deadline  timestamptz NOT NULL,
    referred_by          text NOT NULL,
    referred_at          timestamptz NOT NULL,
    state                text NOT NULL,  -- open, answered, withdrawn
    reply                text,
    answered_by          text,
    recorded_by          text,
    answered_at          timestamptz,
    late                 boolean,
    withdrawn_reason     text,
    withdrawn_by         text,
    withdrawn_at         timestamptz,
    -- the case's places, copied when referred (they do not change), so the queue is jurisdiction-limited
    origin_division_code text NOT NULL,
    work_division_code   text
);
CREATE INDEX case_referrals_case ON case_referrals (case_id, referred_at);
-- The referral queue (GET /referrals): by department deadline, keyset-paged; open ones are the few
-- a department still owes.
CREATE INDEX case_referrals_deadline ON case_referrals (department_deadline, referral_id);
CREATE INDEX case_referrals_open ON case_referrals (department, department_deadline, referral_id) WHERE state = 'open';

-- Money entries of a case (追回, 救助金, 筹集资金), in fen; the totals are on `cases`.
CREATE TABLE case_money_entries (
    entry_id     uuid PRIMARY KEY,
    case_id      uuid NOT NULL,
    kind         text NOT NULL,
    amount_fen   bigint NOT NULL CHECK (amount_fen > 0),
    on_date      date NOT NULL,
    note         text NOT NULL,
    recorded_by  text NOT NULL,
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX case_money_entries_case ON case_money_entries (case_id, recorded_at);

-- Idempotency-Key of POST /cases, per caller: the key, what the request said (a hash) and the case
-- it opened. Not a read model (the key is no part of any event): a rebuild leaves it alone.
CREATE TABLE case_idempotency_keys (
    caller       text NOT NULL,
    key          text NOT NULL,
    fingerprint  text NOT NULL,
    case_id      uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, key)
);
