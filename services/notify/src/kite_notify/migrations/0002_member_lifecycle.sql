-- notify's member directory follows the roster's later member events: a changed name
-- (member-updated) for the greeting, and member-deregistered, after which the member gets no new
-- notification. `roster_version` is the member stream's version last applied, so an older event
-- never overwrites a newer one (0 for the members known before this migration). A constant
-- default and a nullable column: adding them does not rewrite the table.
ALTER TABLE member_directory
    ADD COLUMN roster_version   integer NOT NULL DEFAULT 0,
    ADD COLUMN deregistered_at  timestamptz;
