"""An employer's labour-rights record (劳动权益记录), from casework's wage and injury cases: pure rules.

Jobs reads casework's events (a tolerant reader, `consumers/rights_record.py`) and keeps one row per
wage-arrears (欠薪) or work-injury (工伤) case: the employer it names, whether it is resolved, the
amount claimed and the money recovered, in fen. What an event does to that row, and how an employer's
cases add up, is decided here.

- A case counts from its opening; it is *resolved* once casework resolves it (已办结) and stays so when
  closed, and is open again when an unsatisfied follow-up reopens it.
- Claimed is the latest figure casework holds (a later claim replaces the earlier); recovered adds up
  every recovery entry (relief paid and funds raised are not money the employer paid).
- Outstanding is, per case, what was claimed and not yet recovered (never below zero: a recovery above
  the claim — compensation, interest — does not pay another case's wages), summed over the cases.
- A posting is *marked for staff* when its employer has an unresolved wage-arrears case.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace

RIGHTS_CATEGORIES = frozenset({"wage_arrears", "work_injury"})
WAGE_ARREARS = "wage_arrears"


@dataclass(frozen=True)
class RightsCase:
    case_id: uuid.UUID
    category: str
    employer_id: uuid.UUID | None = None
    employer_credit_code: str | None = None
    resolved: bool = False
    claimed_fen: int = 0
    recovered_fen: int = 0

    @property
    def outstanding_fen(self) -> int:
        return max(self.claimed_fen - self.recovered_fen, 0)


def counts(category: str) -> bool:
    """Whether a case of this category enters an employer's rights record."""
    return category in RIGHTS_CATEGORIES


def claimed(case: RightsCase, amount_fen: int) -> RightsCase:
    return replace(case, claimed_fen=amount_fen)


def recovered(case: RightsCase, kind: str, amount_fen: int) -> RightsCase:
    return replace(case, recovered_fen=case.recovered_fen + amount_fen) if kind == "recovered" else case


def resolved(case: RightsCase) -> RightsCase:
    return replace(case, resolved=True)


def reopened(case: RightsCase) -> RightsCase:
    return replace(case, resolved=False)


@dataclass(frozen=True)
class RightsSummary:
    open_cases: int = 0
    resolved_cases: int = 0
    open_wage_cases: int = 0
    claimed_fen: int = 0
    recovered_fen: int = 0
    outstanding_fen: int = 0

    @property
    def marked(self) -> bool:
        """Postings of this employer are marked for staff: unresolved wage arrears."""
        return self.open_wage_cases > 0


def summarise(cases: Iterable[RightsCase]) -> RightsSummary:
    open_cases = resolved_cases = open_wage = claimed_total = recovered_total = outstanding = 0
    for case in cases:
        if case.resolved:
            resolved_cases += 1
        else:
            open_cases += 1
            if case.category == WAGE_ARREARS:
                open_wage += 1
        claimed_total += case.claimed_fen
        recovered_total += case.recovered_fen
        outstanding += case.outstanding_fen
    return RightsSummary(open_cases, resolved_cases, open_wage, claimed_total, recovered_total, outstanding)
