"""Write OParl rows idempotently and keep `deleted` true to what the server says.

Every row written in a run gets the run's start as `seen_at`. That one timestamp answers
three questions without holding ids in memory: which children a re-sent parent no longer
names, which rows a complete full sync did not see, and (with `deleted`) what is current.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select, update

from connectors.database.upsert import upsert
from connectors.oparl.quirks import Quirk, QuirkLog
from models.oparl import OPARL_TABLES, AgendaItem, Consultation, Meeting, Organization, Paper
from models.tenant_scope import TenantSession
from tasks.oparl_rows import KEEP, RowBatch

#: Children embedded in a parent kind, by the column that names the parent.
CHILDREN = {"meeting": (AgendaItem, "meeting_id"), "paper": (Consultation, "paper_id")}
#: The lists whose completeness lets a full sync sweep a kind (any one offered suffices).
SOURCES = {"agendaItem": {"agendaItem", "meeting"}, "consultation": {"consultation", "paper"}}
DELETED_COLUMNS = ("deleted", "modified", "raw", "seen_at")


def store_batch(session: TenantSession, batch: RowBatch, seen_at: dt.datetime) -> None:
    """Upsert a page's rows, mark deleted objects and the children their parents dropped."""
    for kind, rows in batch.rows.items():
        values = [{**row, "seen_at": seen_at} for row in rows.values()]
        upsert(session, OPARL_TABLES[kind], values, keep=KEEP.get(kind, ()))
    for kind, rows in batch.deleted.items():
        values = [{**row, "seen_at": seen_at} for row in rows.values()]
        upsert(session, OPARL_TABLES[kind], values, update=DELETED_COLUMNS)
        if kind in CHILDREN:
            _mark_children(session, kind, list(rows), seen_at, everything=True)
    for kind, parents in batch.parents.items():
        _mark_children(session, kind, sorted(parents), seen_at, everything=False)


def _mark_children(
    session: TenantSession,
    parent_kind: str,
    parent_ids: list[str],
    seen_at: dt.datetime,
    *,
    everything: bool,
) -> None:
    model, column = CHILDREN[parent_kind]
    parent = getattr(model, column)
    for start in range(0, len(parent_ids), 500):
        stmt = update(model).where(parent.in_(parent_ids[start : start + 500]))
        if not everything:
            stmt = stmt.where(model.seen_at < seen_at)
        session.execute(stmt.where(model.deleted.is_(False)).values(deleted=True))


def sweep_unseen(
    session: TenantSession,
    body_id: str,
    offered: Iterable[str],
    complete: set[str],
    seen_at: dt.datetime,
) -> list[str]:
    """After a full sync: rows of the body no complete list named are deleted on the server.

    Returns the kinds swept. A kind is swept only when every list that carries it was read
    to its end (files: every list), so a failed page never deletes anything.
    """
    offered = set(offered)
    swept = []
    for kind, model in OPARL_TABLES.items():
        if kind == "body":
            continue
        sources = offered if kind == "file" else SOURCES.get(kind, {kind}) & offered
        if not sources or not sources <= complete:
            continue
        session.execute(
            update(model)
            .where(model.body_id == body_id, model.seen_at < seen_at, model.deleted.is_(False))
            .values(deleted=True)
        )
        swept.append(kind)
    return swept


def count_stored(session: TenantSession) -> dict[str, int]:
    """Rows not deleted, per kind, of the session's tenant."""
    return {
        kind: session.scalar(
            select(func.count()).select_from(model).where(model.deleted.is_(False))
        )
        or 0
        for kind, model in OPARL_TABLES.items()
    }


_LINKS = (
    (Consultation, "meeting_id", Meeting),
    (Consultation, "agenda_item_id", AgendaItem),
    (Consultation, "paper_id", Paper),
    (AgendaItem, "meeting_id", Meeting),
    (AgendaItem, "consultation_id", Consultation),
    (Meeting, "organization_id", Organization),
)


def dangling_references(session: TenantSession, quirks: QuirkLog, limit: int = 100) -> int:
    """Count links to objects the server never delivered; warn with the first URLs."""
    tenant = session.tenant_id
    total = 0
    for model, column, target in _LINKS:
        link = getattr(model, column)
        known = select(target.oparl_id).where(target.tenant_id == tenant)
        missing = (
            select(link)
            .where(model.tenant_id == tenant, model.deleted.is_(False), link.is_not(None))
            .where(link.not_in(known))
            .distinct()
        )
        found = session.scalar(select(func.count()).select_from(missing.subquery())) or 0
        total += found
        for url in session.scalars(missing.limit(limit)):
            quirks.note(Quirk.DANGLING_REFERENCE, url, f"{model.__tablename__}.{column}")
    return total
