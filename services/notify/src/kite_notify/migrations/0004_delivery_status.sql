-- Every notification, whether made from an event for a member or asked for over the API: a read
-- model of notification-created and message-requested. `origin_division_code` places it in a
-- jurisdiction (the member's home, or the sender's jurisdiction for a message sent to an address).
CREATE TABLE notifications (
    notification_id       uuid PRIMARY KEY,
    member_id             uuid,
    origin_division_code  text NOT NULL,
    kind                  text NOT NULL,
    channels              text[] NOT NULL,
    reference             text,
    requested_by          text,
    created_at            timestamptz NOT NULL
);
CREATE INDEX notifications_member_newest ON notifications (member_id, created_at DESC) WHERE member_id IS NOT NULL;

-- Where each delivery of a notification stands (GOV.UK Notify's states): a read model of the
-- delivery events. `target` is the webhook subscription for the webhook channel, '' otherwise.
CREATE TABLE delivery_status (
    notification_id     uuid NOT NULL,
    channel             text NOT NULL,
    target              text NOT NULL DEFAULT '',
    status              text NOT NULL,
    attempts            integer NOT NULL DEFAULT 0,
    detail              text,
    provider_reference  text,
    updated_at          timestamptz NOT NULL,
    PRIMARY KEY (notification_id, channel, target)
);

-- Pending email and SMS deliveries: work, not a read model (never rebuilt). One row per notification
-- and channel, so a request handled twice is delivered once; gone once a final status is stored. The
-- address is encrypted (AES-GCM, kite_common.privacy) and decrypted only to send.
CREATE TABLE outbound_deliveries (
    notification_id  uuid NOT NULL,
    channel          text NOT NULL,
    address_enc      text NOT NULL,
    kind             text NOT NULL,
    title            text NOT NULL,
    body             text NOT NULL,
    template_values  jsonb NOT NULL,
    topic            text NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    locked_until     timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (notification_id, channel)
);
CREATE INDEX outbound_deliveries_due ON outbound_deliveries (channel, next_attempt_at);
