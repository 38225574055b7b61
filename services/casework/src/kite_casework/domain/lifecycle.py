"""The vocabulary of a case's life after acceptance: how it was resolved, how the member felt about
it at follow-up (回访), and why it was closed — each with the Chinese label people see."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """办结结果: what the resolution achieved."""

    RESOLVED = "resolved"
    PARTLY_RESOLVED = "partly_resolved"
    UNRESOLVABLE = "unresolvable"

    @property
    def label(self) -> str:
        return {"resolved": "已解决", "partly_resolved": "部分解决", "unresolvable": "无法解决"}[self.value]


class Satisfaction(StrEnum):
    """回访满意度: asked only when the member was reached."""

    SATISFIED = "satisfied"
    NEUTRAL = "neutral"
    UNSATISFIED = "unsatisfied"

    @property
    def label(self) -> str:
        return {"satisfied": "满意", "neutral": "基本满意", "unsatisfied": "不满意"}[self.value]

    @property
    def closes_the_case(self) -> bool:
        """满意 and 基本满意 close the case; 不满意 sends it back to its owner."""
        return self is not Satisfaction.UNSATISFIED


class CloseReason(StrEnum):
    """Why a case was closed (结案): after a satisfied follow-up, or after the member could not be
    reached in the required number of follow-up attempts. There is no other way to close a case."""

    FOLLOW_UP_SATISFIED = "follow_up_satisfied"
    UNREACHABLE = "unreachable"

    @property
    def label(self) -> str:
        return {"follow_up_satisfied": "回访满意", "unreachable": "无法联系"}[self.value]
