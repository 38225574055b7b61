-- The employment ledger reads a jurisdiction's households by their village's code.
CREATE INDEX households_division ON households (division_code, household_id);
