"""Files over the size limit: quarantined without a copy in the store, set aside on the share.

The store keeps every original for good, on a disk all municipalities share: copying a
mistaken video or a flood of huge files into it would fill it, and no parser reads
them anyway. Such a file is hashed once (for its record and audit), quarantined with
its reason, and moved into `.zu-gross` in its drop folder, where the next scan does not
see it and a clerk finds it. Nothing of it is lost and nothing is read twice.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from connectors.dropfolder import DropFile, open_drop_file
from connectors.storage import StoredObject
from models.db import Document
from tasks import audit, reasons
from tasks.decision import claim, quarantine
from tasks.intake_context import FileResult, IntakeContext, Outcome
from tasks.registration import Registered, register

ASIDE_DIR = ".zu-gross"
_CHUNK = 1 << 20
log = logging.getLogger("amtsflow.intake")


def _hash(drop: DropFile) -> tuple[str, int]:
    digest = hashlib.sha256()
    total = 0
    with open_drop_file(drop) as src:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            total += len(chunk)
    return digest.hexdigest(), total


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


def aside_path(drop: DropFile, sha256: str) -> Path | None:
    """Where the file goes: `.zu-gross/<its name>` in its drop folder; None if not safe.

    `.zu-gross`, like the archive, must be a plain folder of the drop folder: anyone on
    the share could make it a link to another municipality's folder.
    """
    root = (drop.root or drop.path.parent).resolve()
    aside = root / ASIDE_DIR
    aside.mkdir(exist_ok=True)
    if aside.is_symlink() or aside.resolve() != aside:
        return None
    target = aside / drop.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.parent.resolve().is_relative_to(aside):
        return None
    if target.exists() or target.is_symlink():
        target = target.with_name(f"{target.stem}-{sha256[:12]}{target.suffix}")
    return target


def set_aside(ctx: IntakeContext, drop: DropFile) -> FileResult | None:
    """Quarantine an oversize drop file and move it aside; None if it is not (now) oversize.

    Raises:
        OSError: the file cannot be read (it stays for the next run).

    """
    sha, size = _hash(drop)
    if size <= ctx.settings.max_file_bytes:
        return None  # replaced by a smaller file since the scan: taken in as usual
    reg = register(ctx, StoredObject(sha, size, drop.path, created=False), drop.name)
    result = (
        FileResult(sha, Outcome.DUPLICATE, reg.form_type)
        if reg.duplicate
        else _quarantine(ctx, reg)
    )
    try:
        target = aside_path(drop, sha)
        if target is None:
            log.warning("Ordner %s ist ein Verweis: Datei %s bleibt liegen", ASIDE_DIR, sha[:12])
        else:
            drop.path.rename(target)
    except OSError as exc:  # a read-only share: it stays, and is set aside next run
        log.warning("Datei %s nicht beiseitegelegt: %s", sha[:12], type(exc).__name__)
    return result
