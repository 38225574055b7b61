-- Group robots (WeCom, DingTalk, Feishu) of branches and stations: the webhook URL and signing secret
-- are credentials, kept AES-GCM encrypted (kite_common.privacy) and written with the group-robot-added
-- event by the same command; `masked_url` is what people see. Not rebuilt from events (they carry no
-- credential), like member_preferences' addresses.
CREATE TABLE group_robots (
    robot_id         uuid PRIMARY KEY,
    provider         text NOT NULL,
    name             text NOT NULL,
    organisation_id  uuid,
    division_code    text NOT NULL,
    url_enc          text NOT NULL,
    secret_enc       text,
    masked_url       text NOT NULL,
    added_by         text NOT NULL,
    added_at         timestamptz NOT NULL,
    removed_at       timestamptz
);
CREATE INDEX group_robots_division ON group_robots (division_code text_pattern_ops) WHERE removed_at IS NULL;
CREATE INDEX group_robots_organisation ON group_robots (organisation_id) WHERE removed_at IS NULL;
