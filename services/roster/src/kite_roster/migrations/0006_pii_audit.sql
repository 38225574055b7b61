-- Every unmasked read of a member's ID or phone number: who, when, whose, why. Primary data (not a
-- projection, never rebuilt) and append-only: the triggers below refuse UPDATE, DELETE and TRUNCATE.
-- It never holds the numbers themselves.
CREATE TABLE pii_access_log (
    access_id      uuid PRIMARY KEY,           -- UUIDv7: time-ordered, the keyset of the log
    accessed_at    timestamptz NOT NULL,
    subject        text NOT NULL,              -- the reader's token subject
    subject_name   text NOT NULL,              -- the reader's name as the token gave it
    member_id      uuid NOT NULL,              -- whose numbers
    division_code  text NOT NULL,              -- the member's origin at the time (jurisdiction of the log)
    fields         text[] NOT NULL,            -- which numbers were shown: id_number, phone
    reason         text NOT NULL CHECK (char_length(btrim(reason)) >= 4),
    request_id     text
);
CREATE INDEX pii_access_log_member ON pii_access_log (member_id, access_id);
CREATE INDEX pii_access_log_subject ON pii_access_log (subject, access_id);
CREATE INDEX pii_access_log_division ON pii_access_log (division_code text_pattern_ops, access_id);

CREATE FUNCTION pii_access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '个人信息查看记录只能追加，不能修改或删除 (pii_access_log is append-only: % refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER pii_access_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON pii_access_log
    FOR EACH ROW EXECUTE FUNCTION pii_access_log_append_only();

CREATE TRIGGER pii_access_log_no_truncate
    BEFORE TRUNCATE ON pii_access_log
    FOR EACH STATEMENT EXECUTE FUNCTION pii_access_log_append_only();
