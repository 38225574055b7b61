"""Tencent Cloud API 3.0 request signature (TC3-HMAC-SHA256), as its SMS API (sms, 2021-01-11)
checks it. Pure.

CanonicalRequest = POST \\n / \\n (empty query) \\n canonical headers \\n signed headers \\n
SHA256(payload); StringToSign = "TC3-HMAC-SHA256" \\n timestamp \\n date/service/tc3_request \\n
SHA256(CanonicalRequest); the key is derived HMAC("TC3"+SecretKey, date) → service → "tc3_request".
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def authorization(secret_id: str, secret_key: str, service: str, host: str, timestamp: int, payload: bytes) -> str:
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical_headers = f"content-type:{CONTENT_TYPE.lower()}\nhost:{host.lower()}\n"  # values in lower case
    signed_headers = "content-type;host"
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, signed_headers, hashlib.sha256(payload).hexdigest()]
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join([ALGORITHM, str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
