-- 款项更正: an entry is never edited; a correction (更正, or 冲销 to 0) is a row of its own naming the
-- entry, and the entry keeps the figure as recorded beside the one in force (`current_fen`), which
-- the case's totals and the service ledger count.
ALTER TABLE case_money_entries ADD COLUMN current_fen bigint;
UPDATE case_money_entries SET current_fen = amount_fen;
ALTER TABLE case_money_entries ALTER COLUMN current_fen SET NOT NULL,
    ADD CONSTRAINT case_money_entries_current_fen CHECK (current_fen >= 0);

CREATE TABLE case_money_corrections (
    correction_id  uuid PRIMARY KEY,
    entry_id       uuid NOT NULL,     -- the entry corrected
    case_id        uuid NOT NULL,
    amount_fen     bigint NOT NULL CHECK (amount_fen >= 0),  -- what it should have been (0: reversed)
    replaces_fen   bigint NOT NULL,   -- what it was until then
    reason         text NOT NULL,
    corrected_by   text NOT NULL,
    corrected_at   timestamptz NOT NULL
);
CREATE INDEX case_money_corrections_case ON case_money_corrections (case_id, corrected_at);
