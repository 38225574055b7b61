-- Jobs' members follow the roster's later events too (member-updated, member-relocated,
-- member-deregistered). A deregistered member keeps their row (their past matches stay readable)
-- but is never a candidate again. Nullable, no default: adding it does not rewrite the table.
-- Matching still narrows by the (city, origin) btree and the skills GIN; the few rows left are
-- filtered on this column.
ALTER TABLE members ADD COLUMN deregistered_at timestamptz;
