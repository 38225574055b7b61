-- 限时办结: the deadline watch's schedule. One row per case on the SLA clock (unresolved), kept by the
-- sla-clock projection from casework's events and rebuilt with them. `due_at` is the next moment the
-- deadline worker must look at the case: the warning moment until warned, then the deadline until
-- breached; null while suspended or when both happened. The worker claims due rows through the
-- partial index in batches (FOR UPDATE SKIP LOCKED) by setting a short lease, then decides each case
-- in its own write; a replica that dies mid-batch leaves leases that simply run out.
CREATE TABLE case_sla_clock (
    case_id     uuid PRIMARY KEY,
    started_at  timestamptz NOT NULL,  -- when the clock of this deadline started (moved by suspensions)
    deadline    timestamptz NOT NULL,
    warn_at     timestamptz NOT NULL,
    warned      boolean NOT NULL DEFAULT false,  -- for this deadline
    breached    boolean NOT NULL DEFAULT false,  -- for this deadline
    suspended   boolean NOT NULL DEFAULT false,
    leased_until timestamptz,  -- claimed by a worker until then; cleared by every change to the row
    due_at      timestamptz GENERATED ALWAYS AS (
                    CASE WHEN suspended THEN NULL
                         WHEN NOT warned THEN warn_at
                         WHEN NOT breached THEN deadline
                    END) STORED
);
CREATE INDEX case_sla_clock_due ON case_sla_clock (due_at) WHERE due_at IS NOT NULL;

-- Cases opened before the watch existed: their clocks, with the default warning moment (80 %).
INSERT INTO case_sla_clock (case_id, started_at, deadline, warn_at, suspended)
SELECT case_id, opened_at, deadline, opened_at + (deadline - opened_at) * 0.8, suspended
FROM cases WHERE status IN ('open', 'accepted', 'in_progress', 'reopened');

-- 四级联动 on the case read model: the level the case has climbed to and the office supervising it.
ALTER TABLE cases
    ADD COLUMN escalation_level          text NOT NULL DEFAULT 'village',
    ADD COLUMN supervisor_division_code  text,
    ADD COLUMN supervisor_office_id      uuid,
    ADD COLUMN supervisor_office_name    text,
    ADD COLUMN sla_warned_for            timestamptz,
    ADD COLUMN sla_breached_for          timestamptz;
