"""Files over the size limit: quarantined without a copy in the store, set aside on the share.

The store keeps every original for good, on a disk all municipalities share: copying a
mistaken video or a flood of huge files into it would fill it, and no parser reads
them anyway. Such a file is hashed once (for its record and audit), quarantined with
its reason, and moved into `.zu-gross` in its drop folder, where the next scan does not
see it and a clerk finds it. Nothing of it is lost and nothing is read twice: a file
already recorded (same name, size, unchanged since) is moved without hashing it again,
by the next intake or the nightly clean-up, should the first move fail.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.dropfolder import (
    DropFile,
    drop_parts,
    move_within,
    open_drop_file,
    sha256_of,
)
from connectors.storage import StoredObject
from models.db import Document, DocumentStatus
from tasks import audit, reasons
from tasks.decision import claim, quarantine
from tasks.intake_context import FileResult, IntakeContext, Outcome
from tasks.registration import Registered, register, shown_name

ASIDE_DIR = ".zu-gross"
log = logging.getLogger("amtsflow.intake")


class FileChangedError(OSError):
    """The file changed while it was read (a copy still in progress): read it next run."""


def _hash(drop: DropFile) -> tuple[str, int]:
    with open_drop_file(drop) as src:
        before = os.fstat(src.fileno())
        sha, total = sha256_of(src)
        after = os.fstat(src.fileno())
    if (before.st_mtime_ns, before.st_size) != (after.st_mtime_ns, total) or (total != drop.size):
        raise FileChangedError("Datei wird noch geschrieben")
    return sha, total


def known_oversize(session: Session, drop: DropFile) -> str | None:
    """The hash of the decided record made from this very file, if any.

    Same name and size, and not changed since it was received: a file that could not
    be moved aside is then recognised without reading gigabytes again.
    """
    changed = datetime.fromtimestamp(drop.mtime, UTC)
    found = session.scalars(
        select(Document.sha256)
        .where(
            Document.source_name == shown_name(drop.name),
            Document.size == drop.size,
            Document.parent_id.is_(None),
            Document.status.in_(sorted(DocumentStatus.FINAL)),
            Document.received_at >= changed,
        )
        .order_by(Document.id.desc())
        .limit(1)
    ).first()
    return str(found) if found else None


def move_aside(drop: DropFile, sha256: str) -> bool:
    """Move the file into `.zu-gross` of its drop folder; False (logged) when it cannot.

    Walked without following links (`move_within`): `.zu-gross` or a folder in it made
    a link to another municipality's folder fails the move instead of using it.
    """
    root, source = drop_parts(drop)
    *folders, name = source
    taken = f"{Path(name).stem}-{sha256[:12]}{Path(name).suffix}"
    try:
        move_within(root, source, (ASIDE_DIR, *folders), name, taken)
    except OSError as exc:  # a read-only share, a link: it stays, moved next time
        log.warning("Datei %s nicht beiseitegelegt: %s", sha256[:12], type(exc).__name__)
        return False
    return True


def _quarantine(ctx: IntakeContext, reg: Registered) -> FileResult:
    with ctx.session() as session:
        if not claim(session, reg.document_id):
            session.rollback()
            return FileResult(reg.sha256, Outcome.DUPLICATE, reg.form_type)
        doc = session.get_one(Document, reg.document_id)
        audit.record(
            session,
            "parsed",
            actor=ctx.actor,
            sha256=doc.sha256,
            flow_run_id=ctx.flow_run_id,
            kind=None,
            failure="too_large",
            form_type=None,
        )
        reason = reasons.set_aside(ctx.settings.max_file_mb, ASIDE_DIR)
        quarantine(session, ctx, doc, reason, None)
        session.commit()
    return FileResult(reg.sha256, Outcome.QUARANTINED, reason_code=reason.code)


def set_aside(ctx: IntakeContext, drop: DropFile) -> FileResult | None:
    """Quarantine an oversize drop file and move it aside; None if it is not (now) oversize.

    Raises:
        OSError: the file cannot be read, or changed while read (it stays for the next run).

    """
    with ctx.session() as session:
        known = known_oversize(session, drop)
    if known is not None:
        move_aside(drop, known)
        return FileResult(known, Outcome.DUPLICATE)
    sha, size = _hash(drop)
    if size <= ctx.settings.max_file_bytes:
        return None  # replaced by a smaller file since the scan: taken in as usual
    reg = register(ctx, StoredObject(sha, size, drop.path, created=False), drop.name)
    result = (
        FileResult(sha, Outcome.DUPLICATE, reg.form_type)
        if reg.duplicate
        else _quarantine(ctx, reg)
    )
    move_aside(drop, sha)
    return result
