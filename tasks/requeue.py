"""Send a parked document through intake again, once its cause is mended.

Some quarantine reasons are Amtsflow's, not the sender's: a decision that broke in
every run (`internal_error`: a defect, a broken template) or a reader stopped at the
installation's limits (`parse_timeout`, `parse_memory`, `parse_crashed`). Once the IT
provider has shipped the fix or raised the limit, the document deserves a new try, but
its drop file was archived at night and the store keeps it as decided. This puts the
stored original back into the drop folder and marks the document `received` again
(with the parts of an e-mail that were set aside with it), so the next intake run
decides it like any new file; the request is audited. Reasons of the document itself
(an invalid form, an unknown form) are refused: a new try would end the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select

from connectors.dropfolder import placing
from connectors.storage import TenantStorage
from models.db import Document, DocumentStatus, QuarantineEntry
from models.tenant import Tenant
from models.tenant_scope import TenantSession
from tasks import audit
from tasks.decision_failure import MAX_NESTING

RETRYABLE = frozenset({"internal_error", "parse_timeout", "parse_memory", "parse_crashed"})
MIN_PREFIX = 8


class RequeueError(ValueError):
    """The document cannot be sent through intake again; the text says why."""


@dataclass(frozen=True, slots=True)
class Requeued:
    """What was put back: the document, its name in the drop folder, and why it was parked."""

    sha256: str
    drop_name: str
    reason_code: str | None
    parts: int


def drop_folder_of(tenant: Tenant, source: str | None) -> Path:
    """The configured intake source to put the file into: by name, else the first."""
    chosen = tenant.source(source) if source else next(iter(tenant.intake_sources), None)
    if chosen is None:
        names = ", ".join(s.name for s in tenant.intake_sources) or "keine"
        raise RequeueError(
            f"Gemeinde {tenant.slug}: Eingangsquelle „{source or ''}“ nicht eingetragen "
            f"(eingetragen: {names})"
        )
    return chosen.path


def find_document(session: TenantSession, sha_prefix: str) -> Document:
    """The tenant's one document whose hash starts with `sha_prefix` (as the list shows it)."""
    prefix = sha_prefix.strip().lower()
    if len(prefix) < MIN_PREFIX or any(ch not in "0123456789abcdef" for ch in prefix):
        raise RequeueError(
            f"„{sha_prefix}“ ist kein Prüfsummen-Anfang: mindestens {MIN_PREFIX} Zeichen "
            "0-9/a-f, wie `amtsflow quarantine list` sie zeigt"
        )
    found = session.scalars(
        select(Document).where(Document.sha256.startswith(prefix, autoescape=True)).limit(2)
    ).all()
    if not found:
        raise RequeueError(f"Kein Dokument dieser Gemeinde mit Prüfsumme {prefix}…")
    if len(found) > 1:
        raise RequeueError(f"Prüfsumme {prefix}… ist nicht eindeutig: bitte länger angeben")
    return found[0]


def _check(session: TenantSession, doc: Document) -> QuarantineEntry | None:
    """The quarantine entry to lift (None: already waiting again); refuses the rest."""
    short = doc.sha256[:12]
    if doc.parent_id is not None:
        parent = session.get_one(Document, doc.parent_id)
        raise RequeueError(
            f"{short} ist Teil einer E-Mail: bitte die E-Mail {parent.sha256[:12]} erneut "
            "verarbeiten lassen"
        )
    if doc.status == DocumentStatus.RECEIVED:
        return None  # waiting already (e.g. a retry whose copy failed): place it again
    entry = session.scalar(select(QuarantineEntry).where(QuarantineEntry.document_id == doc.id))
    if doc.status != DocumentStatus.QUARANTINED or entry is None:
        raise RequeueError(f"{short} ist nicht in Quarantäne (Status {doc.status})")
    if entry.reason_code not in RETRYABLE:
        raise RequeueError(
            f"{short} liegt wegen „{entry.reason_code}“ in Quarantäne: ein neuer Versuch "
            "ergäbe dasselbe. Erneut verarbeitet werden nur " + ", ".join(sorted(RETRYABLE))
        )
    return entry


def _reopen_parts(session: TenantSession, doc: Document) -> int:
    """Parts set aside with their parked e-mail wait again, to be decided with it."""
    count, parents = 0, [doc.id]
    for _ in range(MAX_NESTING):
        parts = session.scalars(
            select(Document).where(
                Document.parent_id.in_(parents), Document.status == DocumentStatus.ATTACHMENT
            )
        ).all()
        for part in parts:
            part.status, part.decided_at = DocumentStatus.RECEIVED, None
        count += len(parts)
        parents = [part.id for part in parts]
        if not parents:
            break
    return count


def requeue(
    session: TenantSession,
    storage: TenantStorage,
    drop_folder: Path,
    sha_prefix: str,
    *,
    actor: str,
) -> Requeued:
    """Put a parked document's original into `drop_folder` and let intake decide it again.

    Raises:
        RequeueError: not found, ambiguous, a part of an e-mail, not parked for a
            reason a new try can mend, or its original is missing from the store.
        OSError: the drop folder cannot be written (nothing was changed).

    """
    doc = find_document(session, sha_prefix)
    entry = _check(session, doc)
    original = storage.path_for(doc.sha256)
    if not original.is_file():
        raise RequeueError(f"Das Original von {doc.sha256[:12]} fehlt im Dokumentenspeicher")
    with original.open("rb") as source:
        staged = placing.stage(drop_folder, source)
    try:
        reason_code = entry.reason_code if entry is not None else None
        if entry is not None:
            session.execute(delete(QuarantineEntry).where(QuarantineEntry.id == entry.id))
        doc.status, doc.decided_at, doc.form_type = DocumentStatus.RECEIVED, None, None
        doc.failed_attempts, doc.first_failed_at = 0, None
        parts = _reopen_parts(session, doc)
        audit.record(
            session,
            "requeued",
            actor=actor,
            sha256=doc.sha256,
            reason_code=reason_code,
            parts=parts,
        )
        session.commit()
    except BaseException:
        session.rollback()
        placing.discard(drop_folder, staged)
        raise
    storage.quarantine_note(doc.sha256).unlink(missing_ok=True)
    try:
        name = placing.publish(drop_folder, staged, doc.source_name or doc.sha256[:12])
    except OSError:  # it waits without a file: the same command places it again
        placing.discard(drop_folder, staged)
        raise
    return Requeued(doc.sha256, name, reason_code, parts)
