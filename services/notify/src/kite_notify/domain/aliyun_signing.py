"""Aliyun's RPC-style request signature (SignatureVersion 1.0, HMAC-SHA1), as its SMS API (dysmsapi,
version 2017-05-25) checks it. Pure.

StringToSign = METHOD & percent("/") & percent(canonical query), where the canonical query is the
parameters sorted by name, each `percent(name)=percent(value)` joined by `&`, and percent() is RFC 3986
encoding (only A–Z a–z 0–9 - _ . ~ stay; a space is %20). The signature is base64 of HMAC-SHA1 keyed
with `AccessKeySecret + "&"`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote


def percent(value: str) -> str:
    return quote(value, safe="~")


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    canonical = "&".join(f"{percent(k)}={percent(v)}" for k, v in sorted(params.items()))
    return f"{method}&{percent('/')}&{percent(canonical)}"


def sign(secret: str, method: str, params: Mapping[str, str]) -> str:
    mac = hmac.new(f"{secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()
