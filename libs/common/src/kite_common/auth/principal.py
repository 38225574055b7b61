"""Who is calling, what they may do, and where: a jurisdiction is a division-code prefix."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_PREFIX = re.compile(r"[0-9]{0,12}")  # ASCII digits only (\d and isdigit also take ١٢ and １２)


class Role(StrEnum):
    ADMIN = "admin"  # everything within the jurisdiction
    REGISTRAR = "registrar"  # roster staff: register and edit members
    CASEWORKER = "caseworker"  # open, accept and handle cases
    EMPLOYMENT = "employment"  # employers, postings, matching
    HR_STATION = "hr-station"  # an out-station HR / employment station (人社驿站): verifies employers
    NOTIFIER = "notifier"  # read and send notifications
    VIEWER = "viewer"  # read only
    MEMBER = "member"  # a registered person acting for themselves
    PII_READER = "pii-reader"  # may read unmasked ID and phone numbers (audited)
    PARTY_AFFAIRS = "party-affairs"  # organisation department: branches, memberships, org life, dues


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[str]
    jurisdiction: str  # "" = the whole country; "52" = a province; "520102" = a county
    name: str = ""
    # A client system's token (OAuth 2.0 `scope`): the services and verbs it may use, as
    # "casework:read", "casework:write", "casework:events". None for a person's token, which only its
    # roles limit.
    scopes: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if not _PREFIX.fullmatch(self.jurisdiction):
            raise ValueError("jurisdiction must be a division-code prefix of at most 12 digits")

    def has_any(self, *roles: str) -> bool:
        return Role.ADMIN in self.roles or any(r in self.roles for r in roles)

    def may(self, service: str, verb: str) -> bool:
        """Whether the token's scopes allow `verb` (read, write, events) on `service`."""
        return self.scopes is None or f"{service}:{verb}" in self.scopes

    def covers(self, division_code: str) -> bool:
        """Whether a place (a 12-digit division code, or a shorter prefix) is inside the jurisdiction."""
        return division_code.startswith(self.jurisdiction)

    @property
    def jurisdiction_like(self) -> str:
        """A LIKE pattern for SQL: rows whose division code starts with the jurisdiction."""
        return self.jurisdiction + "%"
