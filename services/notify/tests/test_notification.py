"""The notification aggregate and the retry schedule (no I/O)."""

from __future__ import annotations

import uuid

from kite_notify.domain.backoff import backoff_delay, total_retry_window
from kite_notify.domain.events import NotificationCreated, NotificationDelivered, NotificationDeliveryFailed
from kite_notify.domain.notification import Draft, Notification, notification_id_for

EVENT_ID = uuid.UUID("01900000-0000-7000-8000-00000000000a")
DRAFT = Draft(uuid.uuid4(), "522631101001", "welcome", "欢迎加入风筝家园", "张三，您好！", "zh-Hans", 1)


def test_the_same_source_event_always_names_the_same_notification():
    assert notification_id_for("/kite/roster", EVENT_ID) == notification_id_for("/kite/roster", EVENT_ID)
    assert notification_id_for("/kite/roster", EVENT_ID) != notification_id_for("/kite/jobs", EVENT_ID)


def test_creating_twice_creates_once_and_in_app_is_delivered_with_it():
    n = Notification(notification_id_for("/kite/roster", EVENT_ID))
    events = n.issue(DRAFT, EVENT_ID, ["in_app", "webhook"])
    assert [type(e) for e in events] == [NotificationCreated, NotificationDelivered]
    assert events[1].channel == "in_app"
    for e in events:
        n.apply(e)
    assert n.issue(DRAFT, EVENT_ID, ["in_app"]) == []


def test_a_webhook_outcome_is_recorded_once_per_subscription():
    n = Notification(uuid.uuid4())
    for e in n.issue(DRAFT, EVENT_ID, ["in_app", "webhook"]):
        n.apply(e)
    sub_a, sub_b = uuid.uuid4(), uuid.uuid4()
    delivered = n.record_delivery("webhook", sub_a, 3)
    assert delivered and delivered[0].attempt == 3
    n.apply(delivered[0])
    assert n.record_delivery("webhook", sub_a, 4) == []  # a retry after a crash
    assert n.record_failure("webhook", sub_a, 5, "HTTP 500") == []  # delivered stays delivered
    failed = n.record_failure("webhook", sub_b, 5, "x" * 2000)
    assert isinstance(failed[0], NotificationDeliveryFailed) and len(failed[0].error) == 500


def test_marking_read_twice_is_one_event():
    n = Notification(uuid.uuid4())
    for e in n.issue(DRAFT, EVENT_ID, ["in_app"]):
        n.apply(e)
    first = n.mark_read("member-1")
    n.apply(first[0])
    assert len(first) == 1 and n.mark_read("member-1") == []


def test_backoff_doubles_from_the_initial_delay_and_is_capped():
    assert [backoff_delay(n, 0.5) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
    assert backoff_delay(30, 0.5) == 300.0
    assert total_retry_window(3, 0.5, 5.0) == 3 * 5.0 + 0.5 + 1.0
