from __future__ import annotations

from kite_common.service import ServiceDefinition

from kite_roster.adapters.member_projection import MemberProjection
from kite_roster.api.members import router as members_router
from kite_roster.cli import roster_cli
from kite_roster.domain.events import registry

SERVICE = ServiceDefinition(
    name="roster",
    title="Kite 风筝 · 人员名册 (roster)",
    registry=registry,
    migrations_package="kite_roster.migrations",
    routers=lambda: [members_router],
    projections=(MemberProjection(),),
    cli=roster_cli,
)
