-- The dues reminder pass of each month: how far it got (`after_member`, moved in the transaction
-- that writes each page) and when it finished (`done_at`): a finished month is not scanned again,
-- a pass that stopped mid-month resumes after the last page it committed.
CREATE TABLE dues_reminder_passes (
    month         text PRIMARY KEY,
    after_member  uuid,
    done_at       timestamptz
);
