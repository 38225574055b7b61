"""Household priority (就业帮扶优先): who comes first when a posting is matched. Pure, no I/O.

The Heshun aim is that every 建档立卡 household has someone at work, and 防返贫监测 households are
watched for the same reason. So matching ORDERS candidates first by this tier, and only then by score:
1. members of a poverty-registered (建档立卡) or monitored (防返贫监测) household in which nobody is
   employed;
2. members of such a household with exactly one earner;
3. everyone else (other households, households with two or more earners, members of no known household).
A tier-1 member with a low score comes before a tier-3 member with a perfect one: this is a policy,
not a tie-breaker. "Employed" means roster records an employer for the member, or jobs holds a
placement of theirs that has not ended; a deregistered member counts for nobody.
"""

from __future__ import annotations

from enum import IntEnum


class Priority(IntEnum):
    NOBODY_EMPLOYED = 1
    ONE_EARNER = 2
    OTHERS = 3

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Priority.NOBODY_EMPLOYED: "建档立卡/监测户，家中无人就业",
    Priority.ONE_EARNER: "建档立卡/监测户，家中仅一人就业",
    Priority.OTHERS: "其他",
}


def household_priority(priority_household: bool, earners: int) -> Priority:
    """The tier of a member whose household is (or is not) poverty-registered or monitored and has
    `earners` members employed."""
    if not priority_household:
        return Priority.OTHERS
    if earners == 0:
        return Priority.NOBODY_EMPLOYED
    if earners == 1:
        return Priority.ONE_EARNER
    return Priority.OTHERS
