"""Public keys from JWKS URLs (an operator's identity provider, Kite's own identity service), cached.

Keys are fetched when first needed and kept for `ttl_s`; a token naming a key id not in the cache
fetches again (a provider that rotated its keys is followed at once), but not more often than every
`min_refetch_s`, so tokens with made-up key ids cannot make Kite hammer the provider. When a refresh
fails the keys already known keep working; with none known the caller gets 503, not 401.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx
import jwt

from kite_common.domain import Unavailable

log = logging.getLogger(__name__)


class JwksKeys:
    def __init__(self, urls: list[str], ttl_s: float = 300, min_refetch_s: float = 10, timeout_s: float = 5) -> None:
        self.urls = urls
        self.ttl_s = ttl_s
        self.min_refetch_s = min_refetch_s
        self.timeout_s = timeout_s
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    def get(self, kid: str) -> jwt.PyJWK | None:
        """The key with this id, if cached (no I/O)."""
        return self._keys.get(kid)

    async def ensure(self, kid: str) -> None:
        """Fetch the key sets when the cache is stale, or when `kid` is unknown and the last fetch is
        not too recent."""
        async with self._lock:
            now = time.monotonic()
            age = None if self._fetched_at is None else now - self._fetched_at
            if age is not None and age < self.ttl_s and (kid in self._keys or age < self.min_refetch_s):
                return
            await self._fetch()

    async def _fetch(self) -> None:
        keys: dict[str, jwt.PyJWK] = {}
        failed = False
        async with httpx.AsyncClient(timeout=self.timeout_s) as client:
            for url in self.urls:
                try:
                    response = await client.get(url, headers={"Accept": "application/json"})
                    response.raise_for_status()
                    keys |= _parse(response.json())
                except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
                    failed = True
                    log.warning("JWKS fetch from %s failed: %s", url, exc)
        if failed and not keys and not self._keys:
            raise Unavailable("暂时无法获取令牌验证公钥，请稍后重试", code="jwks-unavailable")
        if failed:
            keys = self._keys | keys  # keep what is known until the provider answers again
        self._keys = keys
        self._fetched_at = time.monotonic()


def _parse(document: Any) -> dict[str, jwt.PyJWK]:
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWK set")
    out: dict[str, jwt.PyJWK] = {}
    for data in document["keys"]:
        if not isinstance(data, dict) or not data.get("kid") or data.get("use", "sig") != "sig":
            continue
        try:
            out[str(data["kid"])] = jwt.PyJWK(data)
        except jwt.PyJWTError as exc:  # an unsupported key type among good ones is skipped
            log.warning("JWKS key %s skipped: %s", data.get("kid"), exc)
    return out
