"""Register stored originals; decides early what is a duplicate.

An original is stored before anything reads it, then registered with status
`received` in its own short transaction: if the process dies later, the next run finds
it `received` and processes it again; once decided, it is a duplicate for every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from connectors.storage import StoredObject
from models.db import Document, DocumentStatus
from tasks import audit
from tasks.intake_context import IntakeContext


@dataclass(frozen=True, slots=True)
class Registered:
    """A registered original and whether it still needs a decision."""

    document_id: int
    sha256: str
    status: str
    parent_id: int | None
    form_type: str | None
    duplicate: bool


def shown_name(name: str | None) -> str | None:
    """A file name as the database and the clerk can hold it (None for none).

    Names come from the file system and from e-mail headers: a Latin-1 name on a share
    arrives with undecodable bytes (surrogates), a crafted attachment name may hold NUL
    or other control characters. Either made the database refuse the row, and the whole
    batch with it, night after night. They become U+FFFD; the original is in the store.
    """
    if not name:
        return None
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in text)
    return text[:255] or None


def register(
    ctx: IntakeContext,
    stored: StoredObject,
    source_name: str | None,
    parent_id: int | None = None,
) -> Registered:
    """Record an original (idempotent by tenant and hash)."""
    sha = stored.sha256
    with ctx.session() as session:
        doc = session.scalar(select(Document).where(Document.sha256 == sha))
        if doc is None:
            doc = Document(
                sha256=sha,
                size=stored.size,
                source_name=shown_name(source_name),
                parent_id=parent_id,
                status=DocumentStatus.RECEIVED,
            )
            session.add(doc)
            audit.record(
                session,
                "stored",
                actor=ctx.actor,
                sha256=sha,
                flow_run_id=ctx.flow_run_id,
                size=stored.size,
                attachment=parent_id is not None,
            )
            try:
                session.commit()
            except IntegrityError:  # a concurrent run registered it a moment ago
                session.rollback()
                ctx.seen.add(sha)
                return Registered(0, sha, DocumentStatus.RECEIVED, parent_id, None, True)
            ctx.seen.add(sha)
            return Registered(doc.id, sha, doc.status, parent_id, None, False)
        duplicate = doc.status in DocumentStatus.FINAL or sha in ctx.seen
        ctx.seen.add(sha)
        if duplicate:
            audit.record(
                session,
                "duplicate",
                actor=ctx.actor,
                sha256=sha,
                flow_run_id=ctx.flow_run_id,
                status=doc.status,
            )
            session.commit()
        return Registered(doc.id, sha, doc.status, doc.parent_id, doc.form_type, duplicate)


def register_many(
    ctx: IntakeContext, items: list[tuple[StoredObject, str | None]]
) -> list[Registered]:
    """Register a batch in one transaction (one lookup, one commit); results in input order.

    Falls back to one transaction per file when a concurrent run registered one of
    them first, so that run's rows are respected and nothing of this batch is lost.
    """
    shas = list(dict.fromkeys(stored.sha256 for stored, _ in items))
    seen_before = set(ctx.seen)
    with ctx.session() as session:
        known = {
            d.sha256: d for d in session.scalars(select(Document).where(Document.sha256.in_(shas)))
        }
        rows: list[tuple[Document, bool]] = []
        handled: set[str] = set()
        for stored, name in items:
            sha = stored.sha256
            doc = known.get(sha)
            common: dict[str, Any] = {
                "actor": ctx.actor,
                "sha256": sha,
                "flow_run_id": ctx.flow_run_id,
            }
            if doc is None:
                doc = Document(
                    sha256=sha,
                    size=stored.size,
                    source_name=shown_name(name),
                    status=DocumentStatus.RECEIVED,
                )
                session.add(doc)
                known[sha] = doc
                audit.record(session, "stored", **common, size=stored.size, attachment=False)
                rows.append((doc, False))
            else:
                duplicate = (
                    doc.status in DocumentStatus.FINAL or sha in seen_before or sha in handled
                )
                if duplicate:
                    audit.record(session, "duplicate", **common, status=doc.status)
                rows.append((doc, duplicate))
            handled.add(sha)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return [register(ctx, stored, name) for stored, name in items]
    ctx.seen.update(handled)
    return [
        Registered(doc.id, doc.sha256, doc.status, doc.parent_id, doc.form_type, duplicate)
        for doc, duplicate in rows
    ]
