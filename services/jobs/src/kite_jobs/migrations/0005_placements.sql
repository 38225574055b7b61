-- Applications, placements and retention follow-ups: read models of jobs' own events, rebuildable.
CREATE TABLE applications (
    posting_id                   uuid NOT NULL,
    member_id                    uuid NOT NULL,
    employer_id                  uuid NOT NULL,
    member_origin_division_code  text COLLATE "C" NOT NULL,
    status                       text NOT NULL,  -- submitted, hired, declined
    from_match                   boolean NOT NULL,
    submitted_at                 timestamptz NOT NULL,
    submitted_by                 text NOT NULL,
    decided_at                   timestamptz,
    decline_reason               text,
    placement_id                 uuid,
    PRIMARY KEY (posting_id, member_id)
);
CREATE INDEX applications_member ON applications (member_id);

CREATE TABLE placements (
    placement_id                 uuid PRIMARY KEY,
    posting_id                   uuid NOT NULL,
    employer_id                  uuid NOT NULL,
    member_id                    uuid NOT NULL,
    member_origin_division_code  text COLLATE "C" NOT NULL,
    area_division_code           text COLLATE "C" NOT NULL,
    place_division_code          text COLLATE "C" NOT NULL,
    title                        text NOT NULL,
    start_date                   date NOT NULL,
    wage_fen                     bigint NOT NULL,
    placed_at                    timestamptz NOT NULL,
    placed_by                    text NOT NULL,
    left_on                      date,
    leave_reason                 text,
    -- the day the next follow-up (1, 3, 6 months) falls due that is neither due nor recorded; null when none
    next_follow_up_on            date,
    version                      integer NOT NULL
);
-- The ledger and listings by the member's home; the worker's scan of follow-ups coming due.
CREATE INDEX placements_origin ON placements (member_origin_division_code, placement_id);
CREATE INDEX placements_member ON placements (member_id);
CREATE INDEX placements_posting ON placements (posting_id);
CREATE INDEX placements_next_follow_up ON placements (next_follow_up_on, placement_id)
    WHERE left_on IS NULL AND next_follow_up_on IS NOT NULL;
-- "Employed" for household priority: a placement not ended.
CREATE INDEX placements_active_member ON placements (member_id) WHERE left_on IS NULL;

CREATE TABLE follow_ups (
    placement_id                 uuid NOT NULL,
    month                        integer NOT NULL,
    due_on                       date NOT NULL,
    member_id                    uuid NOT NULL,
    member_origin_division_code  text COLLATE "C" NOT NULL,
    status                       text NOT NULL,  -- due, recorded
    followed_up_on               date,
    still_employed               boolean,
    wage_paid_on_time            boolean,
    problems                     text,
    recorded_by                  text,
    PRIMARY KEY (placement_id, month)
);
-- The HR station's list of follow-ups due, by the member's home.
CREATE INDEX follow_ups_due ON follow_ups (member_origin_division_code, due_on, placement_id) WHERE status = 'due';
