from __future__ import annotations

from kite_common.service import ServiceDefinition

from kite_casework.adapters.case_details_projection import CaseDetailsProjection
from kite_casework.adapters.case_projection import CaseProjection
from kite_casework.adapters.case_timeline import CaseTimelineProjection
from kite_casework.adapters.sla_clock import SlaClockProjection
from kite_casework.api.case_details import router as case_details_router
from kite_casework.api.cases import router as cases_router
from kite_casework.certificates.adapters.projection import CertificateProjection
from kite_casework.certificates.api.certificates import router as certificates_router
from kite_casework.certificates.api.verification import router as certificate_verification_router
from kite_casework.consumers.employer_directory import EMPLOYER_DIRECTORY
from kite_casework.consumers.escalation_offices import ESCALATION_OFFICES
from kite_casework.consumers.follow_up_problems import FOLLOW_UP_PROBLEMS
from kite_casework.consumers.member_directory import MEMBER_DIRECTORY
from kite_casework.domain.events import registry
from kite_casework.ledger.adapters.projection import ServiceLedgerProjection
from kite_casework.ledger.api.case_statuses import router as case_statuses_router
from kite_casework.ledger.api.proxy_ledger import router as proxy_ledger_router
from kite_casework.ledger.api.service_ledger import router as service_ledger_router
from kite_casework.workers.deadline_watch import deadline_watch_worker
from kite_casework.workers.idempotency_purge import idempotency_purge_worker
from kite_casework.workers.referral_watch import referral_watch_worker

SERVICE = ServiceDefinition(
    name="casework",
    title="Kite 风筝 · 诉求办理 (casework)",
    registry=registry,
    migrations_package="kite_casework.migrations",
    routers=lambda: [
        cases_router,
        case_details_router,
        certificates_router,
        service_ledger_router,
        case_statuses_router,
        proxy_ledger_router,
    ],
    public_routers=lambda: [certificate_verification_router],
    projections=(
        CaseProjection(),
        CaseTimelineProjection(),
        CertificateProjection(),
        CaseDetailsProjection(),
        SlaClockProjection(),
        ServiceLedgerProjection(),
    ),
    consumers=(MEMBER_DIRECTORY, EMPLOYER_DIRECTORY, ESCALATION_OFFICES, FOLLOW_UP_PROBLEMS),
    workers=(deadline_watch_worker, referral_watch_worker, idempotency_purge_worker),
)
