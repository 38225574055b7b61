-- Read model of members, kept inline by the member projection.
CREATE TABLE members (
    member_id             uuid PRIMARY KEY,
    name                  text NOT NULL,
    gender                text NOT NULL,
    birth_year            integer NOT NULL,
    origin_division_code  text NOT NULL CHECK (origin_division_code ~ '^[0-9]{12}$'),
    current_city          text NOT NULL,
    employer              text,
    is_party_member       boolean NOT NULL,
    skills                text[] NOT NULL DEFAULT '{}',
    registered_at         timestamptz NOT NULL,
    registered_by         text NOT NULL,
    version               integer NOT NULL
);
-- Jurisdiction is a prefix of the origin code; listing pages by member_id (UUIDv7, time-ordered).
CREATE INDEX members_origin ON members (origin_division_code text_pattern_ops, member_id);
CREATE INDEX members_city ON members (current_city, member_id);
CREATE INDEX members_employer ON members (employer, member_id) WHERE employer IS NOT NULL;
CREATE INDEX members_name ON members (name text_pattern_ops);

-- Personal numbers: primary data, not a projection (events never carry them). Encrypted with
-- AES-GCM (the key id is the value's prefix) and found by a keyed blind index.
CREATE TABLE member_pii (
    member_id         uuid PRIMARY KEY,
    id_number_enc     text NOT NULL,
    id_number_hash    bytea NOT NULL,
    id_number_masked  text NOT NULL,
    phone_enc         text NOT NULL,
    phone_hash        bytea NOT NULL,
    phone_masked      text NOT NULL
);
CREATE UNIQUE INDEX member_pii_id_number ON member_pii (id_number_hash);
CREATE INDEX member_pii_phone ON member_pii (phone_hash);
