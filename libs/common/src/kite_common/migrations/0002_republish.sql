-- Republishing from the event store: the relay records how far it has published, and operators
-- (`kite republish`, or `kite up` after a fresh broker) ask the active relay to send events again.

-- Every event at or before (tx_id, position), in the store's gap-safe order, has been acknowledged by
-- the broker. One row per database.
CREATE TABLE IF NOT EXISTS relay_position (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    tx_id       xid8 NOT NULL,
    position    bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- A request to re-send the store's events after (after_tx, after_position) up to the relay's
-- published position, to `topic` as CloudEvents of `source`. The active relay works through the
-- requests before the outbox, so a stream's events keep their order; it advances after_* as batches
-- are acknowledged, so a relay that dies mid-way resumes where it was.
CREATE TABLE IF NOT EXISTS republish_requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic           text NOT NULL,
    source          text NOT NULL,
    after_tx        xid8 NOT NULL,
    after_position  bigint NOT NULL,
    reason          text NOT NULL,
    published       bigint NOT NULL DEFAULT 0,
    requested_at    timestamptz NOT NULL DEFAULT now(),
    done_at         timestamptz
);
CREATE INDEX IF NOT EXISTS republish_requests_open ON republish_requests (id) WHERE done_at IS NULL;

-- `kite republish --since TIME` finds its starting point by recorded_at, which grows with position:
-- a BRIN index is enough and costs next to nothing to keep.
CREATE INDEX IF NOT EXISTS events_recorded_at_brin ON events USING brin (recorded_at);
