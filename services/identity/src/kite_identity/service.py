from __future__ import annotations

from kite_common.service import ServiceDefinition

from kite_identity.adapters.client_store import ClientProjection
from kite_identity.api.clients import router as clients_router
from kite_identity.api.token import router as token_router
from kite_identity.cli import cli
from kite_identity.domain.events import registry

SERVICE = ServiceDefinition(
    name="identity",
    title="Kite 风筝 · 客户端身份 (identity)",
    registry=registry,
    migrations_package="kite_identity.migrations",
    routers=lambda: [clients_router],
    public_routers=lambda: [token_router],
    projections=(ClientProjection(),),
    cli=cli,
)
