"""The outbound address guard with the machine's real resolver (`vm` is in /etc/hosts as 127.0.0.1
here; a name that does not resolve is refused at delivery)."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from kite_common.http.outbound import AddressGuard, AddressRefused

INSIDE = [
    "http://127.0.0.1/hook",
    "http://localhost:8001/members",
    "http://api.localhost/x",
    "http://[::1]/x",
    "http://169.254.169.254/latest/meta-data/",
    "http://0x7f000001/x",
    "http://2130706433/x",
    "http://0177.0.0.1/x",
    "http://127.1/x",
    "http://10.0.0.8/x",
    "http://172.16.5.4/x",
    "http://172.31.255.255/x",
    "http://192.168.1.1/x",
    "http://100.100.100.200/x",  # a cloud's metadata address in the shared range
    "http://0.0.0.0/x",
    "http://[fc00::1]/x",
    "http://[fd00:ec2::254]/x",
    "http://[fe80::1]/x",
    "http://[::ffff:127.0.0.1]/x",
    "http://[::ffff:a9fe:a9fe]/x",
    "http://[::]/x",
    "http://224.0.0.1/x",
]


def _resolves(name: str) -> bool:
    try:
        return any(ipaddress.ip_address(i[4][0]).is_loopback for i in socket.getaddrinfo(name, 80))
    except socket.gaierror:
        return False


@pytest.mark.parametrize("url", INSIDE)
async def test_an_address_inside_or_written_unusually_is_refused(url):
    with pytest.raises(AddressRefused) as refused:
        await AddressGuard().pin(url)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(refused.value))  # said in Chinese


async def test_a_name_that_resolves_inside_is_refused_and_one_that_does_not_resolve_only_at_delivery():
    if not _resolves("vm"):
        pytest.skip("this machine's /etc/hosts has no `vm`")
    with pytest.raises(AddressRefused, match="内部网络"):
        await AddressGuard().check("http://vm:8080/hook")
    unknown = "https://no-such-host.invalid/hook"
    assert await AddressGuard().check(unknown, allow_unresolved=True) is None
    with pytest.raises(AddressRefused, match="无法解析"):
        await AddressGuard().pin(unknown)


async def test_a_public_address_passes_and_an_allowed_range_opens_only_itself():
    assert (await AddressGuard().pin("https://93.184.216.34/hook")).url == "https://93.184.216.34/hook"
    guard = AddressGuard.of("127.0.0.1/32, 10.20.0.0/16")
    assert str(await guard.check("http://127.0.0.1:9/x")) == "127.0.0.1"
    assert await guard.check("http://[::ffff:10.20.3.4]/x") == ipaddress.ip_address("::ffff:10.20.3.4")
    for still_refused in ("http://127.0.0.2/x", "http://10.21.0.1/x", "http://169.254.169.254/", "http://0x7f000001/"):
        with pytest.raises(AddressRefused):
            await guard.check(still_refused)


async def test_a_request_is_pinned_to_the_checked_address_and_keeps_the_name_for_host_and_tls():
    if not _resolves("vm"):
        pytest.skip("this machine's /etc/hosts has no `vm`")
    guard = AddressGuard.of("127.0.0.0/8")
    pinned = await guard.pin("https://vm:8443/hooks/kite?x=1")
    assert pinned.url == "https://127.0.0.1:8443/hooks/kite?x=1"
    assert pinned.headers == {"Host": "vm:8443"} and pinned.extensions == {"sni_hostname": "vm"}
    plain = await guard.pin("http://vm/hook")
    assert (plain.url, plain.headers, plain.extensions) == ("http://127.0.0.1/hook", {"Host": "vm"}, {})


def test_a_bad_allowed_network_setting_is_an_error_not_silence():
    with pytest.raises(ValueError):
        AddressGuard.of("10.0.0.0/33")
