-- The service ledger (服务台账), pre-aggregated (issue 10, province scale): a ledger read sums these
-- rows instead of grouping the cases.
--
-- service_ledger_counts: per place and month (the month a case was opened, or a certificate issued,
-- China time) a count per metric (ledger/domain/counts.py): cases, status:<s>, category:<c>,
-- channel:<c>, resolved:<tier>, on_time:<tier>, accept:<bucket>, resolve:<bucket> (duration
-- histograms, whole seconds below 1,000 s, then cut to 3 significant digits), rated, satisfied,
-- escalations, money:<kind> (fen, after corrections), certificates_issued, certificates_revoked.
-- A place is a division-code prefix at a level (level = its digits: 0 the country, 2 province, 4 city,
-- 6 county, 9 township, 12 village); a case counts once in each distinct place of its home and work
-- place at a level, so a place's row never counts a case twice. Kept by the service-ledger projection,
-- each change counted as the difference between what the changed fact counted before and after, so
-- applying an event twice counts it once; emptied and refilled by `kite rebuild casework`.
CREATE TABLE service_ledger_counts (
    level    smallint NOT NULL,
    place    text COLLATE "C" NOT NULL,
    month    date NOT NULL,
    metric   text COLLATE "C" NOT NULL,
    n        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (level, place, month, metric)
);

-- service_ledger_increments: the events the ledger counted by adding to a fact (money entries and
-- corrections, escalations), so a redelivered one adds nothing.
CREATE TABLE service_ledger_increments (
    event_id uuid PRIMARY KEY
);
INSERT INTO service_ledger_increments (event_id)
SELECT event_id FROM events
WHERE type IN ('kite.casework.case-money-recorded.v1', 'kite.casework.case-money-corrected.v1',
               'kite.casework.case-escalated.v1');

CREATE FUNCTION pg_temp.duration_bucket(seconds double precision) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN w < 1000 THEN w
                ELSE w / (10::bigint ^ (length(w::text) - 3))::bigint * (10::bigint ^ (length(w::text) - 3))::bigint END
    FROM (SELECT greatest(0, floor(seconds))::bigint AS w) x
$$;

WITH levels(level) AS (VALUES (0), (2), (4), (6), (9), (12)),
placed AS (
    SELECT DISTINCT c.case_id, l.level, left(p.code, l.level) AS place
    FROM service_ledger_cases c
    CROSS JOIN levels l
    CROSS JOIN LATERAL (VALUES (c.origin_code), (c.work_code)) p(code)
    WHERE p.code IS NOT NULL
),
metrics AS (
    SELECT c.case_id, c.month, v.metric, v.n
    FROM service_ledger_cases c
    CROSS JOIN LATERAL (VALUES
        ('cases', 1::bigint),
        ('status:' || c.status, 1),
        ('category:' || c.category, 1),
        ('channel:' || c.channel, 1),
        (CASE WHEN c.resolved_on_time IS NOT NULL THEN 'resolved:' || c.sla_tier END, 1),
        (CASE WHEN c.resolved_on_time THEN 'on_time:' || c.sla_tier END, 1),
        (CASE WHEN c.accept_seconds IS NOT NULL THEN 'accept:' || pg_temp.duration_bucket(c.accept_seconds) END, 1),
        (CASE WHEN c.resolve_seconds IS NOT NULL THEN 'resolve:' || pg_temp.duration_bucket(c.resolve_seconds) END, 1),
        (CASE WHEN c.satisfaction IS NOT NULL THEN 'rated' END, 1),
        (CASE WHEN c.satisfaction IN ('satisfied', 'neutral') THEN 'satisfied' END, 1),
        ('escalations', c.escalations),
        ('money:claimed', c.claimed_fen),
        ('money:recovered', c.recovered_fen),
        ('money:relief_paid', c.relief_paid_fen),
        ('money:funds_raised', c.funds_raised_fen)
    ) v(metric, n)
    WHERE v.metric IS NOT NULL AND v.n > 0
)
INSERT INTO service_ledger_counts (level, place, month, metric, n)
SELECT p.level, p.place, m.month, m.metric, sum(m.n)
FROM placed p JOIN metrics m USING (case_id)
GROUP BY p.level, p.place, m.month, m.metric;

WITH levels(level) AS (VALUES (0), (2), (4), (6), (9), (12))
INSERT INTO service_ledger_counts (level, place, month, metric, n)
SELECT l.level, left(c.origin_code, l.level), c.month, v.metric, count(*)
FROM service_ledger_certificates c
CROSS JOIN levels l
CROSS JOIN LATERAL (VALUES ('certificates_issued'), (CASE WHEN c.revoked THEN 'certificates_revoked' END)) v(metric)
WHERE v.metric IS NOT NULL
GROUP BY 1, 2, 3, 4;

-- The ledger per named office (服务站, 驻外服务站…), besides its place: the office a case or a proxy
-- service is credited to (`office_id` of case-opened and case-proxy-service-recorded, optional).
-- case_offices: every organisation of roster, kept from its organisation events by the
-- escalation-offices consumer (the ones escalation_offices already holds are copied; the others come
-- as roster's organisation events arrive or are redriven).
CREATE TABLE case_offices (
    office_id          uuid PRIMARY KEY,          -- roster's organisation_id
    office_name        text NOT NULL,
    organisation_kind  text NOT NULL,
    division_code      text COLLATE "C" NOT NULL,
    dissolved          boolean NOT NULL DEFAULT false,
    roster_version     integer NOT NULL
);
INSERT INTO case_offices (office_id, office_name, organisation_kind, division_code, roster_version)
SELECT office_id, office_name, organisation_kind, division_code, roster_version FROM escalation_offices;

-- An office's row in service_ledger_counts has level -1 and the office id as its place.
ALTER TABLE service_ledger_cases ADD COLUMN office_id uuid;
ALTER TABLE service_ledger_proxy ADD COLUMN office_id uuid;
CREATE INDEX service_ledger_proxy_office_id ON service_ledger_proxy (office_id, month) WHERE office_id IS NOT NULL;
