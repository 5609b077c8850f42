"""Files over the size limit: quarantined, never copied into the store, set aside on the share.

Before, a file over `AMTSFLOW_MAX_FILE_MB` was copied whole into the store (which keeps
every original for good, on a disk all municipalities share) only to be refused unread.
The limit here is 1 MB; the file is a real 1.8 MB PDF from the shared fixtures.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from connectors.catalogue import load_tenant
from connectors.documents import ParserPool
from connectors.dropfolder import DropFile, scan
from models.db import AuditEvent, Document, DocumentStatus, QuarantineEntry
from models.settings import Settings
from tasks.cleanup import clean_up
from tasks.intake_batch import process_batch
from tasks.intake_context import FileResult, Outcome
from tasks.intake_setup import open_context
from tasks.oversize import ASIDE_DIR
from tests.conftest import FIXTURES, SAMPLE_INBOX

BIG = FIXTURES / "documents" / "pdf" / "GeoTopo-komprimiert.pdf"  # 1.8 MB
SMALL = SAMPLE_INBOX / "eingang-0002.json"


def intake(files: list[DropFile]) -> tuple[list[FileResult], set[str], list[QuarantineEntry]]:
    """The intake's batch step; its results, the hashes in the store, the quarantine."""
    with ParserPool(workers=1, timeout_s=20, memory_mb=512, max_bytes=2**20) as parser:
        ctx = open_context(Settings(), "musterstadt", parser, None)
        try:
            results = process_batch(ctx, files)
            stored = {p.name for p in (ctx.storage.root / "store").glob("*/*")}
            with ctx.session() as session:
                entries = list(session.scalars(select(QuarantineEntry)))
        finally:
            ctx.engine.dispose()
    return results, stored, entries


@pytest.fixture
def drop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AMTSFLOW_MAX_FILE_MB", "1")
    folder = tmp_path / "eingang"
    (folder / "scans").mkdir(parents=True)
    shutil.copy(BIG, folder / "scans" / "plan.pdf")
    shutil.copy(SMALL, folder / "meldung.json")
    return folder


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_an_oversize_file_is_quarantined_and_set_aside_not_stored(
    amtsflow_env: Path, drop: Path
) -> None:
    results, stored, [entry] = intake(scan(drop))
    by_outcome = {r.outcome: r for r in results}
    assert set(by_outcome) == {Outcome.ACCEPTED, Outcome.QUARANTINED}
    big = by_outcome[Outcome.QUARANTINED]
    assert big.reason_code == "parse_too_large"
    assert big.sha256 not in stored and len(stored) == 1  # only the small form
    assert "größer als 1 MB" in entry.reason and ASIDE_DIR in entry.reason
    moved = drop / ASIDE_DIR / "scans" / "plan.pdf"
    assert moved.read_bytes() == BIG.read_bytes()  # nothing lost: on the share
    assert [f.name for f in scan(drop)] == ["meldung.json"]  # the next scan passes it by
    again, stored_again, entries = intake(scan(drop))  # the next run does not read it
    assert [r.outcome for r in again] == [Outcome.DUPLICATE] and len(entries) == 1
    assert stored_again == stored


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_file_that_grows_past_the_limit_after_the_scan_is_not_stored(
    amtsflow_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMTSFLOW_MAX_FILE_MB", "1")
    folder = tmp_path / "eingang"
    folder.mkdir()
    path = folder / "plan.pdf"
    path.write_bytes(BIG.read_bytes()[: 2**19])  # half a megabyte when listed
    listed = scan(folder)
    path.write_bytes(BIG.read_bytes())  # the copy went on
    [result], stored, _ = intake(listed)
    assert (result.outcome, stored) == (Outcome.UNREADABLE, set())
    assert path.exists()  # stays for the next run, which sets it aside
    [aside], stored, _ = intake(scan(folder))
    assert (aside.outcome, aside.reason_code, stored) == (
        Outcome.QUARANTINED,
        "parse_too_large",
        set(),
    )
    assert (folder / ASIDE_DIR / "plan.pdf").exists()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_set_aside_folder_that_is_a_link_is_not_used(
    amtsflow_env: Path, drop: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "nachbargemeinde"
    elsewhere.mkdir()
    (drop / ASIDE_DIR).symlink_to(elsewhere, target_is_directory=True)
    results, stored, [entry] = intake(scan(drop))
    assert {r.outcome for r in results} == {Outcome.ACCEPTED, Outcome.QUARANTINED}
    assert list(elsewhere.iterdir()) == []  # nothing moved to the other folder
    assert (drop / "scans" / "plan.pdf").exists() and len(stored) == 1
    assert entry.reason_code == "parse_too_large"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_quarantined_record_keeps_hash_and_size(amtsflow_env: Path, drop: Path) -> None:
    intake(scan(drop))
    with ParserPool(workers=1, timeout_s=20, memory_mb=512, max_bytes=2**20) as parser:
        ctx = open_context(Settings(), "musterstadt", parser, None)
        try:
            with ctx.session() as session:
                doc = session.scalars(select(Document).where(Document.size > 2**20)).one()
            assert doc.status == DocumentStatus.QUARANTINED
            assert doc.size == BIG.stat().st_size and doc.source_name == "scans/plan.pdf"
            assert not ctx.storage.path_for(doc.sha256).exists()
        finally:
            ctx.engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_one_that_could_not_be_moved_is_not_read_again_and_the_night_moves_it(
    amtsflow_env: Path, drop: Path, tenants_dir: Path
) -> None:
    (drop / ASIDE_DIR).write_bytes(b"")  # a file in the way: the move fails
    results, _, [entry] = intake(scan(drop))
    assert Outcome.QUARANTINED in {r.outcome for r in results}
    assert (drop / "scans" / "plan.pdf").exists()
    again, _, _ = intake([f for f in scan(drop) if f.name == "scans/plan.pdf"])
    assert [r.outcome for r in again] == [Outcome.DUPLICATE]
    assert events("duplicate") == 0  # recognised by name, size and time: not registered again

    (drop / ASIDE_DIR).unlink()
    tenant_file = tenants_dir / "musterstadt.yaml"
    text = tenant_file.read_text(encoding="utf-8").replace(str(SAMPLE_INBOX), str(drop))
    tenant_file.write_text(text, encoding="utf-8")
    settings = Settings()
    summary = clean_up(settings, load_tenant("musterstadt", settings.tenants), archive_days=90)
    assert (summary.set_aside, summary.not_in_store) == (1, 0)
    assert (drop / ASIDE_DIR / "scans" / "plan.pdf").read_bytes() == BIG.read_bytes()
    assert entry.reason_code == "parse_too_large"


def events(action: str) -> int:
    with ParserPool(workers=1, timeout_s=20, memory_mb=512, max_bytes=2**20) as parser:
        ctx = open_context(Settings(), "musterstadt", parser, None)
        try:
            with ctx.session() as session:
                found = session.scalars(select(AuditEvent).where(AuditEvent.action == action))
                return len(found.all())
        finally:
            ctx.engine.dispose()
