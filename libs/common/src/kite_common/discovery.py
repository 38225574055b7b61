"""The services installed beside the platform, found through the `kite.services` entry points.

Each service's pyproject declares its ServiceDefinition, e.g.

    [project.entry-points."kite.services"]
    <name> = "<package>.service:SERVICE"

so the platform runs, migrates and documents services without importing any of them by name.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from kite_common.service import ServiceDefinition

GROUP = "kite.services"
# The order `kite up` starts them in and the contract lists them in; services not named here follow
# in name order.
PREFERRED_ORDER = ("roster", "casework", "jobs", "notify")


@cache
def installed_services() -> dict[str, ServiceDefinition]:
    found: dict[str, ServiceDefinition] = {}
    for ep in entry_points(group=GROUP):
        service = ep.load()
        if not isinstance(service, ServiceDefinition):
            raise TypeError(f"entry point {ep.name} = {ep.value} is not a ServiceDefinition")
        if service.name != ep.name:
            raise ValueError(f"entry point {ep.name} declares service {service.name!r}")
        found[service.name] = service

    def rank(name: str) -> tuple[int, str]:
        return (PREFERRED_ORDER.index(name) if name in PREFERRED_ORDER else len(PREFERRED_ORDER), name)

    return {name: found[name] for name in sorted(found, key=rank)}
