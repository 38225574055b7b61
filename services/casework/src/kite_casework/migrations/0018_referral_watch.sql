-- 部门转交 deadlines watched: the referral-deadline watch (a consume-role worker) claims the open
-- referrals whose department deadline has passed unanswered, through the partial index on `due_at`,
-- in batches with short leases (kite_common.schedule), and the case records `case-referral-overdue`
-- once per referral and deadline. `overdue_for` is the deadline already announced, set by the
-- case-details projection from that event, so a rebuild restores it.
ALTER TABLE case_referrals
    ADD COLUMN overdue_for   timestamptz,
    ADD COLUMN leased_until  timestamptz,
    ADD COLUMN due_at        timestamptz GENERATED ALWAYS AS (
        CASE WHEN state = 'open' AND overdue_for IS DISTINCT FROM department_deadline THEN department_deadline END
    ) STORED;
CREATE INDEX case_referrals_due ON case_referrals (due_at) WHERE due_at IS NOT NULL;
