-- Members a bulk import has counted into the registration ledger but not yet folded into its counters:
-- one row each, appended. (Upserting every counter a batch touches cost an import about a quarter of
-- its database time: a file in random village order touches nearly three counters per member.)
-- Ledger reads add these rows in (registration_ledger_live), so they never depend on the fold; an import
-- folds them into the counters when it ends, and a change to a member folds their village's rows first.
CREATE TABLE registration_ledger_pending (
    origin_division_code  text COLLATE "C" NOT NULL,
    current_city          text COLLATE "C" NOT NULL,
    industry              text COLLATE "C" NOT NULL,  -- '' when not known, as in the counters
    employer              text COLLATE "C" NOT NULL
);
CREATE INDEX registration_ledger_pending_origin ON registration_ledger_pending (origin_division_code);

-- The ledger as it stands: the counters and the pending members, counter by counter.
CREATE VIEW registration_ledger_live AS
    SELECT dimension, origin_division_code, value, members FROM registration_ledger
    UNION ALL
    SELECT d.dimension, p.origin_division_code, d.value, 1
    FROM registration_ledger_pending p
    CROSS JOIN LATERAL (VALUES ('city', p.current_city), ('industry', p.industry), ('employer', p.employer))
        AS d(dimension, value);
