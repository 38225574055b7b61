"""Free text written into a case (its description) must not carry ID or phone numbers into events:
people type them anyway — with full-width or other scripts' digits, with spaces or dashes between
groups — so they are masked before the case is decided (`kite_common.privacy.redaction`)."""

from __future__ import annotations

from kite_common.privacy.redaction import redact_personal_numbers

__all__ = ["redact_personal_numbers"]
