"""Prozesse: the municipality's deployments as cards, and the start form of each."""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from app.web.common import check_csrf, ctx, current_user, in_thread, read_form, redirect, render
from app.web.param_form import build_fields, parse_form
from app.web.prefect_gateway import NotFoundError, PrefectRejectedError, PrefectUnavailableError
from connectors.database import tenant_session
from models.accounts import ROLE_CLERK
from models.db import AuditEvent
from tasks import audit

#: The form's token for one press of "Lauf starten" (see `PrefectGateway.start_run`):
#: the time it was issued (hex seconds), then chance.
_START_TOKEN = re.compile(r"(?P<issued>[0-9a-f]{8,12})-[A-Za-z0-9_-]{16,48}")
#: A form older than this starts a new run even with the same values: a press from the
#: browser's history is meant as a new one, not as a repeat of yesterday's.
START_TOKEN_TTL_S = 15 * 60


def _new_token() -> str:
    return f"{int(time.time()):x}-{secrets.token_urlsafe(18)}"


def _fresh(token: str) -> bool:
    match = _START_TOKEN.fullmatch(token)
    return match is not None and 0 <= time.time() - int(match["issued"], 16) < START_TOKEN_TTL_S


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
        request,
        "start.html",
        deployment=deployment,
        fields=fields,
        error_list=[],
        problem=None,
        start_token=_new_token(),
    )


def _audit_start(engine: Any, tenant: str, actor: str, run_id: str, flow_name: str) -> None:
    """Record the start once per run (a repeated press returns the run already started).

    Two presses racing past the look-up both insert; the unique index
    `uq_audit_run_started` lets one of them in, and the other has nothing left to record.
    """
    with tenant_session(engine, tenant) as session:
        seen = session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == "run_started", AuditEvent.flow_run_id == run_id
            )
        )
        if seen is None:
            audit.record(session, "run_started", actor=actor, flow_run_id=run_id, flow=flow_name)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()


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
    problem, status, heading = None, 422, "Der Lauf wurde nicht gestartet"
    token = posted.get("start_token", "")
    if not _fresh(token):  # an old form, or tampered: this press on its own
        token = _new_token()
    if not errors:
        try:
            run = await in_thread(
                web.gateway.start_run,
                identity.tenant,
                deployment["id"],
                params,
                request_key=token,
            )
        except PrefectRejectedError as exc:
            problem = f"Der Prefect-Server hat die Eingaben abgelehnt: {exc}"
        except PrefectUnavailableError:
            problem, status, heading = _UNAVAILABLE, 503, "Keine Antwort vom Prefect-Server"
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
        status_code=status,
        deployment=deployment,
        fields=fields,
        error_list=[(f.html_id, f"{f.title}: {f.error}") for f in errors],
        problem=problem,
        problem_heading=heading,
        start_token=token,
    )


_UNAVAILABLE = (
    "Der Prefect-Server antwortet gerade nicht. Bitte klicken Sie in einigen Minuten erneut auf "
    "„Lauf starten“: Falls der Lauf doch schon angelegt wurde, wird er dabei nicht ein zweites "
    "Mal gestartet. Hält die Störung an, informieren Sie den IT-Dienstleister."
)
