-- A member's notification preferences (each save is a preferences-set event too). The phone number
-- and email address are encrypted (AES-GCM, kite_common.privacy) and shown masked. Quiet hours are
-- local times in `timezone`; NULL start/end: no quiet hours. No row: the defaults (in-app only, the
-- language from what the member speaks, 22:00–07:00 Asia/Shanghai, broadcasts on).
CREATE TABLE member_preferences (
    member_id      uuid PRIMARY KEY,
    channels       text[] NOT NULL,
    language       text,
    quiet_start    time,
    quiet_end      time,
    timezone       text NOT NULL DEFAULT 'Asia/Shanghai',
    broadcasts     boolean NOT NULL DEFAULT true,
    phone_enc      text,
    email_enc      text,
    set_by         text NOT NULL,
    updated_at     timestamptz NOT NULL
);
