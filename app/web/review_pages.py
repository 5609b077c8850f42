"""Prüfen: the review queue (confirm or correct with one click) and agenda approvals.

A decision on a review item for which a `review-label` run of the municipality waits is
sent to that run as its typed input, exactly as the Prefect UI's form would: the run then
records it. Otherwise it is recorded directly (`tasks.classification.review.decide`, the
same function the command line uses). Agenda approvals resume the paused `prepare-agenda`
run with `AgendaApproval`. Either way the audit trail names the user.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from app.web import queries
from app.web.auth import Identity
from app.web.common import (
    WebContext,
    check_csrf,
    ctx,
    current_user,
    download,
    first,
    in_thread,
    page_number,
    read_form,
    record_event,
    redirect,
    refuse_head,
    render,
)
from app.web.originals import MEDIA_TYPE, is_stored, take_original
from app.web.prefect_gateway import NotFoundError, PrefectRejectedError, PrefectUnavailableError
from connectors.database import tenant_session
from connectors.storage import TenantStorage
from models.accounts import ROLE_REVIEWER
from tasks.classification.review import ReviewError, decide

REVIEW_FLOW = "review-label"
AGENDA_FLOW = "prepare-agenda"


def _queue(web: WebContext, tenant: str, page: int) -> dict[str, Any]:
    size = web.settings.page_size
    with tenant_session(web.engine, tenant) as session:
        items, total = queries.open_reviews(session, offset=(page - 1) * size, limit=size)
        storage = TenantStorage(web.home, tenant)
        for item in items:
            offered = not queries.withheld(session, item["document_id"])
            item["stored"] = offered and is_stored(storage, item["sha256"])
    try:
        agendas = web.gateway.paused_runs(tenant, [AGENDA_FLOW])
        prefect_problem = None
    except PrefectUnavailableError:
        agendas, prefect_problem = [], "Der Prefect-Server ist gerade nicht erreichbar."
    return {
        "items": items,
        "total": total,
        "page": page,
        "pages": max(1, math.ceil(total / size)),
        "agendas": agendas,
        "prefect_problem": prefect_problem,
    }


async def review_queue(request: Request) -> Response:
    """GET /pruefen."""
    web = ctx(request)
    identity = await current_user(request, ROLE_REVIEWER)
    data = await in_thread(_queue, web, identity.tenant, page_number(request))
    notice = request.query_params.get("meldung", "")
    return render(request, "review.html", notice=NOTICES.get(notice), **data)


NOTICES = {
    "bestaetigt": "Der Vorschlag wurde bestätigt.",
    "korrigiert": "Die Kategorie wurde korrigiert.",
    "an-lauf": "Die Entscheidung wurde an den wartenden Lauf übergeben.",
    "freigegeben": "Die Freigabe wurde an den Lauf übergeben.",
    "abgelehnt": "Die Ablehnung wurde an den Lauf übergeben.",
    "bereits": "Dieser Prüfauftrag war schon entschieden.",
}


def _waiting_run(web: WebContext, tenant: str, review_id: int) -> dict[str, Any] | None:
    try:
        runs = web.gateway.paused_runs(tenant, [REVIEW_FLOW])
    except PrefectUnavailableError:
        return None
    for run in runs:
        params = run.get("parameters") or {}
        if params.get("tenant") == tenant and str(params.get("review_id")) == str(review_id):
            return run
    return None


def _decide(web: WebContext, identity: Identity, review_id: int, label: str) -> str:
    """Decide one item; returns the notice key. ReviewError when not allowed."""
    with tenant_session(web.engine, identity.tenant) as session:
        options = queries.open_review_options(session, review_id)
        if options is None:
            raise LookupError(review_id)
        if label not in options:
            raise ReviewError("Diese Kategorie steht nicht zur Wahl.")
    run = _waiting_run(web, identity.tenant, review_id)
    if run is not None:
        web.gateway.resume(
            identity.tenant, run["id"], {"kategorie": label, "bearbeitet_von": identity.username}
        )
        record_event(
            web,
            identity.tenant,
            "review_sent_to_run",
            identity.actor,
            flow_run_id=run["id"],
            review_id=review_id,
            decision=label,
        )
        return "an-lauf"
    with tenant_session(web.engine, identity.tenant) as session:
        result = decide(session, review_id, label, identity.username)
    return "bestaetigt" if result["status"] == "confirmed" else "korrigiert"


async def review_decide(request: Request) -> Response:
    """POST /pruefen/{review_id}: confirm (hidden label) or correct (select) one item."""
    web = ctx(request)
    identity = await current_user(request, ROLE_REVIEWER)
    form = await read_form(request)
    check_csrf(form, identity.csrf_token)
    review_id: int = request.path_params["review_id"]
    try:
        notice = await in_thread(_decide, web, identity, review_id, first(form, "label"))
    except LookupError as exc:  # unknown, foreign or already decided: nothing to show
        if isinstance(exc, ReviewError):
            data = await in_thread(_queue, web, identity.tenant, 1)
            return render(request, "review.html", status_code=422, error=str(exc), **data)
        raise HTTPException(404) from exc
    except PrefectRejectedError as exc:
        data = await in_thread(_queue, web, identity.tenant, 1)
        return render(request, "review.html", status_code=409, error=str(exc), **data)
    web.gateway.forget(identity.tenant)
    return redirect(f"/pruefen?meldung={notice}")


def _numbers(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _send_approval(web: WebContext, identity: Identity, run_id: str, form: dict[str, Any]) -> str:
    """Resume the tenant's paused agenda run with the approval; returns the notice key."""
    from flows.agenda_approval import AgendaApproval, AgendaRunError, resume_agenda

    run = web.gateway.run(identity.tenant, run_id)  # NotFoundError for foreign runs
    if run.get("flow_name") != AGENDA_FLOW:
        raise NotFoundError(run_id)
    approve = first(form, "approve") == "ja"
    approval = AgendaApproval(
        approve=approve,
        make_nonpublic=_numbers(first(form, "make_nonpublic")),
        make_public=_numbers(first(form, "make_public")),
        comment=first(form, "comment"),
        clerk=identity.username,
    )
    try:
        resume_agenda(run["id"], approval, tenant=identity.tenant)
    except AgendaRunError as exc:
        raise PrefectRejectedError(f"Die Freigabe ist nicht möglich: {exc}") from exc
    record_event(
        web,
        identity.tenant,
        "agenda_decision_sent",
        identity.actor,
        flow_run_id=run["id"],
        approved=approve,
    )
    return "freigegeben" if approve else "abgelehnt"


async def agenda_decide(request: Request) -> Response:
    """POST /pruefen/tagesordnung/{flow_run_id}: approve or reject a paused agenda run."""
    web = ctx(request)
    identity = await current_user(request, ROLE_REVIEWER)
    form = await read_form(request)
    check_csrf(form, identity.csrf_token)
    try:
        notice = await in_thread(
            _send_approval, web, identity, request.path_params["flow_run_id"], form
        )
    except NotFoundError as exc:
        raise HTTPException(404) from exc
    except (PrefectRejectedError, ValidationError, ValueError) as exc:
        message = _plain(exc)
        data = await in_thread(_queue, web, identity.tenant, 1)
        return render(request, "review.html", status_code=422, error=message, **data)
    web.gateway.forget(identity.tenant)
    return redirect(f"/pruefen?meldung={notice}")


def _plain(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "Die Angaben zur Freigabe sind unvollständig oder zu lang."
    return str(exc)


def _reviewed(web: WebContext, tenant: str, review_id: int, actor: str) -> tuple[Path, str] | None:
    with tenant_session(web.engine, tenant) as session:
        doc = queries.reviewed_document(session, review_id)
        if doc is None:
            return None
        return take_original(session, web.home, doc, actor, review_id=review_id)


async def download_reviewed(request: Request) -> Response:
    """GET /pruefen/{review_id}/original: the document to decide on, as a download."""
    refuse_head(request)
    web = ctx(request)
    identity = await current_user(request, ROLE_REVIEWER)
    review_id = request.path_params["review_id"]
    found = await in_thread(_reviewed, web, identity.tenant, review_id, identity.actor)
    return download(found, MEDIA_TYPE)
