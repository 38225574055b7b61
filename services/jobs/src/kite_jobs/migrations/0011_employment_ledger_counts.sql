-- The employment ledger, pre-aggregated (issue 12, province scale): the ledger read sums these rows
-- instead of counting placements, follow-ups, enrolments and households.
--
-- ledger_months: per home village of the member (12-digit origin code) and calendar month (its first
-- day), people placed (by start date), placements ended (by the day they left), follow-ups recorded at
-- 3 and 6 months and of them still employed (by the follow-up's day), training completions (by the
-- completion day). A projection table: kept by the placements and courses projections, each change
-- counted as the difference between what the changed row counted before and after, so applying an
-- event twice counts it once; emptied and refilled by `kite rebuild jobs`.
CREATE TABLE ledger_months (
    division_code          text COLLATE "C" NOT NULL,
    month                  date NOT NULL,
    people_placed          integer NOT NULL DEFAULT 0,
    placements_ended       integer NOT NULL DEFAULT 0,
    followed_up_3m         integer NOT NULL DEFAULT 0,
    retained_3m            integer NOT NULL DEFAULT 0,
    followed_up_6m         integer NOT NULL DEFAULT 0,
    retained_6m            integer NOT NULL DEFAULT 0,
    training_completions   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (division_code, month)
);

-- ledger_households: per household village, households with someone at work, 建档立卡/monitored
-- households and of them those with someone at work; kept with household_employment (the difference
-- between what a household counted before and after each change).
CREATE TABLE ledger_households (
    division_code                    text COLLATE "C" PRIMARY KEY,
    households_with_earner           integer NOT NULL DEFAULT 0,
    priority_households              integer NOT NULL DEFAULT 0,
    priority_households_with_earner  integer NOT NULL DEFAULT 0
);

INSERT INTO ledger_months (division_code, month, people_placed, placements_ended, followed_up_3m, retained_3m,
                           followed_up_6m, retained_6m, training_completions)
SELECT division_code, month, sum(placed), sum(ended), sum(f3), sum(r3), sum(f6), sum(r6), sum(done)
FROM (
    SELECT member_origin_division_code AS division_code, date_trunc('month', start_date)::date AS month,
           1 AS placed, 0 AS ended, 0 AS f3, 0 AS r3, 0 AS f6, 0 AS r6, 0 AS done
    FROM placements
    UNION ALL
    SELECT member_origin_division_code, date_trunc('month', left_on)::date, 0, 1, 0, 0, 0, 0, 0
    FROM placements WHERE left_on IS NOT NULL
    UNION ALL
    SELECT member_origin_division_code, date_trunc('month', coalesce(followed_up_on, due_on))::date, 0, 0,
           (month = 3)::int, (month = 3 AND still_employed)::int, (month = 6)::int, (month = 6 AND still_employed)::int, 0
    FROM follow_ups WHERE status = 'recorded' AND month IN (3, 6)
    UNION ALL
    SELECT member_origin_division_code, date_trunc('month', completed_on)::date, 0, 0, 0, 0, 0, 0, 1
    FROM enrolments WHERE completed_on IS NOT NULL
) counted
GROUP BY division_code, month;

INSERT INTO ledger_households (division_code, households_with_earner, priority_households,
                               priority_households_with_earner)
SELECT division_code, count(*) FILTER (WHERE earners > 0), count(*) FILTER (WHERE priority),
       count(*) FILTER (WHERE priority AND earners > 0)
FROM household_employment
GROUP BY division_code;
