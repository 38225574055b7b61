-- Event metadata for readers outside the service (the HTTP event feed, CloudEvents extensions):
-- the division code of the place the record belongs to (NULL when it has none, and for events written
-- before this column: then only a caller with the whole country sees them), and who caused the event.
ALTER TABLE events ADD COLUMN IF NOT EXISTS jurisdiction text;
ALTER TABLE events ADD COLUMN IF NOT EXISTS actor text;
