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

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from connectors.dropfolder import placing
from connectors.storage import TenantStorage
from models.db import Document, DocumentStatus, QuarantineEntry
from models.tenant import Tenant
from models.tenant_scope import TenantSession
from tasks import audit
from tasks import requeue_rows as rows
from tasks.reasons import RETRYABLE

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
    """The quarantine entry to lift (None: a retry whose copy was never placed)."""
    short = doc.sha256[:12]
    if doc.parent_id is not None:
        parent = session.get_one(Document, doc.parent_id)
        raise RequeueError(
            f"{short} ist Teil einer E-Mail: bitte die E-Mail {parent.sha256[:12]} erneut "
            "verarbeiten lassen"
        )
    if doc.status == DocumentStatus.RECEIVED:
        return None  # waiting, maybe without its file (lost, or a crash): placed again
    entry = session.scalar(select(QuarantineEntry).where(QuarantineEntry.document_id == doc.id))
    if doc.status != DocumentStatus.QUARANTINED or entry is None:
        raise RequeueError(f"{short} ist nicht in Quarantäne (Status {doc.status})")
    if entry.reason_code not in RETRYABLE:
        raise RequeueError(
            f"{short} liegt wegen „{entry.reason_code}“ in Quarantäne: ein neuer Versuch "
            "ergäbe dasselbe. Erneut verarbeitet werden nur " + ", ".join(sorted(RETRYABLE))
        )
    return entry


def _lift(
    session: TenantSession, doc: Document, entry: QuarantineEntry | None, actor: str
) -> rows.Parked | None:
    """Lift the entry and record the request (committed); None on the crash path."""
    try:
        parked = rows.lift(session, doc, entry) if entry is not None else None
    except rows.ChangedMeanwhileError:
        session.rollback()
        raise RequeueError(f"{doc.sha256[:12]} wurde gerade anderweitig geändert") from None
    audit.record(
        session,
        "requeued",
        actor=actor,
        sha256=doc.sha256,
        reason_code=parked.reason_code if parked else None,
        parts=len(parked.parts) if parked else 0,
    )
    session.commit()
    return parked


def _put_back(
    session: TenantSession, doc: Document, parked: rows.Parked | None, actor: str
) -> bool:
    """The copy could not be placed: back into quarantine as it was, audited.

    Returns whether it is in quarantine again; if not, it waits without a file (it
    was waiting so before, or intake took it meanwhile), which the command mends.
    """
    restored = parked is not None and rows.restore(session, parked)
    audit.record(session, "requeue_failed", actor=actor, sha256=doc.sha256, restored=restored)
    session.commit()
    return restored


def requeue(
    session: TenantSession,
    storage: TenantStorage,
    drop_folder: Path,
    sha_prefix: str,
    *,
    actor: str,
    search: Sequence[Path] = (),
) -> Requeued:
    """Put a parked document's original into `drop_folder` and let intake decide it again.

    Raises:
        RequeueError: not found, ambiguous, a part of an e-mail, not parked for a
            reason a new try can mend, its original is missing from the store, changed
            meanwhile, or its copy could not be placed (then it stays in quarantine).
        OSError: the drop folder cannot be written (nothing was changed).

    A document waiting as usual is placed only when no file of its content waits in
    `drop_folder` or the other folders in `search` (the tenant's intake sources).
    Two operators placing the same waiting document at once make two copies: intake
    takes the second as a duplicate, nothing is lost.

    """
    doc = find_document(session, sha_prefix)
    entry = _check(session, doc)
    folders = [drop_folder, *(f for f in search if f != drop_folder)]
    if entry is None and (waiting := placing.find_copy(folders, doc.sha256, doc.size)):
        raise RequeueError(f"{doc.sha256[:12]} wartet schon im Eingang: {waiting}")
    original = storage.path_for(doc.sha256)
    if not original.is_file():
        raise RequeueError(f"Das Original von {doc.sha256[:12]} fehlt im Dokumentenspeicher")
    with original.open("rb") as source:
        staged = placing.stage(drop_folder, source)
    try:
        parked = _lift(session, doc, entry, actor)
    except BaseException:
        session.rollback()
        placing.discard(drop_folder, staged)
        raise
    wanted = doc.source_name or doc.sha256[:12]
    try:
        name = placing.publish(drop_folder, staged, wanted, fallback=_fallback(doc))
    except OSError as exc:
        placing.discard(drop_folder, staged)
        restored = _put_back(session, doc, parked, actor)
        then = "es bleibt in Quarantäne" if restored else "derselbe Befehl legt es erneut ab"
        raise RequeueError(
            f"{doc.sha256[:12]}: die Kopie konnte nicht in den Eingangsordner gelegt werden "
            f"({type(exc).__name__}); {then}"
        ) from exc
    audit.record(session, "requeue_placed", actor=actor, sha256=doc.sha256, drop_name=name)
    session.commit()
    with contextlib.suppress(OSError):  # the clerk's note of the lifted reason
        storage.quarantine_note(doc.sha256).unlink(missing_ok=True)
    parts = len(parked.parts) if parked else 0
    return Requeued(doc.sha256, name, parked.reason_code if parked else None, parts)


def _fallback(doc: Document) -> str:
    """A name any share takes: the hash's start and the original's suffix."""
    suffix = Path(placing.safe_name(doc.source_name or "")).suffix
    return f"{doc.sha256[:12]}{suffix}"
