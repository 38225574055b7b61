from __future__ import annotations

from kite_common.service import ServiceDefinition

from kite_roster.cli import roster_cli
from kite_roster.households.api.households import router as households_router
from kite_roster.households.api.income_ledger import router as income_ledger_router
from kite_roster.importing.api.imports import router as imports_router
from kite_roster.importing.worker import import_worker
from kite_roster.members.api.exports import router as exports_router
from kite_roster.members.api.members import router as members_router
from kite_roster.members.api.personal_numbers import router as personal_numbers_router
from kite_roster.members.api.registration_ledger import router as registration_ledger_router
from kite_roster.members.consumers.case_contact import CASE_CONTACT
from kite_roster.members.consumers.training_skills import TRAINING_SKILLS
from kite_roster.members.workers.contact_check import contact_check_worker
from kite_roster.monitoring.api.cadres import router as cadres_router
from kite_roster.monitoring.api.monitoring import router as monitoring_router
from kite_roster.monitoring.api.monitoring_ledger import router as monitoring_ledger_router
from kite_roster.monitoring.consumers.risk_signals import RISK_SIGNALS
from kite_roster.party.api.organisations import router as organisations_router
from kite_roster.party.api.party import router as party_router
from kite_roster.party.api.party_ledger import router as party_ledger_router
from kite_roster.party.workers.dues_reminders import dues_reminder_worker
from kite_roster.projections import PROJECTIONS
from kite_roster.registry import registry

SERVICE = ServiceDefinition(
    name="roster",
    title="Kite 风筝 · 人员名册 (roster)",
    registry=registry,
    migrations_package="kite_roster.migrations",
    routers=lambda: [
        exports_router,  # before members_router: its /members/{member_id} would take /members/export
        imports_router,
        members_router,
        personal_numbers_router,
        households_router,
        income_ledger_router,
        organisations_router,
        party_router,
        party_ledger_router,
        registration_ledger_router,
        monitoring_router,
        cadres_router,
        monitoring_ledger_router,
    ],
    projections=PROJECTIONS,
    consumers=(CASE_CONTACT, RISK_SIGNALS, TRAINING_SKILLS),
    workers=(contact_check_worker, import_worker, dues_reminder_worker),
    cli=roster_cli,
)
