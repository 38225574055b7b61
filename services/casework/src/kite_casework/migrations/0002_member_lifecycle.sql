-- The member directory follows the member's later life in the roster (member-updated,
-- member-relocated, member-deregistered), not only the registration. A deregistered member stays
-- in the directory (their cases are kept and still handled) but gets no new case. Nullable columns
-- without a default: adding them does not rewrite the table.
ALTER TABLE member_directory
    ADD COLUMN deregistered_at      timestamptz,
    ADD COLUMN deregistered_reason  text;
