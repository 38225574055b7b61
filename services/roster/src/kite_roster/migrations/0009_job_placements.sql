-- Placements jobs recorded (member-placed / placement-ended on jobs.events), kept by the risk-signals
-- consumer so the early warning can tell whether a household still has a working member. Foreign
-- facts, not roster events: a projection rebuild leaves this table alone.
CREATE TABLE job_placements (
    placement_id  uuid PRIMARY KEY,
    member_id     uuid NOT NULL,
    ended_on      date  -- NULL while the member still works there
);
CREATE INDEX job_placements_open ON job_placements (member_id) WHERE ended_on IS NULL;
