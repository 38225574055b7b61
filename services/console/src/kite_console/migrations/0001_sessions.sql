-- Signed-in browsers. The cookie holds a random id; only its SHA-256 is stored, so a copy of this
-- table does not let anyone take over a session. The token is what the console sends to the APIs.
CREATE TABLE console_sessions (
    session_hash  bytea PRIMARY KEY,
    subject       text NOT NULL,
    name          text NOT NULL,
    roles         text[] NOT NULL,
    jurisdiction  text NOT NULL,
    token         text NOT NULL,
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);

-- An OpenID Connect sign-in under way: state → PKCE verifier and nonce, for ten minutes.
CREATE TABLE console_sign_ins (
    state          text PRIMARY KEY,
    code_verifier  text NOT NULL,
    nonce          text NOT NULL,
    next_path      text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX console_sign_ins_created ON console_sign_ins (created_at);
