from __future__ import annotations

from kite_common.service import ServiceDefinition

from kite_jobs.adapters.application_projection import ApplicationProjection
from kite_jobs.adapters.course_projection import CourseProjection
from kite_jobs.adapters.employer_projection import EmployerProjection
from kite_jobs.adapters.fair_projection import FairProjection
from kite_jobs.adapters.match_projection import MatchProjection
from kite_jobs.adapters.placement_projection import PlacementProjection
from kite_jobs.adapters.posting_projection import PostingProjection
from kite_jobs.adapters.return_home_projection import ReturnHomeProjection
from kite_jobs.adapters.seeker_projection import SeekerProjection
from kite_jobs.api.applications import router as applications_router
from kite_jobs.api.courses import router as courses_router
from kite_jobs.api.employers import router as employers_router
from kite_jobs.api.fairs import router as fairs_router
from kite_jobs.api.matches import router as matches_router
from kite_jobs.api.placements import router as placements_router
from kite_jobs.api.postings import router as postings_router
from kite_jobs.api.return_home import router as return_home_router
from kite_jobs.api.seekers import router as seekers_router
from kite_jobs.cli import jobs_cli
from kite_jobs.consumers.household_mirror import HOUSEHOLD_MIRROR
from kite_jobs.consumers.member_projection import MEMBER_PROJECTION
from kite_jobs.consumers.rights_record import RIGHTS_RECORD
from kite_jobs.domain.events import registry
from kite_jobs.workers.follow_ups import follow_up_worker

SERVICE = ServiceDefinition(
    name="jobs",
    title="Kite 风筝 · 就业服务 (jobs)",
    registry=registry,
    migrations_package="kite_jobs.migrations",
    routers=lambda: [
        employers_router,
        postings_router,
        matches_router,
        seekers_router,
        applications_router,
        placements_router,
        courses_router,
        fairs_router,
        return_home_router,
    ],
    projections=(
        EmployerProjection(),
        PostingProjection(),
        MatchProjection(),
        SeekerProjection(),
        ApplicationProjection(),
        PlacementProjection(),
        CourseProjection(),
        FairProjection(),
        ReturnHomeProjection(),
    ),
    consumers=(MEMBER_PROJECTION, HOUSEHOLD_MIRROR, RIGHTS_RECORD),
    workers=(follow_up_worker,),
    cli=jobs_cli,
)
