"""Outbound requests to addresses someone else chose (webhook URLs): refuse the inside.

A URL is refused when its host is written in an unusual way (`0x7f000001`, `2130706433`,
`0177.0.0.1`, `127.1`: forms resolvers accept and address checks miss), is `localhost`, or resolves
to any address that is not public — loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7),
link-local (169.254/16 with the cloud metadata address, fe80::/10), shared (100.64/10),
unspecified, multicast or reserved; an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) is judged as
the IPv4 address it carries. An operator may open ranges (`KITE_WEBHOOK_ALLOWED_NETWORKS`, CIDRs
separated by commas), e.g. a receiver on the same private network.

Checking at subscription is not enough, since DNS can change: `AddressGuard.pin` resolves again
before each request and returns the URL rewritten to the checked address (the host name kept in
the Host header and in TLS SNI, so certificates are still verified against it), so the request goes
where the check looked and a second resolution cannot send it elsewhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class AddressRefused(ValueError):
    """The URL points inside (or cannot be checked); the message is for people (Chinese)."""


def parse_networks(text: str | None) -> tuple[IPNetwork, ...]:
    """`10.1.0.0/16, 127.0.0.1` → networks; a bad entry raises ValueError (a setting to fix)."""
    if not text:
        return ()
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def _unmapped(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_public(ip: IPAddress) -> bool:
    ip = _unmapped(ip)
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def _literal(host: str) -> IPAddress | None:
    """The host as an IP address when it is written as one in the standard form; refuses the
    other numeric forms resolvers accept."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    if all(_NUMERIC_LABEL.match(label) for label in labels if label) or _NUMERIC_LABEL.match(labels[-1]):
        raise AddressRefused(
            "回调地址的主机写法不规范（如十六进制、十进制整数或缩写的 IP 地址），请使用域名或标准 IP 地址"
        )
    return None


@dataclass(frozen=True)
class PinnedRequest:
    """Where to send the request: the URL with the checked address, and what keeps the name."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AddressGuard:
    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def of(cls, allowed: str | Iterable[IPNetwork] | None) -> AddressGuard:
        return cls(parse_networks(allowed) if isinstance(allowed, str) or allowed is None else tuple(allowed))

    def permits(self, ip: IPAddress) -> bool:
        ip = _unmapped(ip)
        return is_public(ip) or any(ip.version == n.version and ip in n for n in self.allowed)

    async def check(self, url: str, allow_unresolved: bool = False) -> IPAddress | None:
        """The address the URL's host resolves to, if it and every other it resolves to are permitted.
        With `allow_unresolved` (at subscription: the receiver's name may not exist yet, and every
        delivery checks again) a name that does not resolve passes, giving None."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if not host:
            raise AddressRefused("回调地址缺少主机名")
        if host == "localhost" or host.endswith(".localhost"):
            raise AddressRefused("回调地址不能指向本机")
        literal = _literal(host)
        if literal is not None:
            addresses: list[IPAddress] = [literal]
        else:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, parts.port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP
                )
            except (socket.gaierror, UnicodeError) as exc:
                if allow_unresolved:
                    return None
                raise AddressRefused("回调地址的主机名无法解析") from exc
            addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
            if not addresses:
                raise AddressRefused("回调地址的主机名无法解析")
        refused = [ip for ip in addresses if not self.permits(ip)]
        if refused:
            raise AddressRefused("回调地址指向内部网络、本机或云平台元数据地址，不允许推送到该地址")
        return addresses[0]

    async def pin(self, url: str) -> PinnedRequest:
        """Checks the URL now and returns the request that goes to the checked address."""
        ip = await self.check(url)
        assert ip is not None
        parts = urlsplit(url)
        host = parts.hostname or ""
        if _literal_or_none(host) is not None:
            return PinnedRequest(url)
        address = f"[{ip}]" if ip.version == 6 else str(ip)
        netloc = f"{address}:{parts.port}" if parts.port else address
        host_header = f"{host}:{parts.port}" if parts.port else host
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        return PinnedRequest(
            urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), {"Host": host_header}, extensions
        )


def _literal_or_none(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
