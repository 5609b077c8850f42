"""The nightly batch (issue 4, point 6): chain, skips, failure isolation, clean-up, re-runs."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.objects import StateType
from sqlalchemy import func, select

from connectors.catalogue import load_tenant
from connectors.database import make_engine, tenant_session, upgrade
from connectors.dropfolder import scan
from connectors.storage import TenantStorage
from flows.intake import intake
from flows.nightly import nightly
from models.db import Case, Document, DocumentStatus, ReviewItem
from models.nightly import CleanupSummary
from models.settings import Settings
from tasks.cleanup import (
    ARCHIVE_DIR,
    TMP_MAX_AGE_S,
    archive_one,
    clean_up,
    expire_archive,
    own_archive,
)
from tasks.nightly_summary import scrub
from tests.conftest import SAMPLE_INBOX
from tests.conftest_oparl import spec_server_fixture  # noqa: F401
from tests.oparl_server import OParlTestServer
from tests.tenant_runs import deploy, run_deployment


def _artifact_markdown(key: str, flow_run_id: str) -> str:
    async def read() -> list[Any]:
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
            )

    found = [a for a in asyncio.run(read()) if str(a.flow_run_id) == flow_run_id]
    assert len(found) == 1
    return str(found[0].data)


def _counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    with tenant_session(engine, "musterstadt") as s:
        counts = (
            s.scalar(select(func.count()).select_from(Document)) or 0,
            s.scalar(select(func.count()).select_from(Case)) or 0,
            s.scalar(select(func.count()).select_from(ReviewItem)) or 0,
        )
    engine.dispose()
    return counts


@pytest.fixture
def musterstadt_nightly(
    tenants_dir: Path, tmp_path: Path, spec_server: OParlTestServer, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Musterstadt with its own copy of the sample inbox and an OParl system on 127.0.0.1."""
    inbox = tmp_path / "postfach"
    shutil.copytree(SAMPLE_INBOX, inbox)
    path = tenants_dir / "musterstadt.yaml"
    text = path.read_text(encoding="utf-8").replace(str(SAMPLE_INBOX), str(inbox))
    text += f"oparl:\n  system_url: {spec_server.system_url}\n"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")  # no LLM: the trained model decides
    return inbox


# ~95 s per database (three model trainings): PostgreSQL, the production database, only;
# the steps themselves are tested on both databases in their own modules.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_nightly_chains_every_step_archives_and_is_safe_to_repeat(
    prefect_api: str, amtsflow_env: Path, database_url: str, musterstadt_nightly: Path
) -> None:
    inbox = musterstadt_nightly
    files = sorted(p.name for p in inbox.iterdir())
    first = nightly(tenant="musterstadt")
    steps = {s.step: s for s in first.steps}
    assert list(steps) == ["oparl-sync", "intake:postfach", "classify", "retrain", "cleanup"]
    assert all(s.status == "completed" for s in first.steps), first.steps
    assert steps["oparl-sync"].counts["bodies"] == 1
    assert steps["intake:postfach"].counts["accepted"] == 9
    assert steps["intake:postfach"].counts["quarantined"] == 6
    assert steps["classify"].counts["documents"] > 0
    assert steps["retrain"].counts["examples"] > 0
    assert steps["cleanup"].counts["archived"] == len(files)  # every file was decided
    assert steps["cleanup"].counts["left_waiting"] == 0
    assert scan(inbox) == []  # the next intake sees nothing old
    archived = inbox / ARCHIVE_DIR / dt.date.today().isoformat()
    assert sorted(p.name for p in archived.iterdir()) == files
    counts = _counts(database_url)

    markdown = _artifact_markdown("nightly-musterstadt", str(first.flow_run_id))
    assert "Alle Schritte ohne Fehler" in markdown and "intake:postfach" in markdown
    assert str(inbox) not in markdown and "@" not in markdown

    second = nightly(tenant="musterstadt")  # the same night again: nothing twice
    again = {s.step: s for s in second.steps}
    assert all(s.status == "completed" for s in second.steps), second.steps
    assert again["intake:postfach"].counts["files"] == 0
    assert again["intake:postfach"].counts["duplicates"] == 0
    assert again["classify"].counts["documents"] == 0
    assert "unverändert" in (again["retrain"].reason or "")  # same examples: not retrained
    assert again["cleanup"].counts["archived"] == 0
    assert _counts(database_url) == counts
    assert sorted(p.name for p in archived.iterdir()) == files


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_failing_step_does_not_stop_the_others_and_fails_the_run(
    prefect_api: str,
    amtsflow_env: Path,
    database_url: str,
    tenants_dir: Path,
    tmp_path: Path,
    spec_server: OParlTestServer,
) -> None:
    missing = tmp_path / "abgehängte-freigabe" / "eingang"  # an unmounted share
    with (tenants_dir / "nebenan.yaml").open("a", encoding="utf-8") as out:
        out.write(f"intake_sources:\n  - name: post\n    path: {missing}\n")
        out.write(f"oparl:\n  system_url: {spec_server.system_url}\n")
    deployment = deploy(nightly, "nebenan")  # subflows pass the guard under a deployment

    state, recorded = run_deployment(nightly, deployment)
    assert recorded.state_type == StateType.FAILED
    message = state.message or ""
    assert "Nachtlauf nebenan: 1 Schritt(e) fehlgeschlagen: intake:post" in message
    assert "FileNotFoundError" in message and str(tmp_path) not in message
    markdown = _artifact_markdown("nightly-nebenan", str(recorded.id))
    rows = {line.split("|")[1].strip(): line for line in markdown.splitlines() if "|" in line}
    assert "erledigt" in rows["oparl-sync"]  # before the failure
    assert "FEHLGESCHLAGEN" in rows["intake:post"] and "FileNotFoundError" in rows["intake:post"]
    assert "übersprungen" in rows["classify"] and "keine Kategorien" in rows["classify"]
    assert "übersprungen" in rows["retrain"]
    assert "erledigt" in rows["cleanup"]  # after the failure
    assert str(tmp_path) not in markdown

    missing.mkdir(parents=True)  # the share is back: the next night is fine
    healed, _ = run_deployment(nightly, deployment)
    assert healed.is_completed(), healed.message


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cleanup_keeps_what_is_undecided_and_expires_old_archives(
    prefect_api: str, amtsflow_env: Path, database_url: str, tenants_dir: Path, tmp_path: Path
) -> None:
    inbox = tmp_path / "postfach"
    shutil.copytree(SAMPLE_INBOX, inbox)
    path = tenants_dir / "musterstadt.yaml"
    path.write_text(path.read_text().replace(str(SAMPLE_INBOX), str(inbox)), encoding="utf-8")
    intake(tenant="musterstadt")
    late = sorted(SAMPLE_INBOX.glob("*.json"))[0].read_text().replace("2026", "2027")
    (inbox / "spaet.json").write_text(late, encoding="utf-8")  # arrived after the intake
    (inbox / "upload.pdf.part").write_bytes(b"%PDF-1.")  # still uploading
    engine = make_engine(database_url)
    upgrade(engine)
    with tenant_session(engine, "musterstadt") as s:  # one decided document reset: undecided
        doc = s.scalars(select(Document).where(Document.parent_id.is_(None))).first()
        assert doc is not None
        doc.status = DocumentStatus.RECEIVED
        undecided = doc.sha256
        lost = s.scalars(  # a decided original the store lost (an old backup restored)
            select(Document.sha256).where(
                Document.parent_id.is_(None), Document.sha256 != undecided
            )
        ).first()
        assert lost is not None
        s.commit()
    engine.dispose()
    TenantStorage(amtsflow_env, "musterstadt").path_for(lost).unlink()
    old_day = inbox / ARCHIVE_DIR / "2020-01-31"
    old_day.mkdir(parents=True)
    (old_day / "alt.pdf").write_bytes(b"alt")
    storage_tmp = amtsflow_env / "tenants" / "musterstadt" / "tmp"
    (storage_tmp / "tmpstale").write_bytes(b"x")
    stale = time.time() - TMP_MAX_AGE_S - 60
    os.utime(storage_tmp / "tmpstale", (stale, stale))
    (storage_tmp / "tmpfresh").write_bytes(b"x")  # a write in progress
    folder = storage_tmp / "mappe-abgebrochen"  # an agenda run that crashed: its copies
    folder.mkdir()
    (folder / "vorlage.pdf").write_bytes(b"%PDF-1.7 nichtoeffentlich")
    os.utime(folder, (stale, stale))

    settings = Settings()
    tenant = load_tenant("musterstadt", settings.tenants)
    summary = clean_up(settings, tenant, archive_days=90, today=dt.date(2026, 11, 27))
    assert summary.archived == 13 and summary.left_waiting == 2  # reset one + the late one
    assert summary.not_in_store == 1  # its drop file is now the only copy: it stays
    assert summary.archive_days_removed == 1 and summary.archive_files_removed == 1
    assert summary.tmp_removed == 2 and (storage_tmp / "tmpfresh").exists()
    assert not folder.exists()
    waiting = {f.name for f in scan(inbox)}
    assert "spaet.json" in waiting and len(waiting) == 3
    kept = {hashlib.sha256(f.path.read_bytes()).hexdigest() for f in scan(inbox)}
    assert lost in kept
    assert any(hashlib.sha256(f.path.read_bytes()).hexdigest() == undecided for f in scan(inbox))
    assert (inbox / "upload.pdf.part").exists()
    assert not old_day.exists()

    repeat = clean_up(settings, tenant, archive_days=90, today=dt.date(2026, 11, 27))
    assert (repeat.archived, repeat.archive_days_removed, repeat.tmp_removed) == (0, 0, 0)


def test_archive_retention_counts_days_not_file_times(tmp_path: Path) -> None:
    archive = tmp_path / ARCHIVE_DIR
    new, old = time.time(), time.time() - 400 * 86400
    for day, stamp in (("2026-08-28", new), ("2026-08-29", old), ("nicht-datum", old)):
        (archive / day).mkdir(parents=True)
        (archive / day / "a.pdf").write_bytes(b"a")
        os.utime(archive / day / "a.pdf", (stamp, stamp))  # the opposite of the day's age
        os.utime(archive / day, (stamp, stamp))
    summary = CleanupSummary(tenant="musterstadt")
    expire_archive(tmp_path, dt.date(2026, 11, 27), 90, summary)
    assert sorted(p.name for p in archive.iterdir()) == ["2026-08-29", "nicht-datum"]
    assert summary.archive_days_removed == 1


def test_reasons_are_scrubbed_of_paths_addresses_and_numbers() -> None:
    message = (
        "Flow run encountered an exception: FileNotFoundError: [Errno 2] No such file or "
        "directory: '/srv/freigabe/Meier, Hans/antrag.pdf' an hans.meier@example.org, "
        "IBAN DE89 3704 0044 0532 0130 00\nzweite Zeile"
    )
    line = scrub(message)
    assert line.startswith("FileNotFoundError: [Errno 2]")
    for personal in ("/srv", "Hans", "hans.meier", "3704", "zweite"):
        assert personal not in line


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_shipped_sample_inbox_is_never_archived(amtsflow_env: Path, database_url: str) -> None:
    before = sorted(p.name for p in SAMPLE_INBOX.iterdir())
    settings = Settings()
    tenant = load_tenant("musterstadt", settings.tenants)  # its drop folder: samples/...
    summary = clean_up(settings, tenant, archive_days=90)
    assert summary.samples_kept == 1 and summary.archived == 0
    assert sorted(p.name for p in SAMPLE_INBOX.iterdir()) == before


def test_a_file_overwritten_after_hashing_is_not_archived(tmp_path: Path) -> None:
    """The cleanup hashes, then moves: a file changed in between goes back, unarchived."""
    inbox, day = tmp_path / "eingang", tmp_path / "eingang" / ARCHIVE_DIR / "2026-11-27"
    inbox.mkdir()
    path = inbox / "antrag.json"
    path.write_bytes(b'{"alt": 1}')
    decided = hashlib.sha256(path.read_bytes()).hexdigest()
    [drop] = scan(inbox)
    path.write_bytes(b'{"neu": 2}')  # a new version arrives under the same name

    assert archive_one(drop, decided, day) is False
    assert path.read_bytes() == b'{"neu": 2}'  # back in the drop folder for the next intake
    assert [p for p in day.rglob("*") if p.is_file()] == []

    # archived before under that name, then a new version came: neither deleted nor moved
    (day / "antrag.json").write_bytes(b'{"alt": 1}')
    assert archive_one(drop, decided, day) is False
    assert path.read_bytes() == b'{"neu": 2}'
    # the honest case still archives
    path.write_bytes(b'{"alt": 1}')
    (day / "antrag.json").unlink()
    assert archive_one(drop, decided, day) is True
    assert not path.exists() and (day / "antrag.json").read_bytes() == b'{"alt": 1}'


def test_an_archive_folder_that_links_elsewhere_is_left_alone(tmp_path: Path) -> None:
    # a share user replaced `.verarbeitet` (or a day in it) by a link to another folder
    elsewhere = tmp_path / "nachbar-eingang"
    (elsewhere / "2020-01-31").mkdir(parents=True)
    (elsewhere / "2020-01-31" / "antrag.pdf").write_bytes(b"fremd")
    linked, day_linked, honest = (tmp_path / n for n in ("a", "b", "c"))
    for inbox in (linked, day_linked, honest):
        inbox.mkdir()
    (linked / ARCHIVE_DIR).symlink_to(elsewhere, target_is_directory=True)
    (day_linked / ARCHIVE_DIR).mkdir()
    (day_linked / ARCHIVE_DIR / "2020-01-31").symlink_to(elsewhere / "2020-01-31")
    (honest / ARCHIVE_DIR / "2020-01-31").mkdir(parents=True)
    (honest / ARCHIVE_DIR / "2020-01-31" / "alt.pdf").write_bytes(b"alt")

    assert own_archive(linked) is None and own_archive(day_linked) is None
    assert own_archive(honest) == honest.resolve() / ARCHIVE_DIR
    summary = CleanupSummary(tenant="musterstadt")
    for inbox in (linked, day_linked, honest):
        expire_archive(inbox, dt.date(2026, 11, 27), 90, summary)
    assert (elsewhere / "2020-01-31" / "antrag.pdf").read_bytes() == b"fremd"
    assert summary.archive_days_removed == 1  # only the honest one's
    assert not (honest / ARCHIVE_DIR / "2020-01-31").exists()
