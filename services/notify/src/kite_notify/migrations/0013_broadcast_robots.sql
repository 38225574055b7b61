-- A broadcast to an organisation also posts once to each group robot of the organisation and of its
-- sub-tree (`robots`); `robots_queued` is NULL until that step is done, then how many were queued:
-- set in the transaction that queues them, so a step handled twice posts once.
ALTER TABLE broadcasts
    ADD COLUMN robots         boolean NOT NULL DEFAULT false,
    ADD COLUMN robots_queued  integer;
