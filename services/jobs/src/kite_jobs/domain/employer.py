"""The employer aggregate: pure decisions, no I/O."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import ClassVar

from kite_common.domain import Aggregate
from kite_common.events import EventPayload

from kite_jobs.domain.events import EmployerRegistered
from kite_jobs.domain.rules import EmployerRuleViolation, is_division_code

# GB 32100-2015: 18 characters from digits and capital letters without I, O, Z, S, V.
_USCC = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def normalise_uscc(raw: str | None) -> str | None:
    """Validate a unified social credit code by format; None or blank means not given."""
    if raw is None or not raw.strip():
        return None
    value = raw.strip().upper()
    if not _USCC.match(value):
        raise EmployerRuleViolation(
            "统一社会信用代码应为18位数字或大写字母（不含 I、O、Z、S、V）", "unified_social_credit_code"
        )
    return value


@dataclass(frozen=True)
class EmployerDetails:
    name: str
    city: str
    area_division_code: str
    unified_social_credit_code: str | None = None
    contact_name: str | None = None


@dataclass
class Employer(Aggregate):
    stream_prefix: ClassVar[str] = "employer"
    label: ClassVar[str] = "该用人单位"

    employer_id: uuid.UUID
    registered: bool = False
    name: str = ""
    unified_social_credit_code: str | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.employer_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, EmployerRegistered):
            self.registered = True
            self.name = event.name
            self.unified_social_credit_code = event.unified_social_credit_code

    def register(self, details: EmployerDetails, registered_by: str) -> list[EventPayload]:
        if self.registered:
            raise EmployerRuleViolation("该用人单位已登记")
        name = details.name.strip()
        city = details.city.strip()
        if not name:
            raise EmployerRuleViolation("单位名称不能为空", "name")
        if not city:
            raise EmployerRuleViolation("所在城市不能为空", "city")
        if not is_division_code(details.area_division_code):
            raise EmployerRuleViolation("所在地应为12位统计用区划代码", "area_division_code")
        registered = EmployerRegistered(
            employer_id=self.employer_id,
            name=name,
            unified_social_credit_code=normalise_uscc(details.unified_social_credit_code),
            city=city,
            area_division_code=details.area_division_code,
            contact_name=(details.contact_name or "").strip() or None,
            registered_by=registered_by,
        )
        self._record(registered)
        return [registered]
