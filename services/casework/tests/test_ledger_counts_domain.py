"""What a case and a certificate count in the pre-aggregated service ledger (pure, no I/O): each place
once, at every level; a change adds only its difference; percentiles read from a histogram."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

from kite_casework.ledger.domain.counts import (
    OFFICE,
    CaseFacts,
    case_counts,
    certificate_counts,
    difference,
    duration_bucket,
    percentile,
)

MONTH = date(2026, 11, 1)
CASE = CaseFacts(
    month=MONTH,
    origin_code="522631101001",
    work_code="3301",
    status="open",
    category="wage_arrears",
    channel="station",
    sla_tier="week",
    accept_seconds=None,
    resolve_seconds=None,
    resolved_on_time=None,
    satisfaction=None,
    escalations=0,
    money_fen={"claimed": 0, "recovered": 0, "relief_paid": 0, "funds_raised": 0},
)


def test_a_case_counts_once_in_each_distinct_place_of_every_level() -> None:
    cases = {(level, place) for (level, place, _, metric), n in case_counts(CASE).items() if metric == "cases"}
    assert (0, "") in cases  # the country counts it once, not once per place
    assert {(2, "52"), (2, "33"), (4, "5226"), (4, "3301"), (6, "522631"), (6, "3301")} <= cases
    assert all(n == 1 for (_, _, _, m), n in case_counts(CASE).items() if m == "cases")
    at_home = replace(CASE, work_code="522631205")
    assert {p for (lv, p, _, m) in case_counts(at_home) if m == "cases" and lv == 6} == {"522631"}


def test_a_change_adds_only_its_difference_and_applying_it_again_adds_nothing() -> None:
    resolved = replace(CASE, status="resolved", resolve_seconds=7200.5, resolved_on_time=True)
    delta = difference(case_counts(CASE), case_counts(resolved))
    assert delta[(6, "522631", MONTH, "status:open")] == -1 and delta[(6, "522631", MONTH, "status:resolved")] == 1
    assert delta[(6, "522631", MONTH, "on_time:week")] == 1 and (6, "522631", MONTH, "cases") not in delta
    assert difference(case_counts(resolved), case_counts(resolved)) == {}


def test_certificates_count_issued_and_revoked_at_the_home_place() -> None:
    counts = certificate_counts(MONTH, "522631101001", revoked=True)
    assert counts[(4, "5226", MONTH, "certificates_issued")] == 1 == counts[(4, "5226", MONTH, "certificates_revoked")]
    assert not any(level == OFFICE for level, *_ in counts)


def test_a_certificate_an_office_issued_counts_in_that_office_too() -> None:
    counts = certificate_counts(MONTH, "522631101001", revoked=False, office_id="station-1")
    assert counts[(OFFICE, "station-1", MONTH, "certificates_issued")] == 1
    assert counts[(6, "522631", MONTH, "certificates_issued")] == 1
    assert (OFFICE, "station-1", MONTH, "certificates_revoked") not in counts


def test_durations_are_bucketed_to_three_significant_digits_and_percentiles_interpolate() -> None:
    assert (duration_bucket(999.9), duration_bucket(12_345.6), duration_bucket(-1)) == (999, 12_300, 0)
    assert abs(duration_bucket(86_399) - 86_399) / 86_399 < 0.01
    histogram = Counter({10: 1, 20: 2, 40: 1})  # 10, 20, 20, 40
    assert percentile(histogram, 0.5) == 20
    assert percentile(histogram, 0.9) == 20 + (40 - 20) * 0.7
    assert percentile({}, 0.5) is None
