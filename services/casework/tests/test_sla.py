"""限时办结: the SLA table and deadlines (pure, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.sla import SLA_TABLE, SlaTier, Urgency, deadline, sla_tier

OPENED = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("category", "urgency", "tier"),
    [
        (CaseCategory.WAGE_ARREARS, Urgency.CRITICAL, SlaTier.HOUR),
        (CaseCategory.WAGE_ARREARS, Urgency.NORMAL, SlaTier.WEEK),
        (CaseCategory.WORK_INJURY, Urgency.CRITICAL, SlaTier.QUARTER_HOUR),
        (CaseCategory.MEDICAL, Urgency.HIGH, SlaTier.HOUR),
        (CaseCategory.LEFT_BEHIND_FAMILY, Urgency.CRITICAL, SlaTier.QUARTER_HOUR),
        (CaseCategory.CERTIFICATE, Urgency.NORMAL, SlaTier.DAY),
        (CaseCategory.SOCIAL_INSURANCE_PROXY, Urgency.NORMAL, SlaTier.WEEK),
        (CaseCategory.RETURN_HOME_BUSINESS, Urgency.LOW, SlaTier.MONTH),
    ],
)
def test_category_and_urgency_pick_the_tier(category, urgency, tier):
    assert sla_tier(category, urgency) == tier


def test_every_category_has_a_tier_for_every_urgency_and_more_urgent_is_never_slower():
    assert set(SLA_TABLE) == set(CaseCategory)
    order = list(SlaTier)
    for category in CaseCategory:
        tiers = [sla_tier(category, u) for u in (Urgency.CRITICAL, Urgency.HIGH, Urgency.NORMAL, Urgency.LOW)]
        assert [order.index(t) for t in tiers] == sorted(order.index(t) for t in tiers), category


@pytest.mark.parametrize(
    ("tier", "expected", "label"),
    [
        (SlaTier.QUARTER_HOUR, OPENED + timedelta(minutes=15), "一刻钟办结"),
        (SlaTier.HOUR, datetime(2024, 3, 1, 10, 30, tzinfo=UTC), "一小时办结"),
        (SlaTier.DAY, datetime(2024, 3, 4, 9, 30, tzinfo=UTC), "一天办结"),  # Friday → Monday
        (SlaTier.WEEK, datetime(2024, 3, 8, 9, 30, tzinfo=UTC), "一周办结"),
        (SlaTier.MONTH, datetime(2024, 3, 29, 9, 30, tzinfo=UTC), "一月办结"),  # 20 working days
    ],
)
def test_deadline_is_the_opening_time_plus_the_tier_in_working_days_for_a_day_or_longer(tier, expected, label):
    assert deadline(OPENED, tier) == expected
    assert tier.label == label


def test_a_naive_opening_time_is_refused():
    with pytest.raises(ValueError):
        deadline(datetime(2024, 3, 1, 9, 30), SlaTier.DAY)


def test_categories_carry_their_chinese_labels():
    assert CaseCategory.WAGE_ARREARS.label == "欠薪"
    assert CaseCategory.CERTIFICATE.label == "证明/电子印章"
    assert CaseCategory("left_behind_family").label == "留守老人儿童"
    assert all(c.label for c in CaseCategory)
