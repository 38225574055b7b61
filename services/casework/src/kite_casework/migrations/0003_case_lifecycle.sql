-- The help-request lifecycle after acceptance: progress, resolution, follow-up (回访), closing,
-- reopening, hand-over (转办) and suspension. `accepted_by` stays the owner column (a transfer
-- accepted changes it). Columns with a constant default or none: adding them does not rewrite the table.
ALTER TABLE cases
    ADD COLUMN progress_count        integer NOT NULL DEFAULT 0,
    ADD COLUMN pending_transfer_to   text,
    ADD COLUMN suspended             boolean NOT NULL DEFAULT false,
    ADD COLUMN suspended_since       timestamptz,
    ADD COLUMN outcome               text,
    ADD COLUMN resolution            text,
    ADD COLUMN resolved_by           text,
    ADD COLUMN resolved_at           timestamptz,
    ADD COLUMN follow_up_attempts    integer NOT NULL DEFAULT 0,
    ADD COLUMN satisfaction          text,
    ADD COLUMN closed_at             timestamptz,
    ADD COLUMN close_reason          text,
    -- The deadline while the SLA clock runs (unresolved, not suspended); null while it stands still.
    -- Overdue, due-before and the deadline queue read it.
    ADD COLUMN clock_deadline        timestamptz;

UPDATE cases SET clock_deadline = deadline WHERE status IN ('open', 'accepted');

-- The deadline queue (sort=deadline): cases on the clock by deadline (the overdue come first), then
-- the others; keyset-paged by (clock_deadline, case_id).
CREATE INDEX cases_clock_deadline ON cases (clock_deadline, case_id);
-- Suspended cases are few: a partial index finds them.
CREATE INDEX cases_suspended ON cases (case_id) WHERE suspended;

-- Every step of every case, in stream order, for GET /cases/{id}/timeline; kept by its own
-- projection from casework's events and rebuilt with them.
CREATE TABLE case_timeline (
    case_id    uuid NOT NULL,
    position   integer NOT NULL,  -- the event's version in the case's stream
    kind       text NOT NULL,     -- the event name, e.g. case-resolved
    label      text NOT NULL,     -- what happened, in Chinese
    actor      text NOT NULL,
    at         timestamptz NOT NULL,
    detail     text NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, position)
);
