"""The employer aggregate (用人单位): pure decisions, no I/O.

An employer is kept by a jurisdiction (`area_division_code`, where staff registered it) and hires in a
place (`hiring_division_code`). Its unified social credit code is checked per GB 32100 (check
character included). Contacts' phones never enter an event: the aggregate decides on the contacts,
the application stores the phones encrypted under the contact ids the event carries. An HR station
(role hr-station) marks the employer verified, once.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from kite_common.domain import Aggregate
from kite_common.events import EventPayload
from kite_common.identifiers.credit_code import InvalidCreditCode, normalise_credit_code

from kite_jobs.domain.events import EmployerContact, EmployerRegisteredV2, EmployerVerified
from kite_jobs.domain.rules import EmployerRuleViolation, is_division_code

MAX_CONTACTS = 10
# An 11-digit run is a phone number or part of an ID number: never let one into an event.
_PERSONAL_NUMBER = re.compile(r"[0-9]{11,}")
# A mainland mobile number, or a landline with its area code (0571-88886666).
_PHONE = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")


@dataclass(frozen=True)
class ContactDetails:
    name: str
    phone: str = field(repr=False)
    role: str | None = None


@dataclass(frozen=True)
class EmployerDetails:
    name: str
    unified_social_credit_code: str
    hiring_division_code: str
    area_division_code: str
    industry: str | None = None
    contacts: Sequence[ContactDetails] = ()


@dataclass(frozen=True)
class SealedContact:
    """A decided contact with the phone the application stores encrypted (never in the event)."""

    contact_id: uuid.UUID
    phone: str = field(repr=False)


def _text(value: str | None, field_name: str, label: str, most: int, required: bool = False) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise EmployerRuleViolation(f"请填写{label}", field_name)
        return None
    if len(text) > most:
        raise EmployerRuleViolation(f"{label}不超过{most}个字", field_name)
    if _PERSONAL_NUMBER.search(text):
        raise EmployerRuleViolation(f"{label}中不应包含身份证号或手机号", field_name)
    return text


def normalise_phone(raw: str, field_name: str) -> str:
    phone = re.sub(r"[\s()（）]", "", raw)
    if not _PHONE.match(phone):
        raise EmployerRuleViolation("联系电话应为11位手机号或带区号的固定电话", field_name)
    return phone


@dataclass
class Employer(Aggregate):
    stream_prefix: ClassVar[str] = "employer"
    label: ClassVar[str] = "该用人单位"

    employer_id: uuid.UUID
    registered: bool = False
    name: str = ""
    unified_social_credit_code: str | None = None
    area_division_code: str = ""
    hiring_division_code: str = ""
    verified: bool = False

    @property
    def id(self) -> uuid.UUID:
        return self.employer_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, EmployerRegisteredV2):
            self.registered = True
            self.name = event.name
            self.unified_social_credit_code = event.unified_social_credit_code
            self.area_division_code = event.area_division_code
            self.hiring_division_code = event.hiring_division_code
        elif isinstance(event, EmployerVerified):
            self.verified = True

    def register(
        self, details: EmployerDetails, registered_by: str, contact_ids: Sequence[uuid.UUID]
    ) -> list[SealedContact]:
        """Decide the registration; returns the contacts' phones for the application to seal."""
        if self.registered:
            raise EmployerRuleViolation("该用人单位已登记")
        name = _text(details.name, "name", "单位名称", 100, required=True)
        try:
            uscc = normalise_credit_code(details.unified_social_credit_code)
        except InvalidCreditCode as exc:
            raise EmployerRuleViolation(exc.message, "unified_social_credit_code", code="invalid-credit-code") from exc
        if not is_division_code(details.hiring_division_code):
            raise EmployerRuleViolation("招工地应为12位统计用区划代码", "hiring_division_code")
        if not is_division_code(details.area_division_code):
            raise EmployerRuleViolation("登记地应为12位统计用区划代码", "area_division_code")
        if len(details.contacts) > MAX_CONTACTS:
            raise EmployerRuleViolation(f"联系人最多{MAX_CONTACTS}名", "contacts")
        contacts: list[EmployerContact] = []
        sealed: list[SealedContact] = []
        for i, (c, cid) in enumerate(zip(details.contacts, contact_ids, strict=True)):
            contact_name = _text(c.name, f"contacts.{i}.name", "联系人姓名", 50, required=True)
            assert contact_name is not None
            contacts.append(
                EmployerContact(contact_id=cid, name=contact_name, role=_text(c.role, f"contacts.{i}.role", "职务", 50))
            )
            sealed.append(SealedContact(cid, normalise_phone(c.phone, f"contacts.{i}.phone")))
        assert name is not None
        self._record(
            EmployerRegisteredV2(
                employer_id=self.employer_id,
                name=name,
                unified_social_credit_code=uscc,
                industry=_text(details.industry, "industry", "所属行业", 50),
                hiring_division_code=details.hiring_division_code,
                area_division_code=details.area_division_code,
                contacts=contacts,
                registered_by=registered_by,
            )
        )
        return sealed

    def verify(self, verified_by: str, note: str | None) -> list[EventPayload]:
        """Verifying an employer already verified changes nothing (a retried request is safe)."""
        if not self.registered:
            raise EmployerRuleViolation("该用人单位尚未登记")
        if self.verified:
            return []
        return self._record(
            EmployerVerified(
                employer_id=self.employer_id, verified_by=verified_by, note=_text(note, "note", "核验说明", 200)
            )
        )
