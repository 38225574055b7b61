"""The employer a labour case names: a jobs employer id where there is one, or the employer's name
and unified social credit code (统一社会信用代码, checked per GB 32100); and optionally the posting
or placement the case arose from. Here the form is checked (the credit code's check character);
that a jobs employer id exists is checked against casework's employer directory (application).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kite_common.domain import RuleViolation
from kite_common.identifiers.credit_code import InvalidCreditCode, normalise_credit_code

from kite_casework.domain.categories import CaseCategory

LABOUR_CATEGORIES = frozenset({CaseCategory.WAGE_ARREARS, CaseCategory.WORK_INJURY, CaseCategory.LABOUR_DISPUTE})


@dataclass(frozen=True)
class EmployerLink:
    employer_id: uuid.UUID | None = None
    name: str | None = None
    credit_code: str | None = None
    posting_id: uuid.UUID | None = None
    placement_id: uuid.UUID | None = None


def credit_code(raw: str, field: str = "employer.credit_code") -> str:
    try:
        return normalise_credit_code(raw)
    except InvalidCreditCode as exc:
        raise RuleViolation(exc.message, code="invalid-credit-code", field=field) from exc


def employer_link(
    employer_id: uuid.UUID | None,
    name: str | None,
    code: str | None,
    posting_id: uuid.UUID | None = None,
    placement_id: uuid.UUID | None = None,
) -> EmployerLink:
    """A jobs employer id, or the name and a valid credit code (or all three)."""
    name = (name or "").strip() or None
    raw_code = (code or "").strip() or None
    if employer_id is None and raw_code is None:
        raise RuleViolation(
            "请填写用人单位编号，或用人单位名称和统一社会信用代码", code="employer-required", field="employer"
        )
    normalised = credit_code(raw_code) if raw_code is not None else None
    if normalised is not None and name is None:
        raise RuleViolation("填写统一社会信用代码时须填写用人单位名称", code="text-required", field="employer.name")
    return EmployerLink(employer_id, name, normalised, posting_id, placement_id)
