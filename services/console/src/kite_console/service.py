"""The console: the web pages county staff work in (a backend-for-frontend of the other services).

It has no events and no business rules of its own: it calls the APIs with the signed-in user's
token and reads the roster, casework and jobs topics to keep open dashboards current.
"""

from __future__ import annotations

from kite_common.events import EventRegistry
from kite_common.service import ServiceDefinition

from kite_console.broadcasts.routes import router as broadcasts_router
from kite_console.cases.routes import router as cases_router
from kite_console.certificates.routes import router as certificates_router
from kite_console.dashboard.routes import router as dashboard_router
from kite_console.home import router as home_router
from kite_console.importing.routes import router as importing_router
from kite_console.jobs.routes import router as jobs_router
from kite_console.members.routes import router as members_router
from kite_console.signin.routes import router as signin_router
from kite_console.web.static import router as static_router

SERVICE = ServiceDefinition(
    name="console",
    title="Kite 风筝 · 工作台 (console)",
    registry=EventRegistry("console"),
    migrations_package="kite_console.migrations",
    routers=lambda: [],
    # The pages authenticate with the session cookie, not a bearer token.
    public_routers=lambda: [
        home_router,
        static_router,
        signin_router,
        members_router,
        cases_router,
        dashboard_router,
        importing_router,
        certificates_router,
        jobs_router,
        broadcasts_router,
    ],
)
