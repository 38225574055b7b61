-- Party organisations and who belongs to them, kept from roster's events, for broadcasts to an
-- organisation and its sub-tree (a branch, a station). The tree is walked through parent_id at send
-- time, so a move or a child heard of before its parent needs no rewriting.
CREATE TABLE organisations (
    organisation_id  uuid PRIMARY KEY,
    parent_id        uuid,
    division_code    text NOT NULL,
    dissolved_at     timestamptz
);
CREATE INDEX organisations_parent ON organisations (parent_id);

CREATE TABLE org_memberships (
    organisation_id  uuid NOT NULL,
    member_id        uuid NOT NULL,
    PRIMARY KEY (organisation_id, member_id)
);

ALTER TABLE broadcasts ADD COLUMN organisation_id uuid;
