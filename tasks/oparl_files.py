"""Fetch the documents of synced OParl files into the tenant's document store.

Not part of the nightly sync: a municipality's history holds thousands of PDFs and most are
never needed again. The agenda preparation asks for the files of the papers it places, and
a file once stored (by SHA-256, checked against the server's checksum) is never fetched again.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from connectors.database import tenant_session
from connectors.oparl import OParlError, OParlSource
from connectors.oparl.models import File as WireFile
from connectors.storage import TenantStorage
from models.db import utcnow
from models.oparl import File


@dataclass
class FileDownloads:
    """What a fetch did: new files stored, files already there, failures with reasons."""

    stored: int = 0
    present: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # OParl id -> reason (URL, status)


def download_files(
    engine: Engine,
    tenant_id: str,
    source: OParlSource,
    storage: TenantStorage,
    file_ids: Sequence[str],
    *,
    workers: int = 4,
) -> FileDownloads:
    """Store the named files' bytes; a failure is recorded per file and stops nothing."""
    result = FileDownloads()
    with tenant_session(engine, tenant_id) as session:
        rows = session.scalars(
            select(File).where(File.oparl_id.in_(list(file_ids)), File.deleted.is_(False))
        ).all()
    wanted = [row for row in rows if row.stored_sha256 is None]
    result.present = len(rows) - len(wanted)

    def fetch(row: File) -> tuple[str, str | None, str | None]:
        wire = WireFile(
            id=row.oparl_id,
            accessUrl=row.access_url,
            downloadUrl=row.download_url,
            sha1Checksum=row.sha1_checksum,
            sha512Checksum=row.sha512_checksum,
        )
        try:
            got = source.download(wire)
        except OParlError as exc:
            return row.oparl_id, None, str(exc)
        return row.oparl_id, storage.store_bytes(got.data).sha256, None

    with ThreadPoolExecutor(workers, "oparl-file") as pool:
        outcomes = list(pool.map(fetch, wanted))
    stored = {oparl_id: sha for oparl_id, sha, _ in outcomes if sha}
    result.failed = {oparl_id: error for oparl_id, _, error in outcomes if error}
    with tenant_session(engine, tenant_id) as session:
        for row in session.scalars(select(File).where(File.oparl_id.in_(list(stored)))):
            row.stored_sha256, row.downloaded_at = stored[row.oparl_id], utcnow()
        session.commit()
    result.stored = len(stored)
    return result
