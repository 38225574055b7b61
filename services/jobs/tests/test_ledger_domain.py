"""The employment ledger's counting, without I/O: what each fact counts, in which village and month,
and that a change adds only its difference — the same event applied again adds nothing."""

from __future__ import annotations

from datetime import date

from kite_jobs.domain.ledger import (
    completion_counts,
    difference,
    follow_up_counts,
    household_counts,
    placement_counts,
    tier,
)
from kite_jobs.domain.priority import Priority

VILLAGE = "522631101001"
OTHER = "522631102003"
MARCH, MAY = date(2026, 3, 1), date(2026, 5, 1)


def test_a_placement_counts_in_its_start_month_and_its_end_in_the_month_left():
    assert placement_counts(VILLAGE, date(2026, 3, 17), None) == {(VILLAGE, MARCH, "people_placed"): 1}
    assert placement_counts(VILLAGE, date(2026, 3, 17), date(2026, 5, 2)) == {
        (VILLAGE, MARCH, "people_placed"): 1,
        (VILLAGE, MAY, "placements_ended"): 1,
    }


def test_only_recorded_3_and_6_month_follow_ups_count_and_retained_when_still_employed():
    assert follow_up_counts(VILLAGE, 1, date(2026, 5, 9), True) == {}
    assert follow_up_counts(VILLAGE, 3, None, None) == {}
    assert follow_up_counts(VILLAGE, 3, date(2026, 5, 9), False) == {(VILLAGE, MAY, "followed_up_3m"): 1}
    assert follow_up_counts(VILLAGE, 6, date(2026, 5, 9), True) == {
        (VILLAGE, MAY, "followed_up_6m"): 1,
        (VILLAGE, MAY, "retained_6m"): 1,
    }
    assert completion_counts(VILLAGE, None) == {}
    assert completion_counts(VILLAGE, date(2026, 3, 31)) == {(VILLAGE, MARCH, "training_completions"): 1}


def test_households_count_where_they_live_with_the_heshun_goal_beside():
    assert household_counts(VILLAGE, False, 0) == {}
    assert household_counts(VILLAGE, False, 2) == {(VILLAGE, None, "households_with_earner"): 1}
    assert household_counts(VILLAGE, True, 0) == {(VILLAGE, None, "priority_households"): 1}
    assert household_counts(VILLAGE, True, 1) == {
        (VILLAGE, None, "households_with_earner"): 1,
        (VILLAGE, None, "priority_households"): 1,
        (VILLAGE, None, "priority_households_with_earner"): 1,
    }


def test_a_change_adds_its_difference_and_the_same_change_again_adds_nothing():
    placed = placement_counts(VILLAGE, date(2026, 3, 17), None)
    ended = placement_counts(VILLAGE, date(2026, 3, 17), date(2026, 5, 2))
    assert difference({}, placed) == {(VILLAGE, MARCH, "people_placed"): 1}
    assert difference(placed, ended) == {(VILLAGE, MAY, "placements_ended"): 1}
    assert difference(ended, ended) == {}  # delivered again: nothing more
    # a household whose last earner left, counted in its village: the earner counts move out
    assert difference(household_counts(OTHER, True, 1), household_counts(OTHER, True, 0)) == {
        (OTHER, None, "households_with_earner"): -1,
        (OTHER, None, "priority_households_with_earner"): -1,
    }


def test_the_tier_a_household_gives_is_the_priority_rule():
    assert [tier(True, n) for n in (0, 1, 2)] == [Priority.NOBODY_EMPLOYED, Priority.ONE_EARNER, Priority.OTHERS]
    assert tier(False, 0) is Priority.OTHERS
