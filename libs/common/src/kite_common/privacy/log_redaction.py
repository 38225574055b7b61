"""No national ID number or mobile phone number reaches a log line.

Some reach a process in places it logs by itself: the query string of an access log line
(`GET /members?id_number=…`), an error message quoting a value. Every log record is masked when it is
made — its message with its arguments filled in — whatever logger made it, so a handler added later
(or pytest's) never sees the number whole. The masks are the ones responses use.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from kite_common.privacy.masking import mask_id_number, mask_phone

# 18-character resident ID (17 digits and a digit or X) and mainland mobile numbers, standing alone
# (not inside a longer run of digits); full-width digits are not in log lines of ours.
_ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def redact(text: str) -> str:
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group()), text)
    return _PHONE.sub(lambda m: mask_phone(m.group()), text)


_installed = False


def protect_logs() -> None:
    """Mask personal numbers in every log record from now on (idempotent)."""
    global _installed
    if _installed:
        return
    make_record: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its message: leave it to the handler
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return record

    logging.setLogRecordFactory(masked_record)
    _installed = True
