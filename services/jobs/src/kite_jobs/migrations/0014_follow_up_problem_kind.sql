-- The kind of problem a retention follow-up found (wage_unpaid, injury, contract_dispute, other), which
-- casework takes in as a case; null for follow-ups without one and those recorded before.
ALTER TABLE follow_ups ADD COLUMN problem_kind text;
