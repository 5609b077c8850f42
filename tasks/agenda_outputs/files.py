"""The papers' files for the Sitzungsmappe: fetched into the store, then judged by content."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine, select

from connectors.database import tenant_session
from connectors.documents import DocumentKind, detect_kind
from connectors.oparl import OParlSource
from connectors.storage import TenantStorage
from models.oparl import File
from tasks.agenda_outputs.folder import PaperFile
from tasks.oparl_files import download_files

_HEAD = 8 * 1024
NOT_FOUND = "Die Datei ist im Ratsinformationssystem nicht (mehr) vorhanden."
NOT_LOADED = "Die Datei konnte nicht aus dem Ratsinformationssystem geladen werden."
WORD = "Word-Dokument: in die Mappe werden nur PDF-Dateien übernommen."
NOT_PDF = "Die Datei ist kein PDF-Dokument."
TOO_LARGE = "Die Datei ist zu groß für die Mappe."


def judge(path: Path, max_bytes: int) -> str | None:
    """Why a stored file cannot go into the folder as a PDF (None: it can try)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_HEAD)
    except OSError:
        return NOT_FOUND
    if size > max_bytes:
        return TOO_LARGE
    kind = detect_kind(head)
    if kind is DocumentKind.PDF:
        return None
    return WORD if kind is DocumentKind.DOCX else NOT_PDF


def fetch_paper_files(
    engine: Engine,
    tenant: str,
    source: OParlSource,
    storage: TenantStorage,
    file_ids: Sequence[str],
    *,
    max_bytes: int = 50 * 2**20,
) -> dict[str, PaperFile]:
    """Download what is missing (failures stop nothing) and say for each file what it is."""
    wanted = list(dict.fromkeys(file_ids))
    downloads = download_files(engine, tenant, source, storage, wanted)
    with tenant_session(engine, tenant) as session:
        rows = {
            row.oparl_id: row.stored_sha256
            for row in session.scalars(
                select(File).where(File.oparl_id.in_(wanted), File.deleted.is_(False))
            )
        }
    result: dict[str, PaperFile] = {}
    for file_id in wanted:
        sha = rows.get(file_id)
        if file_id not in rows:
            result[file_id] = PaperFile(None, None, NOT_FOUND)
        elif sha is None or file_id in downloads.failed:
            result[file_id] = PaperFile(None, None, NOT_LOADED)
        else:
            path = storage.path_for(sha)
            reason = judge(path, max_bytes)
            result[file_id] = PaperFile(None if reason else path, sha, reason)
    return result
