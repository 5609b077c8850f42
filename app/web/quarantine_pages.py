"""Quarantäne: the submissions that did not become a case, with the reason to act on.

Every input ends as a case or here. The reasons are written for the clerk ("bitte eine
ungeschützte Fassung anfordern"), so the clerk must see them, and the original to
handle the matter by hand: before, only the operator's command line listed them. An
original whose reading was stopped at the limits is not offered (the reason warns
against opening it at the workplace); one set aside for its size was never stored.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.web import queries
from app.web.common import (
    WebContext,
    ctx,
    current_user,
    download,
    in_thread,
    page_number,
    refuse_head,
    render,
)
from app.web.originals import MEDIA_TYPE, is_stored, take_original
from connectors.database import tenant_session
from connectors.storage import TenantStorage
from models.accounts import ROLE_CLERK, ROLE_REVIEWER


def _rows(web: WebContext, tenant: str, page: int) -> dict[str, Any]:
    size = web.settings.page_size
    storage = TenantStorage(web.home, tenant)
    with tenant_session(web.engine, tenant) as session:
        found, total = queries.quarantine_page(session, offset=(page - 1) * size, limit=size)
        held = {doc.id for _, doc in found if queries.withheld(session, doc.id)}
    rows = [
        {
            "id": entry.id,
            "received_at": doc.received_at,
            "source_name": doc.source_name,
            "kind": doc.kind,
            "part": doc.parent_id is not None,
            "reason": entry.reason,
            "fields": entry.details,
            "withheld": doc.id in held,
            "stored": is_stored(storage, doc.sha256),
        }
        for entry, doc in found
    ]
    return {"rows": rows, "total": total, "pages": max(1, math.ceil(total / size))}


async def quarantine_list(request: Request) -> Response:
    """GET /quarantaene?seite=N."""
    web = ctx(request)
    identity = await current_user(request, ROLE_CLERK, ROLE_REVIEWER)
    page = page_number(request)
    data = await in_thread(_rows, web, identity.tenant, page)
    return render(request, "quarantine.html", page=page, **data)


def _original(web: WebContext, tenant: str, entry_id: int, actor: str) -> tuple[Path, str] | None:
    with tenant_session(web.engine, tenant) as session:
        found = queries.quarantined(session, entry_id)
        if found is None:
            return None
        entry, doc = found
        return take_original(session, web.home, doc, actor, reason_code=entry.reason_code)


async def download_original(request: Request) -> Response:
    """GET /quarantaene/{entry_id}/original: the stored original, as a download only."""
    refuse_head(request)
    web = ctx(request)
    identity = await current_user(request, ROLE_CLERK, ROLE_REVIEWER)
    found = await in_thread(
        _original, web, identity.tenant, request.path_params["entry_id"], identity.actor
    )
    return download(found, MEDIA_TYPE)
