-- Client systems (projection of client-registered / client-revoked) and what is kept out of events.
CREATE TABLE clients (
    client_id    uuid PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    auth_method  text NOT NULL,
    jwks_url     text,
    public_keys  jsonb NOT NULL DEFAULT '[]',
    scopes       text[] NOT NULL,
    roles        text[] NOT NULL,
    jurisdiction text NOT NULL,
    revoked      boolean NOT NULL DEFAULT false,
    registered_by text NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now()
);

-- The hash of a client secret (scrypt, salted): never in an event, never answered.
CREATE TABLE client_secrets (
    client_id   uuid PRIMARY KEY,
    secret_hash text NOT NULL
);

-- Assertion ids seen (RFC 7523 jti), kept until the assertion expires: a replay is refused.
CREATE TABLE client_assertions (
    client_id  uuid NOT NULL,
    jti        text NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX client_assertions_expiry ON client_assertions (expires_at);

-- Tokens issued per client per minute, for the rate limit.
CREATE TABLE client_token_counts (
    client_id uuid NOT NULL,
    minute    timestamptz NOT NULL,
    issued    integer NOT NULL,
    PRIMARY KEY (client_id, minute)
);
