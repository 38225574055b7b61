from __future__ import annotations

from kite_common.service import ServiceDefinition

from kite_notify.adapters.projections import PROJECTIONS
from kite_notify.api.broadcasts import router as broadcasts_router
from kite_notify.api.inbox import router as inbox_router
from kite_notify.api.notifications import router as notifications_router
from kite_notify.api.preferences import router as preferences_router
from kite_notify.api.receipts import router as receipts_router
from kite_notify.api.robots import router as robots_router
from kite_notify.api.templates import router as templates_router
from kite_notify.api.webhooks import router as webhooks_router
from kite_notify.consumers.notifications import NOTIFICATIONS
from kite_notify.consumers.organisations import ORGANISATIONS
from kite_notify.domain.events import registry
from kite_notify.workers.deliver_messages import deliver_messages
from kite_notify.workers.deliver_webhooks import deliver_webhooks
from kite_notify.workers.fan_out_broadcasts import fan_out_broadcasts

SERVICE = ServiceDefinition(
    name="notify",
    title="Kite 风筝 · 消息通知 (notify)",
    registry=registry,
    migrations_package="kite_notify.migrations",
    routers=lambda: [
        inbox_router,
        webhooks_router,
        templates_router,
        notifications_router,
        preferences_router,
        broadcasts_router,
        robots_router,
    ],
    public_routers=lambda: [receipts_router],
    projections=PROJECTIONS,
    consumers=(NOTIFICATIONS, ORGANISATIONS),
    workers=(deliver_webhooks, deliver_messages, fan_out_broadcasts),
)
