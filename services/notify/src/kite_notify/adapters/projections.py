"""notify's read models, applied inline by every write and replayed by a rebuild."""

from __future__ import annotations

from kite_common.projection import Projection

from kite_notify.adapters.inbox_projection import InboxProjection
from kite_notify.adapters.status_projection import StatusProjection
from kite_notify.adapters.subscription_projection import SubscriptionProjection

PROJECTIONS: tuple[Projection, ...] = (InboxProjection(), SubscriptionProjection(), StatusProjection())
