-- Organisations (a tree), party membership, branch memberships (三重覆盖), org life, dues, and the
-- counters the party ledger reads. All kept inline by the organisation and party projections,
-- except organisation_contact_pii (primary data: phones never travel in events).

CREATE TABLE organisations (
    organisation_id   uuid PRIMARY KEY,
    parent_id         uuid,
    name              text NOT NULL,
    kind              text NOT NULL,
    division_code     text NOT NULL CHECK (division_code ~ '^[0-9]{12}$'),
    host_city         text,
    -- Materialised path: the hex ids from the root down to this organisation, each followed by '/'.
    -- A subtree is `path LIKE <its path> || '%'`, an index range.
    path              text NOT NULL,
    depth             integer NOT NULL,
    contacts          jsonb NOT NULL DEFAULT '[]',
    dissolved         boolean NOT NULL DEFAULT false,
    dissolved_on      date,
    dissolved_reason  text,
    registered_at     timestamptz NOT NULL,
    registered_by     text NOT NULL,
    version           integer NOT NULL
);
CREATE INDEX organisations_division ON organisations (division_code text_pattern_ops, organisation_id);
CREATE INDEX organisations_parent ON organisations (parent_id, organisation_id);
CREATE UNIQUE INDEX organisations_path ON organisations (path text_pattern_ops);
CREATE INDEX organisations_kind ON organisations (kind, organisation_id);
CREATE INDEX organisations_host_city ON organisations (host_city, organisation_id) WHERE host_city IS NOT NULL;

-- Contacts' phones: AES-GCM with the key id as the value's prefix (context "organisation.contact_phone"),
-- a keyed blind index to find one, and the masked form for responses.
CREATE TABLE organisation_contact_pii (
    contact_id       uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL,
    phone_enc        text NOT NULL,
    phone_hash       bytea NOT NULL,
    phone_masked     text NOT NULL
);
CREATE INDEX organisation_contact_pii_org ON organisation_contact_pii (organisation_id);
CREATE INDEX organisation_contact_pii_phone ON organisation_contact_pii (phone_hash);

CREATE TABLE party_members (
    member_id             uuid PRIMARY KEY,
    origin_division_code  text NOT NULL,
    joined_on             date NOT NULL,
    probationary          boolean NOT NULL,
    probationary_until    date,
    confirmed_on          date,
    status                text NOT NULL,
    status_changed_on     date,
    recorded_at           timestamptz NOT NULL,
    version               integer NOT NULL
);
CREATE INDEX party_members_origin ON party_members (origin_division_code text_pattern_ops, member_id);
CREATE INDEX party_members_status ON party_members (status, member_id);
-- 转正到期: probationary members not yet confirmed, by the end of their probation.
CREATE INDEX party_members_due ON party_members (probationary_until, member_id)
    WHERE probationary AND confirmed_on IS NULL;
-- Dues expected for a past month leave out members who joined after it: few, for recent months.
CREATE INDEX party_members_normal_joined ON party_members (joined_on, origin_division_code) WHERE status = 'normal';

-- One row per stay in a branch; since_version is the party stream version of the joining event.
CREATE TABLE branch_memberships (
    member_id        uuid NOT NULL,
    role             text NOT NULL,
    since_version    integer NOT NULL,
    organisation_id  uuid NOT NULL,
    joined_on        date NOT NULL,
    left_on          date,
    left_reason      text,
    PRIMARY KEY (member_id, role, since_version)
);
CREATE UNIQUE INDEX branch_memberships_active ON branch_memberships (member_id, role) WHERE left_on IS NULL;
CREATE INDEX branch_memberships_org_active ON branch_memberships (organisation_id, member_id) WHERE left_on IS NULL;
CREATE INDEX branch_memberships_org_joined ON branch_memberships (organisation_id, joined_on);

CREATE TABLE dues_payments (
    member_id   uuid NOT NULL,
    month       text NOT NULL,
    amount_fen  bigint NOT NULL,
    paid_on     date NOT NULL,
    corrected   boolean NOT NULL DEFAULT false,
    version     integer NOT NULL,
    PRIMARY KEY (member_id, month)
);

CREATE TABLE org_life_sessions (
    session_id       uuid PRIMARY KEY,
    organisation_id  uuid NOT NULL,
    division_code    text NOT NULL,
    kind             text NOT NULL,
    mode             text NOT NULL,
    held_on          date NOT NULL,
    topic            text NOT NULL,
    expected         integer NOT NULL,
    attended         integer NOT NULL,
    recorded_by      text NOT NULL,
    recorded_at      timestamptz NOT NULL
);
CREATE INDEX org_life_sessions_org ON org_life_sessions (organisation_id, held_on, session_id);
CREATE INDEX org_life_sessions_division ON org_life_sessions (division_code text_pattern_ops, held_on);
-- The same meeting entered twice is refused.
CREATE UNIQUE INDEX org_life_sessions_once ON org_life_sessions (organisation_id, kind, held_on, topic);

CREATE TABLE org_life_attendance (
    session_id  uuid NOT NULL,
    member_id   uuid NOT NULL,
    status      text NOT NULL,
    reason      text,
    PRIMARY KEY (session_id, member_id)
);
CREATE INDEX org_life_attendance_member ON org_life_attendance (member_id, session_id);

-- Ledger counters, kept by events so that no ledger query scans the members.
-- Per home place of party members. "members" counts those still in our care (normal + suspended);
-- coverage_N counts them by how many of the three roles (origin/region/industry) they hold.
CREATE TABLE party_origin_counts (
    origin_division_code  text PRIMARY KEY,
    members               integer NOT NULL DEFAULT 0,
    normal                integer NOT NULL DEFAULT 0,
    probationary          integer NOT NULL DEFAULT 0,
    suspended             integer NOT NULL DEFAULT 0,
    transferred_out       integer NOT NULL DEFAULT 0,
    deceased              integer NOT NULL DEFAULT 0,
    coverage_0            integer NOT NULL DEFAULT 0,
    coverage_1            integer NOT NULL DEFAULT 0,
    coverage_2            integer NOT NULL DEFAULT 0,
    coverage_3            integer NOT NULL DEFAULT 0
);
-- Members in normal status with a dues payment for the month, per home place.
CREATE TABLE party_dues_counts (
    origin_division_code  text NOT NULL,
    month                 text NOT NULL,
    paid                  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (origin_division_code, month)
);
CREATE INDEX party_dues_counts_month ON party_dues_counts (month, origin_division_code text_pattern_ops);
-- Per branch: active members by role; dues_expected = active origin-role members in normal status
-- (dues go to the branch of one's 组织关系, the origin branch).
CREATE TABLE branch_counts (
    organisation_id  uuid PRIMARY KEY,
    members          integer NOT NULL DEFAULT 0,
    origin           integer NOT NULL DEFAULT 0,
    region           integer NOT NULL DEFAULT 0,
    industry         integer NOT NULL DEFAULT 0,
    dues_expected    integer NOT NULL DEFAULT 0
);
-- Per branch and month: its active origin-role members in normal status who paid for the month.
CREATE TABLE branch_dues_counts (
    organisation_id  uuid NOT NULL,
    month            text NOT NULL,
    paid             integer NOT NULL DEFAULT 0,
    PRIMARY KEY (organisation_id, month)
);
-- Per branch and month of org-life sessions: sessions held, attendees expected, attendees present/online.
CREATE TABLE org_life_monthly (
    organisation_id  uuid NOT NULL,
    month            text NOT NULL,
    sessions         integer NOT NULL DEFAULT 0,
    expected         integer NOT NULL DEFAULT 0,
    attended         integer NOT NULL DEFAULT 0,
    PRIMARY KEY (organisation_id, month)
);
