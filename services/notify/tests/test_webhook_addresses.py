"""Webhooks cannot reach inside: refused at subscription (422, Chinese) and again at each delivery,
unless an operator allows the range (the tests' receiver is on loopback: its fixture allows 127.0.0.1)."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from kite_common.ids import new_id
from kite_common.testing.stack import auth, eventually, running
from kite_notify.service import SERVICE

NOTIFIER = auth(["notifier"], "522631")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8001/members",
        "http://localhost/x",
        "http://[::1]/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://0x7f000001/x",
        "http://2130706433/x",
        "http://10.1.2.3/x",
        "http://172.16.0.1/x",
        "http://192.168.0.1/x",
        "http://[fc00::1]/x",
        "http://[fe80::1]/x",
        "http://[::ffff:127.0.0.1]/x",
    ],
)
async def test_a_subscription_to_an_inside_address_is_refused_and_nothing_is_kept(infra, prefix, url, monkeypatch):
    monkeypatch.setenv("KITE_WEBHOOK_ALLOWED_NETWORKS", "")
    async with running(infra, SERVICE, prefix, roles=("api",)) as notify, notify.client(headers=NOTIFIER) as http:
        response = await http.post("/webhooks", json={"url": url})
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["errors"][0]["field"] == "url"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in problem["detail"])
        assert (await http.get("/webhooks")).json()["items"] == []
        assert await notify.pool.fetchval("SELECT count(*) FROM events") == 0


async def _outcomes(svc, n: int) -> list[dict] | None:
    rows = await svc.pool.fetch(
        """SELECT type, data FROM events WHERE type LIKE 'kite.notify.notification-deliver%'
           AND data->>'channel' = 'webhook' ORDER BY position"""
    )
    return [{"type": r["type"].split(".")[2], **r["data"]} for r in rows] if len(rows) >= n else None


async def test_each_delivery_checks_the_address_again(
    infra, prefix, publish, make, webhook_settings, receiver, monkeypatch
):
    """Subscribed while loopback was allowed, by a name (`vm` in /etc/hosts) — delivered to the
    checked address with the name as Host; once the operator closes the range, refused at delivery."""
    try:
        assert socket.gethostbyname("vm") == "127.0.0.1"
    except (OSError, AssertionError):
        pytest.skip("this machine's /etc/hosts has no `vm` for 127.0.0.1")
    url = receiver.url.replace("127.0.0.1", "vm")
    dsn = await infra.fresh_database(SERVICE)
    try:
        async with running(infra, SERVICE, prefix, dsn=dsn) as first:
            async with first.client(headers=NOTIFIER) as http:
                assert (await http.post("/webhooks", json={"url": url})).status_code == 201
            await publish(make.case_opened(new_id()))
            [delivered] = await eventually(lambda: _outcomes(first, 1), timeout=30)
        assert delivered["type"] == "notification-delivered"
        assert receiver.accepted[0].headers["host"] == f"vm:{urlsplit(url).port}"

        monkeypatch.setenv("KITE_WEBHOOK_ALLOWED_NETWORKS", "")  # the operator closes loopback
        posts = len(receiver.posts)
        async with running(infra, SERVICE, prefix, dsn=dsn) as second:
            await publish(make.case_opened(new_id()))
            _, refused = await eventually(lambda: _outcomes(second, 2), timeout=30)
        assert refused["type"] == "notification-delivery-failed"
        assert "内部网络" in refused["error"]
        assert len(receiver.posts) == posts  # nothing was sent
    finally:
        await infra.drop(dsn)
