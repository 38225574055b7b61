-- An employer's labour-rights record (劳动权益记录), kept by the consumer "rights-record" from casework's
-- wage-arrears and work-injury cases. Not a projection of jobs' own events: `kite rebuild jobs` leaves
-- these tables as they are (like the members jobs keeps from roster).

-- One row per case; the employer is a jobs employer id (named by id, or found by its credit code) or,
-- until that employer registers in jobs, only the credit code the case named. Money in fen.
CREATE TABLE rights_cases (
    case_id               uuid PRIMARY KEY,
    category              text NOT NULL,
    employer_id           uuid,
    employer_credit_code  text COLLATE "C",
    resolved              boolean NOT NULL DEFAULT false,
    claimed_fen           bigint NOT NULL DEFAULT 0,
    recovered_fen         bigint NOT NULL DEFAULT 0,
    opened_at             timestamptz NOT NULL
);
CREATE INDEX rights_cases_employer ON rights_cases (employer_id) WHERE employer_id IS NOT NULL;
-- Cases waiting for their employer to register in jobs, found by its code when it does.
CREATE INDEX rights_cases_unlinked ON rights_cases (employer_credit_code) WHERE employer_id IS NULL;

-- Per employer, the sums of its cases (domain/rights_record.py), rewritten whenever one of them changes;
-- read beside employers and postings (one row per employer, joined by primary key).
CREATE TABLE employer_rights (
    employer_id      uuid PRIMARY KEY,
    open_cases       integer NOT NULL,
    resolved_cases   integer NOT NULL,
    open_wage_cases  integer NOT NULL,
    claimed_fen      bigint NOT NULL,
    recovered_fen    bigint NOT NULL,
    outstanding_fen  bigint NOT NULL
);
-- Staff list the postings of employers with unresolved wage arrears.
CREATE INDEX employer_rights_marked ON employer_rights (employer_id) WHERE open_wage_cases > 0;
