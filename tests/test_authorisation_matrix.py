"""Every secured route × every role (and no token), generated from the route table, so a new route
cannot skip it: without a token the answer is 401; a role the route does not name is refused with
403 `missing-role` before anything else is looked at; a role it names gets past authorisation (its
answer is about the request — 404, 422, 200 — never 401, 403 `missing-role` or a 5xx).

A route declares its roles with `require_roles(...)`. The few that decide in the handler (a member
acting for themself, a `pii-reader`) are listed below with the roles they let through; a route that
does neither fails this test until it is listed. Jurisdiction (own, other, parent area) is checked by
each feature's own tests against real records, where "outside" must look exactly like "missing".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.params import File, Form
from fastapi.routing import APIRoute
from kite_common.auth import Role
from kite_common.discovery import installed_services
from kite_common.http.problems import TYPE_BASE
from kite_common.service import ServiceDefinition
from kite_common.testing.stack import auth, running

COUNTY = "522631"
ROLES = [r.value for r in Role]
# Routes whose handler decides who may act, with the roles that get past it (admin always does).
DECIDED_IN_HANDLER: dict[tuple[str, str, str], frozenset[str]] = {
    ("roster", "POST", "/members/{member_id}/personal-numbers:reveal"): frozenset({"pii-reader"}),
    ("notify", "GET", "/members/{member_id}/inbox"): frozenset(ROLES),
    ("notify", "POST", "/members/{member_id}/inbox/{notification_id}/read"): frozenset(ROLES),
    ("notify", "GET", "/notifications/{notification_id}"): frozenset(ROLES),
    ("notify", "GET", "/notifications/{notification_id}/history"): frozenset(ROLES),
    ("notify", "GET", "/members/{member_id}/preferences"): frozenset(ROLES),
    ("notify", "PUT", "/members/{member_id}/preferences"): frozenset(ROLES),
}


def _declared_roles(dependant: Any) -> frozenset[str] | None:
    for dependency in dependant.dependencies:
        roles = getattr(dependency.call, "allowed_roles", None)
        if roles is not None:
            return frozenset(roles)
        found = _declared_roles(dependency)
        if found is not None:
            return found
    return None


def _routes(service: ServiceDefinition) -> Iterator[tuple[str, str, APIRoute]]:
    for router in service.routers():
        for route in router.routes:
            if isinstance(route, APIRoute):
                for method in sorted(route.methods - {"HEAD"}):
                    yield method, route.path, route


def _path(route: APIRoute) -> str:
    values: dict[str, str] = {}
    for param in route.dependant.path_params:
        annotation = param.field_info.annotation
        if annotation is uuid.UUID:
            values[param.name] = str(uuid.uuid4())
        elif annotation is int or "year" in param.name:
            values[param.name] = "2026"
        else:
            values[param.name] = "52"
    return route.path_format.format(**values)


def _body(route: APIRoute) -> dict[str, Any]:
    if not route.dependant.body_params:
        return {}
    if any(isinstance(p.field_info, File | Form) for p in route.dependant.body_params):
        return {"files": {"file": ("成员.csv", b"name\n", "text/csv")}}
    return {"json": {}}


def _service_names() -> list[str]:
    return [name for name, service in installed_services().items() if any(True for _ in _routes(service))]


@pytest.mark.parametrize("name", _service_names())
async def test_every_route_answers_every_role_as_its_declaration_says(infra, prefix, name):
    service = installed_services()[name]
    wrong: list[str] = []
    async with running(infra, service, prefix, roles=("api",)) as svc, svc.client() as http:
        for method, path, route in _routes(service):
            allowed = _declared_roles(route.dependant)
            if allowed is None:
                allowed = DECIDED_IN_HANDLER.get((name, method, path))
                assert allowed is not None, f"{method} {path} declares no roles: use require_roles or list it here"
            url, body = _path(route), _body(route)
            anonymous = await http.request(method, url, **body)
            if anonymous.status_code != 401:
                wrong.append(f"{method} {path} without a token: {anonymous.status_code}")
            for role in ROLES:
                answer = await http.request(method, url, headers=auth([role], COUNTY), **body)
                refused = answer.status_code == 403 and answer.json().get("type") == TYPE_BASE + "missing-role"
                lets_through = role == "admin" or role in allowed
                if answer.status_code >= 500:
                    wrong.append(f"{method} {path} as {role}: {answer.status_code}")
                elif lets_through and (refused or answer.status_code == 401):
                    wrong.append(f"{method} {path} as {role}: refused ({answer.status_code}), but the route names it")
                elif not lets_through and (name, method, path) in DECIDED_IN_HANDLER:
                    # The handler refuses in its own words; a member reaching another's record
                    # sees it as missing.
                    if answer.status_code not in (403, 404):
                        wrong.append(f"{method} {path} as {role}: {answer.status_code}, expected 403 or 404")
                elif not lets_through and not refused:
                    wrong.append(f"{method} {path} as {role}: {answer.status_code}, expected 403 missing-role")
    assert not wrong, "\n".join(wrong)
