-- Members as notify knows them, kept by the consumer from roster's member-registered events:
-- a name for the greeting and the origin that places the member in a jurisdiction.
CREATE TABLE member_directory (
    member_id             uuid PRIMARY KEY,
    name                  text NOT NULL,
    origin_division_code  text NOT NULL CHECK (origin_division_code ~ '^[0-9]{12}$')
);

-- The in-app inbox: a read model of notify's own events (notification-created, notification-read),
-- written by the in-app channel in the transaction that creates the notification. (The platform's
-- `inbox` table is something else: the consumers' record of handled events.)
CREATE TABLE member_inbox (
    notification_id       uuid PRIMARY KEY,
    member_id             uuid NOT NULL,
    origin_division_code  text NOT NULL,
    kind                  text NOT NULL,
    title                 text NOT NULL,
    body                  text NOT NULL,
    created_at            timestamptz NOT NULL,
    read_at               timestamptz
);
-- Newest first, paged by (created_at, notification_id).
CREATE INDEX member_inbox_member_newest ON member_inbox (member_id, created_at DESC, notification_id DESC);
CREATE INDEX member_inbox_member_unread ON member_inbox (member_id) WHERE read_at IS NULL;

-- Webhook subscriptions: a read model of webhook-subscribed / webhook-unsubscribed.
CREATE TABLE webhook_subscriptions (
    subscription_id  uuid PRIMARY KEY,
    url              text NOT NULL,
    kinds            text[],             -- NULL = every kind
    jurisdiction     text NOT NULL,      -- only notifications of members whose origin starts with it
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL,
    removed_at       timestamptz
);
CREATE INDEX webhook_subscriptions_active ON webhook_subscriptions (jurisdiction) WHERE removed_at IS NULL;

-- Pending webhook deliveries: work, not a read model (never rebuilt). A row lives from the
-- notification's creation until its delivered / delivery-failed event is stored, so a crash or a
-- restart resumes it. Workers claim due rows with FOR UPDATE SKIP LOCKED and hold a lease.
CREATE TABLE webhook_deliveries (
    notification_id  uuid NOT NULL,
    subscription_id  uuid NOT NULL,
    event_id         uuid NOT NULL,      -- the notification-created event: the body and X-Kite-Event-Id
    topic            text NOT NULL,      -- notify's topic, where the outcome events are published
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    locked_until     timestamptz,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (notification_id, subscription_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at);
