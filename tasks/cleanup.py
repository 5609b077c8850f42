"""The nightly clean-up of one municipality's folders.

* **Drop folders**: a file whose content is stored and decided (a case, quarantine,
  attachment or duplicate) is moved to `<drop folder>/.verarbeitet/<YYYY-MM-DD>/` on the
  same share (a rename: atomic, no copy). The scanner skips hidden folders, so the next
  intake sees only what is new instead of reporting every old file as a duplicate; the
  clerk still finds the file on the share. Files not yet decided (`received`, unreadable,
  still uploading, unknown) stay for the next intake.
* **Archive retention**: day folders of the archive older than `archive_days` are deleted;
  nothing is lost, the originals stay in the tenant's store under their SHA-256.
* A drop folder inside the project checkout (the demo's shipped sample inbox) is left
  as it is, so the demo still shows its samples after a night.
* **Leftovers**: temporary files of interrupted writes in the tenant's `tmp/`, and
  copies an interrupted `quarantine retry` staged in a drop folder, older than six hours
  (a running write is younger) are deleted.

Idempotent: a second run finds nothing left to move or delete.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import select

from connectors.database import make_engine, tenant_session
from connectors.dropfolder import (
    DropFile,
    drop_parts,
    exists_at,
    move_within,
    open_inside,
    open_parts,
    placing,
    scan,
    sha256_of,
    unlink_within,
)
from connectors.storage import TenantStorage
from models.db import Document, DocumentStatus
from models.nightly import CleanupSummary
from models.settings import PROJECT_ROOT, Settings
from models.tenant import Tenant
from tasks.oversize import known_oversize, move_aside

log = logging.getLogger("amtsflow.cleanup")

ARCHIVE_DIR = ".verarbeitet"
TMP_MAX_AGE_S = 6 * 3600


def _sha256(path: Path, folder: Path) -> str:
    """Hash a file below `folder`, following no link a share user may have put there."""
    with open_inside(folder, path) as src:
        return sha256_of(src)[0]


def _holds(root: Path, parts: Sequence[str], sha: str) -> bool:
    """Whether `root/parts...` is a regular file with this content."""
    try:
        return _sha256_at(root, parts) == sha
    except OSError:
        return False


def _sha256_at(root: Path, parts: Sequence[str]) -> str:
    """Hash `root/parts...` as named (not where a link there leads)."""
    with open_parts(root, parts) as src:
        return sha256_of(src)[0]


def _decided(settings: Settings, tenant: str, hashes: set[str]) -> set[str]:
    """Which of these hashes are top-level documents of the tenant in a final state."""
    if not hashes:
        return set()
    engine = make_engine(settings.effective_database_url)
    try:
        with tenant_session(engine, tenant) as session:
            rows = session.execute(
                select(Document.sha256).where(
                    Document.sha256.in_(sorted(hashes)),
                    Document.parent_id.is_(None),
                    Document.status.in_(sorted(DocumentStatus.FINAL)),
                )
            )
            return {sha for (sha,) in rows}
    finally:
        engine.dispose()


def own_archive(folder: Path) -> Path | None:
    """The drop folder's archive, or None when it is not a plain folder of its own.

    Anyone with access to the share can replace `.verarbeitet` (or a day folder in it)
    with a link to another folder, e.g. another municipality's drop folder: decided files
    would be moved there, and the expiry would delete in it.
    """
    base = folder.resolve()
    archive = base / ARCHIVE_DIR
    for path in (archive, *(archive.iterdir() if archive.is_dir() else ())):
        if path.is_symlink():
            return None
    if archive.exists() and (not archive.is_dir() or archive.resolve().parent != base):
        return None
    return archive


def archive_one(drop: DropFile, sha: str, day_folder: Path) -> bool:
    """Move one decided file into the archive; False when it changed since it was hashed.

    A scanner or a clerk may overwrite a file between the hashing and the move: what
    is then in the drop folder is not what was decided, so it is checked again after
    the move (a rename keeps the bytes) and goes back for the next intake. Every move
    and delete walks its folders without following links (`move_within`): a folder in
    the drop folder or in the archive swapped for a link to another municipality's
    folder fails the move (counted) instead of carrying the file there.
    """
    root, source = drop_parts(drop)
    if drop.path.is_symlink():  # leads inside the folder (the scan checked): that file
        unlink_within(root, source)  # is archived on its own; moved, it would dangle
        return True
    day = day_folder.relative_to(root).parts
    *folders, name = source
    stem, suffix = Path(name).stem, Path(name).suffix
    archived = (*day, *source)
    if exists_at(root, archived) and _holds(root, archived, sha):
        if _sha256_at(root, source) != sha:
            return False  # archived before, but a new version arrived under its name
        unlink_within(root, source)  # archived before (a crash between rename and now)
        return True
    moved_to = move_within(root, source, (*day, *folders), name, f"{stem}-{sha[:12]}{suffix}")
    moved = _sha256_at(root, moved_to)
    if moved != sha:
        move_within(root, moved_to, folders, name, f"{stem}-{moved[:12]}{suffix}")
        return False
    return True


def _set_aside_known(
    settings: Settings, tenant: str, files: list[DropFile], summary: CleanupSummary
) -> list[DropFile]:
    """Move oversize files the intake recorded into `.zu-gross`; returns the others.

    The store has no copy of them by design (they would read as `not_in_store`), and
    hashing gigabytes each night to find them is what `known_oversize` spares. One not
    yet recorded is left for the intake, which records it first.
    """
    big = [f for f in files if f.size > settings.max_file_bytes]
    if not big:
        return files
    engine = make_engine(settings.effective_database_url)
    try:
        with tenant_session(engine, tenant) as session:
            known = {f.path: known_oversize(session, f) for f in big}
    finally:
        engine.dispose()
    for drop in big:
        sha = known[drop.path]
        if sha is None:
            summary.left_waiting += 1
        elif move_aside(drop, sha):
            summary.set_aside += 1
        else:
            summary.archive_failed += 1
    return [f for f in files if f.size <= settings.max_file_bytes]


def _stored(storage: TenantStorage, sha: str, size: int) -> bool:
    """Whether the store holds the original (the archive is deleted after its period)."""
    try:
        return storage.path_for(sha).stat().st_size == size
    except OSError:
        return False


def archive_decided(
    settings: Settings,
    tenant: Tenant,
    folder: Path,
    today: dt.date,
    summary: CleanupSummary,
    storage: TenantStorage,
) -> None:
    """Move the decided files of one drop folder into its archive.

    Only a file whose original the store holds is moved: the archive is deleted after
    its period, and a store that lost the file (a restore from an old backup, a crash
    before the disk wrote it) must not lose its last copy too.
    """
    hashes: dict[Path, str] = {}
    files = _set_aside_known(settings, tenant.slug, scan(folder), summary)
    for drop in files:
        try:
            hashes[drop.path] = _sha256(drop.path, folder)
        except OSError:
            summary.archive_failed += 1
    decided = _decided(settings, tenant.slug, set(hashes.values()))
    archive = own_archive(folder)
    if archive is None:
        log.warning("Archivordner %s ist ein Verweis: nichts archiviert", ARCHIVE_DIR)
        summary.archive_failed += sum(1 for sha in hashes.values() if sha in decided)
        return
    day_folder = archive / today.isoformat()
    for drop in files:
        sha = hashes.get(drop.path)
        if sha is None:
            continue
        if sha not in decided:
            summary.left_waiting += 1
            continue
        if not _stored(storage, sha, drop.size):
            log.warning("Original %s fehlt im Ablagespeicher: bleibt im Eingang", sha[:12])
            summary.not_in_store += 1
            continue
        try:
            if archive_one(drop, sha, day_folder):
                summary.archived += 1
            else:
                summary.left_waiting += 1
        except OSError as exc:  # read-only share, vanished file: stays, next night again
            log.warning("Datei %s nicht archiviert: %s", sha[:12], type(exc).__name__)
            summary.archive_failed += 1


def expire_archive(folder: Path, today: dt.date, days: int, summary: CleanupSummary) -> None:
    """Delete archive day folders older than `days` (the originals stay in the store)."""
    archive = own_archive(folder)
    if archive is None or not archive.is_dir():
        return
    cutoff = today - dt.timedelta(days=days)
    for day in sorted(archive.iterdir()):
        try:
            date = dt.date.fromisoformat(day.name)
        except ValueError:
            continue  # not ours
        if date >= cutoff or day.is_symlink() or not day.is_dir():
            continue
        try:
            files = sum(1 for p in day.rglob("*") if p.is_file())
            shutil.rmtree(day)
        except OSError as exc:  # read-only share, a file in use: next night again
            log.warning("Archivordner %s nicht gelöscht: %s", day.name, type(exc).__name__)
            summary.archive_failed += 1
            continue
        summary.archive_files_removed += files
        summary.archive_days_removed += 1


def remove_leftovers(storage: TenantStorage, now: float, summary: CleanupSummary) -> None:
    """Delete temporary files and folders of interrupted writes (older than six hours).

    Folders too: an interrupted agenda run leaves its `mappe-*` working folder, which
    holds copies of non-public papers.
    """
    for path in (storage.root / "tmp").iterdir():
        try:
            if now - path.lstat().st_mtime <= TMP_MAX_AGE_S:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            summary.tmp_removed += 1
        except FileNotFoundError:
            continue


def clean_up(
    settings: Settings, tenant: Tenant, archive_days: int, today: dt.date | None = None
) -> CleanupSummary:
    """Archive, expire and remove leftovers in every folder of the tenant."""
    started = time.perf_counter()
    today = today or dt.date.today()
    summary = CleanupSummary(tenant=tenant.slug)
    storage = TenantStorage(settings.home, tenant.slug)
    for source in tenant.intake_sources:
        if not source.path.is_dir():
            continue  # the intake step reports a missing folder
        if source.path.resolve().is_relative_to(PROJECT_ROOT):
            summary.samples_kept += 1  # the demo's sample inbox stays as shipped
            continue
        archive_decided(settings, tenant, source.path, today, summary, storage)
        expire_archive(source.path, today, archive_days, summary)
        try:  # copies a `quarantine retry` staged but never placed
            summary.tmp_removed += placing.remove_stale(source.path, TMP_MAX_AGE_S, time.time())
        except OSError as exc:
            log.warning("Eingangsordner nicht aufgeräumt: %s", type(exc).__name__)
    remove_leftovers(storage, time.time(), summary)
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


@task(name="cleanup", persist_result=False, cache_policy=NO_CACHE, retries=1, retry_delay_seconds=5)
def cleanup_task(settings: Settings, tenant: Tenant, archive_days: int) -> CleanupSummary:
    """`clean_up` as one task run (retried once: shares blink)."""
    return clean_up(settings, tenant, archive_days)
