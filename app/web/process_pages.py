"""Prozesse: the municipality's deployments as cards, and the start form of each."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from app.web.common import check_csrf, ctx, current_user, in_thread, read_form, redirect, render
from app.web.param_form import build_fields, parse_form
from app.web.prefect_gateway import NotFoundError, PrefectRejectedError
from connectors.database import tenant_session
from models.accounts import ROLE_CLERK
from tasks import audit


async def process_list(request: Request) -> Response:
    """GET /prozesse."""
    identity = await current_user(request, ROLE_CLERK)
    deployments = await in_thread(ctx(request).gateway.deployments, identity.tenant)
    return render(request, "processes.html", deployments=deployments)


async def _deployment(request: Request, tenant: str) -> dict[str, Any]:
    try:
        found: dict[str, Any] = await in_thread(
            ctx(request).gateway.deployment, tenant, request.path_params["deployment_id"]
        )
    except NotFoundError as exc:
        raise HTTPException(404) from exc
    return found


def _schema(deployment: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = deployment.get("parameter_openapi_schema") or {}
    return schema


async def start_form(request: Request) -> Response:
    """GET /prozesse/{deployment_id}/starten."""
    identity = await current_user(request, ROLE_CLERK)
    deployment = await _deployment(request, identity.tenant)
    fields = build_fields(_schema(deployment), deployment.get("parameters") or {})
    return render(
        request, "start.html", deployment=deployment, fields=fields, error_list=[], problem=None
    )


def _audit_start(engine: Any, tenant: str, actor: str, run_id: str, flow_name: str) -> None:
    with tenant_session(engine, tenant) as session:
        audit.record(session, "run_started", actor=actor, flow_run_id=run_id, flow=flow_name)
        session.commit()


async def start_submit(request: Request) -> Response:
    """POST /prozesse/{deployment_id}/starten: validate in German, then start via the API."""
    web = ctx(request)
    identity = await current_user(request, ROLE_CLERK)
    form = await read_form(request)
    check_csrf(form, identity.csrf_token)
    deployment = await _deployment(request, identity.tenant)
    posted = {name: values[0] for name, values in form.items() if values}
    fields = build_fields(_schema(deployment), deployment.get("parameters") or {}, posted)
    params = parse_form(fields, posted)
    errors = [f for f in fields if f.error]
    problem = None
    if not errors:
        try:
            run = await in_thread(web.gateway.start_run, identity.tenant, deployment["id"], params)
        except PrefectRejectedError as exc:
            problem = f"Der Prefect-Server hat die Eingaben abgelehnt: {exc}"
        else:
            await in_thread(
                _audit_start,
                web.engine,
                identity.tenant,
                identity.actor,
                run["id"],
                deployment["flow_name"],
            )
            web.gateway.forget(identity.tenant)  # the clerk's lists show the new run at once
            return redirect(f"/laeufe/{run['id']}")
    return render(
        request,
        "start.html",
        status_code=422,
        deployment=deployment,
        fields=fields,
        error_list=[(f.html_id, f"{f.title}: {f.error}") for f in errors],
        problem=problem,
    )
