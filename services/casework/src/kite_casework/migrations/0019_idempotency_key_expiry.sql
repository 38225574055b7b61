-- Idempotency-Key expires (KITE_CASEWORK_IDEMPOTENCY_KEY_RETENTION_HOURS, default 7 days): the purge
-- worker deletes old keys in batches, oldest first, through this index. External references
-- (cases.source_system + external_reference) never expire.
CREATE INDEX case_idempotency_keys_created ON case_idempotency_keys (created_at);
