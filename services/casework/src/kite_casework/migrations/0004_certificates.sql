-- Read model of e-seal certificates (电子印章证明), kept inline by the certificate projection;
-- rebuildable from the event store. `payload` is the signed canonical JSON, exactly as signed.
CREATE TABLE certificates (
    certificate_id        uuid PRIMARY KEY,
    member_id             uuid NOT NULL,
    case_id               uuid,
    origin_division_code  text NOT NULL CHECK (origin_division_code ~ '^[0-9]{12}$'),
    template              text NOT NULL,
    title                 text NOT NULL,
    member_name           text NOT NULL,
    office_name           text NOT NULL,
    issued_by             text NOT NULL,
    issued_at             timestamptz NOT NULL,
    payload               text NOT NULL,
    signature             text NOT NULL,
    key_id                text NOT NULL,
    status                text NOT NULL,
    revoked_reason        text,
    revoked_by            text,
    revoked_at            timestamptz,
    version               integer NOT NULL
);
-- Every list is limited to a jurisdiction (a prefix of the member's home place) and pages by
-- certificate_id (UUIDv7, time-ordered).
CREATE INDEX certificates_jurisdiction ON certificates (origin_division_code text_pattern_ops, certificate_id);
-- A member's certificates, and those of a case.
CREATE INDEX certificates_member ON certificates (member_id, certificate_id);
CREATE INDEX certificates_case ON certificates (case_id, certificate_id) WHERE case_id IS NOT NULL;
