"""Läufe: the municipality's runs, one run with its results, and document downloads."""

from __future__ import annotations

import asyncio
import json
import math
from itertools import zip_longest
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from app.web import queries
from app.web.agenda_files import find_output, run_outputs
from app.web.common import (
    ctx,
    current_user,
    download,
    in_thread,
    page_number,
    record_event,
    refuse_head,
    render,
)
from app.web.markdown_view import blocks
from app.web.prefect_gateway import NotFoundError
from app.web.run_text import FINAL, explain_failure
from connectors.database import tenant_session
from connectors.storage import PathEscapeError, TenantStorage
from models.accounts import ROLE_CLERK, ROLE_REVIEWER
from tasks import audit

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def run_list(request: Request) -> Response:
    """GET /laeufe?seite=N."""
    web = ctx(request)
    identity = await current_user(request, ROLE_CLERK, ROLE_REVIEWER)
    page = page_number(request)
    size = web.settings.page_size
    total, runs = await asyncio.gather(
        in_thread(web.gateway.count_runs, identity.tenant),
        in_thread(web.gateway.list_runs, identity.tenant, offset=(page - 1) * size, limit=size),
    )
    pages = max(1, math.ceil(total / size))
    return render(request, "runs.html", runs=runs, total=total, page=page, pages=pages)


def _run_documents(engine: Any, tenant: str, run_id: str) -> tuple[list[Any], int]:
    with tenant_session(engine, tenant) as session:
        return (
            queries.cases_of_run(session, run_id),
            queries.count_cases_of_run(session, run_id),
        )


def artifact_view(artifact: dict[str, Any]) -> dict[str, Any]:
    """An artifact as title plus either a table (headers, rows) or text."""
    title = str(artifact.get("description") or artifact.get("key") or "Ergebnis")
    title = title.splitlines()[0].lstrip("# ").strip() or "Ergebnis"
    data = artifact.get("data")
    if artifact.get("type") == "table":
        table = json.loads(data) if isinstance(data, str) else data
        if isinstance(table, list) and table and all(isinstance(r, dict) for r in table):
            headers = list(dict.fromkeys(k for r in table for k in r))
            rows = [[r.get(h, "") for h in headers] for r in table]
            return {"title": title, "headers": headers, "rows": rows, "text": ""}
        if isinstance(table, dict) and table:
            headers = list(table)
            columns = [list(v) if isinstance(v, list) else [v] for v in table.values()]
            rows = [list(r) for r in zip_longest(*columns, fillvalue="")]
            return {"title": title, "headers": headers, "rows": rows, "text": ""}
    if artifact.get("type") == "progress":
        return {"title": title, "headers": [], "rows": [], "text": f"Fortschritt: {data} %"}
    if artifact.get("type") == "markdown" and isinstance(data, str):
        parts = blocks(data)
        if parts and parts[0]["kind"] == "heading" and parts[0]["text"] == title:
            parts = parts[1:]  # the title is shown once, above
        return {"title": title, "headers": [], "rows": [], "text": "", "blocks": parts}
    return {"title": title, "headers": [], "rows": [], "text": str(data or "")}


async def run_detail(request: Request) -> Response:
    """GET /laeufe/{run_id}: state, progress, artifacts, documents, plain-words failure."""
    web = ctx(request)
    identity = await current_user(request, ROLE_CLERK, ROLE_REVIEWER)
    try:  # ownership first: nothing else is read for a foreign or unknown id
        run = await in_thread(web.gateway.run, identity.tenant, request.path_params["run_id"])
    except NotFoundError as exc:
        raise HTTPException(404) from exc
    final = (run.get("state") or {}).get("type") in FINAL
    artifacts, progress, (cases, case_count), outputs = await asyncio.gather(
        in_thread(web.gateway.artifacts, run["id"], final=final),
        in_thread(web.gateway.task_progress, run["id"]) if not final else _none(),
        in_thread(_run_documents, web.engine, identity.tenant, run["id"]),
        in_thread(_agenda_outputs, web, identity.tenant, run),
    )
    return render(
        request,
        "run.html",
        run=run,
        artifacts=[artifact_view(a) for a in artifacts],
        progress=progress or (0, 0),
        cases=cases,
        case_count=case_count,
        outputs=outputs,
        explanation=explain_failure(run),
        final=final,
    )


async def _none() -> None:
    return None


def _meeting_of(run: dict[str, Any]) -> str | None:
    meeting = (run.get("parameters") or {}).get("meeting")
    is_agenda = run.get("flow_name") == "prepare-agenda"
    return str(meeting) if is_agenda and meeting else None


def _agenda_outputs(web: Any, tenant: str, run: dict[str, Any]) -> list[Any]:
    meeting = _meeting_of(run)
    if meeting is None or (run.get("state") or {}).get("type") != "COMPLETED":
        return []
    return run_outputs(web.home, tenant, str(run["id"]), meeting)


def _logged_output(
    web: Any, tenant: str, run: dict[str, Any], part: str, name: str, actor: str
) -> Any:
    meeting = _meeting_of(run)
    if meeting is None:
        return None
    found = find_output(web.home, tenant, str(run["id"]), meeting, part, name)
    if found is None:
        return None
    record_event(
        web,
        tenant,
        "document_downloaded",
        actor,
        flow_run_id=str(run["id"]),
        document=f"sitzung/{part}/{name}",
    )
    return found


async def download_agenda_output(request: Request) -> Response:
    """GET /laeufe/{run_id}/ausgaben/{part}/{name}: one output of an approved agenda."""
    refuse_head(request)
    web = ctx(request)
    identity = await current_user(request, ROLE_CLERK, ROLE_REVIEWER)
    try:  # ownership first, as on the run page
        run = await in_thread(web.gateway.run, identity.tenant, request.path_params["run_id"])
    except NotFoundError as exc:
        raise HTTPException(404) from exc
    found = await in_thread(
        _logged_output,
        web,
        identity.tenant,
        run,
        request.path_params["part"],
        request.path_params["name"],
        identity.actor,
    )
    if found is None:
        raise HTTPException(404)
    response = FileResponse(found.path, media_type=found.media_type, filename=found.name)
    response.headers["Cache-Control"] = "no-store"
    return response


def _acknowledgement(web: Any, tenant: str, case_id: int, actor: str) -> tuple[Path, str] | None:
    with tenant_session(web.engine, tenant) as session:
        case = queries.get_case(session, case_id)
        if case is None or not case.acknowledgement:
            return None
        storage = TenantStorage(web.home, tenant)
        try:
            path = storage.inside(storage.root / case.acknowledgement)
        except PathEscapeError:
            return None
        if not path.is_file():
            return None
        audit.record(
            session,
            "document_downloaded",
            actor=actor,
            case_id=case.id,
            file_number=case.file_number,
            document="eingangsbestaetigung",
        )
        session.commit()
        filename = f"Eingangsbestaetigung-{case.file_number}.docx".replace("/", "-")
        return path, filename


async def download_acknowledgement(request: Request) -> Response:
    """GET /vorgaenge/{case_id}/bestaetigung: the case's acknowledgement (DOCX)."""
    refuse_head(request)
    web = ctx(request)
    identity = await current_user(request, ROLE_CLERK, ROLE_REVIEWER)
    found = await in_thread(
        _acknowledgement, web, identity.tenant, request.path_params["case_id"], identity.actor
    )
    return download(found, DOCX)
