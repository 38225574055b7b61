-- Whether a member is a party member (roster's member-registered), for broadcasts to party members.
ALTER TABLE member_directory ADD COLUMN is_party_member boolean NOT NULL DEFAULT false;
-- Fan-out walks the members under a division-code prefix in (origin, member_id) order: byte order
-- (COLLATE "C"), so both the prefix (LIKE) and the keyset (a row comparison) are index ranges.
CREATE INDEX member_directory_origin_member ON member_directory ((origin_division_code COLLATE "C"), member_id);

-- Broadcasts and their progress (each step is an event too). Work, not a read model: the fan-out
-- worker moves `cursor_*` and the counts in the transaction that writes each batch.
CREATE TABLE broadcasts (
    broadcast_id        uuid PRIMARY KEY,
    division_prefix     text NOT NULL,
    party_members_only  boolean NOT NULL,
    texts               jsonb NOT NULL,     -- language → {title, body}; zh-Hans always
    send_at             timestamptz NOT NULL,
    status              text NOT NULL CHECK (status IN ('scheduled', 'sending', 'completed', 'cancelled')),
    cursor_origin       text,
    cursor_member       uuid,
    sent                integer NOT NULL DEFAULT 0,
    opted_out           integer NOT NULL DEFAULT 0,
    batches             integer NOT NULL DEFAULT 0,
    locked_until        timestamptz,
    jurisdiction        text NOT NULL,
    created_by          text NOT NULL,
    created_at          timestamptz NOT NULL,
    finished_at         timestamptz
);
CREATE INDEX broadcasts_due ON broadcasts (send_at) WHERE status IN ('scheduled', 'sending');

-- A broadcast as each member reads it in their inbox: one row per broadcast and member (so a batch
-- handled twice delivers once). Shown with the member's own notices, newest first.
CREATE TABLE broadcast_inbox (
    broadcast_id  uuid NOT NULL,
    member_id     uuid NOT NULL,
    language      text NOT NULL,
    title         text NOT NULL,
    body          text NOT NULL,
    created_at    timestamptz NOT NULL,
    read_at       timestamptz,
    PRIMARY KEY (broadcast_id, member_id)
);
CREATE INDEX broadcast_inbox_member_newest ON broadcast_inbox (member_id, created_at DESC, broadcast_id DESC);
CREATE INDEX broadcast_inbox_member_unread ON broadcast_inbox (member_id) WHERE read_at IS NULL;
CREATE INDEX broadcast_inbox_read ON broadcast_inbox (broadcast_id) WHERE read_at IS NOT NULL;
