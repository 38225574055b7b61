-- Party dues reminders: one row per member and month reminded (party-dues-reminder-due), so the
-- reminder pass skips them by index instead of loading their streams again.
CREATE TABLE dues_reminders (
    member_id  uuid NOT NULL,
    month      text NOT NULL,
    due_on     date NOT NULL,
    PRIMARY KEY (member_id, month)
);
