-- The read model matching searches (issue 12, province scale): one row per job-seeker still on the
-- roster, with everything the score and the hard requirements need in indexable columns, and the
-- household priority tier kept up to date, so a posting's best candidates are found by indexes over
-- one table (no join to members, no per-row household count).
--
-- household_employment: per roster household (jobs' copy), whether it is 建档立卡/monitored and how
-- many of its members are employed (roster records an employer, or a placement not ended; deregistered
-- members count for nobody). It is what the candidates' tier and the ledger's household counts are made
-- of. Both tables are kept by jobs' projections and consumers (adapters/employment_state.py) from the
-- events they already take: roster's member and household events, seeker-registered, member-placed and
-- placement-ended. `candidates` is a projection table (emptied and refilled by `kite rebuild jobs`);
-- household_employment follows the mirrored households like `households` does, and is set right again
-- for every household a replayed placement concerns. Both are filled here from the tables they derive
-- from, so an upgrade needs no rebuild.
CREATE TABLE household_employment (
    household_id   uuid PRIMARY KEY,
    division_code  text COLLATE "C" NOT NULL,
    priority       boolean NOT NULL,  -- 建档立卡 or 防返贫监测
    earners        integer NOT NULL
);

-- The keys one GIN index narrows a search by, all at once: each skill and certificate, the member's
-- home at every level (province, city, county, township, village: a jurisdiction is one of them), and
-- where they would work (the desired city, or anywhere for those willing to move).
CREATE FUNCTION candidate_keys(skills text[], certificates text[], origin text, desired text, willing boolean)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY(SELECT 'skill:' || s FROM unnest(skills) s)
        || ARRAY(SELECT 'certificate:' || c FROM unnest(certificates) c)
        || ARRAY['home:' || left(origin, 2), 'home:' || left(origin, 4), 'home:' || left(origin, 6),
                 'home:' || left(origin, 9), 'home:' || origin, 'work:' || left(desired, 4)]
        || CASE WHEN willing THEN ARRAY['work:anywhere'] ELSE ARRAY[]::text[] END
$$;

CREATE TABLE candidates (
    member_id              uuid PRIMARY KEY,
    origin_division_code   text COLLATE "C" NOT NULL,
    desired_division_code  text COLLATE "C" NOT NULL,
    desired_city           text COLLATE "C" GENERATED ALWAYS AS (left(desired_division_code, 4)) STORED,
    desired_province       text COLLATE "C" GENERATED ALWAYS AS (left(desired_division_code, 2)) STORED,
    willing_to_move        boolean NOT NULL,
    skills                 text[] NOT NULL,
    certificates           text[] NOT NULL,
    expected_wage_fen      bigint NOT NULL,
    available_from         date NOT NULL,
    birth_year             integer NOT NULL,
    priority               smallint NOT NULL CHECK (priority IN (1, 2, 3)),
    keys                   text[] GENERATED ALWAYS AS
                               (candidate_keys(skills, certificates, origin_division_code, desired_division_code,
                                               willing_to_move))
                               STORED
);
INSERT INTO household_employment (household_id, division_code, priority, earners)
SELECT h.household_id, h.division_code, h.poverty_registered OR h.monitored, coalesce(e.earners, 0)
FROM households h
LEFT JOIN (
    SELECT y.household_id, count(*) AS earners
    FROM household_members y JOIN members ym USING (member_id)
    WHERE ym.deregistered_at IS NULL
      AND (nullif(btrim(ym.employer), '') IS NOT NULL
           OR EXISTS (SELECT 1 FROM placements pl WHERE pl.member_id = ym.member_id AND pl.left_on IS NULL))
    GROUP BY y.household_id
) e USING (household_id);

INSERT INTO candidates (member_id, origin_division_code, desired_division_code, willing_to_move, skills,
                        certificates, expected_wage_fen, available_from, birth_year, priority)
SELECT s.member_id, s.origin_division_code, s.desired_division_code, s.willing_to_move, m.skills,
       s.certificates, s.expected_wage_fen, s.available_from, m.birth_year, coalesce(t.priority, 3)
FROM seekers s
JOIN members m USING (member_id)
LEFT JOIN (
    SELECT hm.member_id, min(CASE WHEN he.earners = 0 THEN 1 WHEN he.earners = 1 THEN 2 ELSE 3 END) AS priority
    FROM household_members hm JOIN household_employment he USING (household_id)
    WHERE he.priority
    GROUP BY hm.member_id
) t USING (member_id)
WHERE m.deregistered_at IS NULL;

-- Matching reads one tier at a time (priority is an ordering: tier 1's best come before anyone of
-- tier 2), so each tier has its own GIN over the keys: "home in this county, holds one of these
-- skills and every required certificate, would work in this city" is one index scan intersecting
-- the key sets, the first tier's
-- few rows are found without touching the others, and only rows passing every hard requirement are
-- read and scored.
CREATE INDEX candidates_keys_tier1 ON candidates USING gin (keys) WHERE priority = 1;
CREATE INDEX candidates_keys_tier2 ON candidates USING gin (keys) WHERE priority = 2;
CREATE INDEX candidates_keys_tier3 ON candidates USING gin (keys) WHERE priority = 3;
