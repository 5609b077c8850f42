"""Vorgänge: the municipality's cases, searchable by file number, form, department, date."""

from __future__ import annotations

import math
from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from app.web import queries
from app.web.common import WebContext, ctx, current_user, in_thread, page_number, render
from connectors.database import tenant_session
from models.accounts import ROLE_CLERK, ROLE_REVIEWER

FIRST_YEAR, LAST_YEAR = 1900, 2999
"""Search dates outside these years are typing errors (and 9999-12-31 + 1 day overflows)."""
DATE_HINT = f"Bitte ein Datum im Format JJJJ-MM-TT eingeben (Jahr {FIRST_YEAR} bis {LAST_YEAR})."


def _date(text: str) -> date | None:
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return day if day is None or FIRST_YEAR <= day.year <= LAST_YEAR else None


def _search(web: WebContext, tenant: str, flt: queries.CaseFilter, page: int) -> dict[str, Any]:
    size = web.settings.page_size
    with tenant_session(web.engine, tenant) as session:
        cases, total = queries.cases_page(session, flt, offset=(page - 1) * size, limit=size)
        forms, departments = queries.case_choices(session)
    return {
        "cases": cases,
        "total": total,
        "pages": max(1, math.ceil(total / size)),
        "forms": forms,
        "departments": departments,
    }


async def case_list(request: Request) -> Response:
    """GET /vorgaenge?aktenzeichen=&formular=&fachbereich=&von=&bis=&seite=."""
    web = ctx(request)
    identity = await current_user(request, ROLE_CLERK, ROLE_REVIEWER)
    q = request.query_params
    raw = {k: q.get(k, "").strip()[:60] for k in ("aktenzeichen", "formular", "fachbereich")}
    raw_from, raw_to = q.get("von", "").strip(), q.get("bis", "").strip()
    errors = {}
    date_from, date_to = _date(raw_from), _date(raw_to)
    if raw_from and date_from is None:
        errors["von"] = DATE_HINT
    if raw_to and date_to is None:
        errors["bis"] = DATE_HINT
    flt = queries.CaseFilter(
        file_number=raw["aktenzeichen"],
        form_type=raw["formular"],
        department=raw["fachbereich"],
        date_from=date_from,
        date_to=date_to,
    )
    page = page_number(request)
    data = await in_thread(_search, web, identity.tenant, flt, page)
    query = urlencode({**raw, "von": raw_from, "bis": raw_to})
    return render(
        request,
        "cases.html",
        status_code=422 if errors else 200,
        q={**raw, "von": raw_from, "bis": raw_to},
        errors=errors,
        page=page,
        query=query,
        **data,
    )
