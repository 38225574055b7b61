"""E-seal certificates for a case's member: pick a template, fill its fields, casework signs it;
the certificate's page shows the signed text and its PDF."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse

from kite_console.web.api import Apis, Problem
from kite_console.web.forms import field_errors, text
from kite_console.web.pages import ApisDep, ConsoleRoute, FormSessionDep, SessionDep, render
from kite_console.web.sessions import Session

router = APIRouter(route_class=ConsoleRoute)


async def _form_context(session: Session, apis: Apis, case_id: uuid.UUID, template: str | None) -> dict[str, Any]:
    case = await apis.get("casework", f"/cases/{case_id}", session.token)
    templates = (await apis.get("casework", "/certificates/templates", session.token)).data
    chosen = next((t for t in templates if t["code"] == template), templates[0] if templates else None)
    return {"case": case.data, "templates": templates, "chosen": chosen, "values": {}, "errors": {}, "problem": None}


@router.get("/cases/{case_id}/certificates/new", include_in_schema=False)
async def new_certificate(
    request: Request,
    case_id: uuid.UUID,
    session: SessionDep,
    apis: ApisDep,
    template: Annotated[str | None, Query(max_length=50)] = None,
) -> Response:
    return render(request, "certificates/new.html", await _form_context(session, apis, case_id, template))


@router.post("/cases/{case_id}/certificates/new", include_in_schema=False)
async def issue(request: Request, case_id: uuid.UUID, session: FormSessionDep, apis: ApisDep) -> Response:
    form = await request.form()
    context = await _form_context(session, apis, case_id, text(form, "template"))
    fields = {f["name"]: text(form, f"field_{f['name']}") for f in (context["chosen"] or {}).get("fields", [])}
    answer = await apis.call(
        "casework",
        "POST",
        "/certificates",
        session.token,
        json={
            "member_id": context["case"]["member_id"],
            "template": text(form, "template"),
            "office_name": text(form, "office_name"),
            "fields": fields,
            "case_id": str(case_id),
        },
    )
    if isinstance(answer, Problem):
        values = {"office_name": text(form, "office_name"), **{f"field_{k}": v for k, v in fields.items()}}
        # A template field's error comes as `fields.<name>`: it belongs next to that field's input.
        errors = {k: v for k, v in field_errors(answer).items() if k != "fields"}
        errors.update({f"field_{k[7:]}": v for k, v in answer.errors.items() if k.startswith("fields.")})
        context.update(values=values, errors=errors, problem=answer)
        return render(request, "certificates/new.html", context, status_code=answer.status)
    return RedirectResponse(f"/certificates/{answer.data['certificate_id']}", status_code=303)


@router.get("/certificates/{certificate_id}", include_in_schema=False)
async def certificate_page(request: Request, certificate_id: uuid.UUID, session: SessionDep, apis: ApisDep) -> Response:
    certificate = await apis.get("casework", f"/certificates/{certificate_id}", session.token)
    return render(request, "certificates/certificate.html", {"certificate": certificate.data})


@router.get("/certificates/{certificate_id}/pdf", include_in_schema=False)
async def certificate_pdf(request: Request, certificate_id: uuid.UUID, session: SessionDep, apis: ApisDep) -> Response:
    context = apis.download("casework", f"/certificates/{certificate_id}/pdf", session.token)
    response = await context.__aenter__()

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in response.aiter_bytes():
                yield chunk
        finally:
            await context.__aexit__(None, None, None)

    return StreamingResponse(
        body(),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="certificate-{certificate_id}.pdf"'},
    )
