-- Broadcast filters beyond a division prefix or an organisation: a member's trades (roster's skills),
-- households under monitoring (防返贫监测, roster's household events), a job fair's invitees (jobs'
-- fair-registered with `invited`); and broadcasts by SMS and email as well as the inbox.
ALTER TABLE member_directory ADD COLUMN skills text[] NOT NULL DEFAULT '{}';
CREATE INDEX member_directory_skills ON member_directory USING gin (skills);

CREATE TABLE monitored_households (
    household_id  uuid PRIMARY KEY,
    monitored     boolean NOT NULL DEFAULT false
);
-- A member belongs to one household at a time.
CREATE TABLE household_members (
    member_id     uuid PRIMARY KEY,
    household_id  uuid NOT NULL
);
CREATE INDEX household_members_household ON household_members (household_id);

CREATE TABLE fair_invitees (
    fair_id    uuid NOT NULL,
    member_id  uuid NOT NULL,
    PRIMARY KEY (fair_id, member_id)
);
ALTER TABLE known_fairs ADD COLUMN area_division_code text;

ALTER TABLE broadcasts
    ADD COLUMN fair_id          uuid,
    ADD COLUMN monitored_only   boolean NOT NULL DEFAULT false,
    ADD COLUMN trades           text[],
    ADD COLUMN channels         text[] NOT NULL DEFAULT '{in_app}',
    ADD COLUMN messages_queued  integer NOT NULL DEFAULT 0;

-- A broadcast's SMS and email messages carry reference 'broadcast:<id>': their states counted by it.
CREATE INDEX notifications_reference ON notifications (reference) WHERE reference IS NOT NULL;
