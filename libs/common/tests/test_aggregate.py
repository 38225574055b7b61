"""The aggregate base, without I/O: replay, recording, pending events, If-Match."""

from __future__ import annotations

import uuid

import pytest
from kite_common.domain import RuleViolation, StaleVersion
from kite_common.testing.sample import Basket, ItemAdded

BASKET = uuid.UUID(int=7)


def test_replay_folds_the_events_and_takes_their_count_as_version():
    basket = Basket.replay(BASKET, [ItemAdded(item="x", quantity=2), ItemAdded(item="x", quantity=3)])
    assert (basket.quantity, basket.version, basket.pending) == (5, 2, ())
    assert basket.stream_id == "basket-00000000-0000-0000-0000-000000000007"


def test_a_recorded_event_is_applied_at_once_so_the_next_decision_sees_it():
    basket = Basket.create(BASKET)
    basket.add(6)
    with pytest.raises(RuleViolation) as refused:
        basket.add(6)
    assert refused.value.code == "basket-full" and refused.value.field == "quantity"
    assert basket.quantity == 6
    assert [e.payload.quantity for e in basket.pending] == [6]  # type: ignore[attr-defined]
    assert basket.version == 0  # not saved yet


def test_saving_moves_the_version_on_and_clears_what_was_pending():
    basket = Basket.replay(BASKET, [ItemAdded(item="x", quantity=1)])
    basket.add(1)
    basket.add(1)
    basket.mark_saved()
    assert (basket.version, basket.pending) == (3, ())


def test_if_match_of_another_version_is_stale_and_names_the_current_one():
    basket = Basket.replay(BASKET, [ItemAdded(item="x", quantity=1)])
    basket.expect_version(None)
    basket.expect_version(1)
    with pytest.raises(StaleVersion) as stale:
        basket.expect_version(0)
    assert stale.value.current_version == 1
    assert stale.value.message == "该购物篮已被他人修改（当前版本 1），请刷新后重试"
