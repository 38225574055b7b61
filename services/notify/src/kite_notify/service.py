from __future__ import annotations

from kite_common.messaging.consumer import ConsumerSpec
from kite_common.service import ServiceDefinition

from kite_notify.adapters.projections import PROJECTIONS
from kite_notify.api.inbox import router as inbox_router
from kite_notify.api.webhooks import router as webhooks_router
from kite_notify.application.deliver_webhooks import deliver_webhooks
from kite_notify.application.notify_on_event import notify_on_event
from kite_notify.domain.events import registry

SERVICE = ServiceDefinition(
    name="notify",
    title="Kite 风筝 · 消息通知 (notify)",
    registry=registry,
    migrations_package="kite_notify.migrations",
    routers=lambda: [inbox_router, webhooks_router],
    projections=PROJECTIONS,
    consumers=(
        ConsumerSpec(
            "notifications", ("roster", "casework", "jobs"), lambda uow, event: notify_on_event(uow.conn, event)
        ),
    ),
    workers=(lambda runtime, stop: deliver_webhooks(runtime.pool, stop),),
)
