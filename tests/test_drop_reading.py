"""A drop file is read only as what the scan saw: no link out, no pipe, no swapped folder.

The share is writable by others. Between the scan and the read, a file can become a
link to another municipality's data or a system file, a named pipe (which blocked the
run forever), or a folder on its path a link elsewhere. Before, the intake opened the
path as it then was and copied whatever it led to into the municipality's store.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path

import pytest

from connectors.documents import ParserPool
from connectors.dropfolder import (
    DropFile,
    NotARegularFileError,
    move_within,
    open_drop_file,
    open_parts,
    scan,
)
from connectors.dropfolder.reading import parts_inside
from models.settings import Settings
from tasks.cleanup import archive_one
from tasks.intake_batch import process_batch
from tasks.intake_context import FileResult, Outcome
from tasks.intake_setup import open_context
from tests.conftest import SAMPLE_INBOX

FORM = "eingang-0002.json"  # a valid Mängelmeldung


def intake(files: list[DropFile]) -> tuple[list[FileResult], set[str]]:
    """Run the intake's batch step; returns the results and the hashes now in the store."""
    with ParserPool(workers=1, timeout_s=20, memory_mb=512, max_bytes=2**22) as parser:
        ctx = open_context(Settings(), "musterstadt", parser, None)
        try:
            results = process_batch(ctx, files)
            stored = {p.name for p in (ctx.storage.root / "store").glob("*/*")}
        finally:
            ctx.engine.dispose()
    return results, stored


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "eingang"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(SAMPLE_INBOX / FORM, folder / "sub" / FORM)
    return folder


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """Another municipality's file, outside this drop folder."""
    other = tmp_path / "nachbargemeinde"
    other.mkdir()
    path = other / FORM
    path.write_bytes(b'{"formular": "maengelmeldung", "geheim": "Nachbardaten"}')
    return path


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_file_swapped_for_a_link_out_after_the_scan_is_not_copied(
    amtsflow_env: Path, drop: Path, secret: Path
) -> None:
    [found] = scan(drop)
    found.path.unlink()
    found.path.symlink_to(secret)
    [result], stored = intake([found])
    assert (result.outcome, result.reason_code) == (Outcome.UNREADABLE, "unreadable")
    assert hashlib.sha256(secret.read_bytes()).hexdigest() not in stored
    assert stored == set()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_folder_swapped_for_a_link_out_after_the_scan_is_not_read(
    amtsflow_env: Path, drop: Path, secret: Path
) -> None:
    [found] = scan(drop)
    (drop / "sub").rename(drop / "alt")
    (drop / "sub").symlink_to(secret.parent, target_is_directory=True)
    [result], stored = intake([found])
    assert result.outcome is Outcome.UNREADABLE and stored == set()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_file_swapped_for_a_named_pipe_does_not_block(amtsflow_env: Path, drop: Path) -> None:
    [found] = scan(drop)
    found.path.unlink()
    os.mkfifo(found.path)
    results: list[FileResult] = []
    run = threading.Thread(target=lambda: results.extend(intake([found])[0]), daemon=True)
    run.start()
    run.join(30)
    if run.is_alive():  # release the blocked reader before failing
        os.close(os.open(found.path, os.O_WRONLY | os.O_NONBLOCK))
        run.join(10)
        pytest.fail("the intake blocked on a named pipe")
    assert [(r.outcome, r.reason_code) for r in results] == [(Outcome.UNREADABLE, "unreadable")]
    with pytest.raises(NotARegularFileError):
        open_drop_file(found)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_link_inside_the_folder_is_still_taken_in(amtsflow_env: Path, drop: Path) -> None:
    (drop / "verweis.json").symlink_to(drop / "sub" / FORM)
    files = scan(drop)
    assert [f.name for f in files] == [f"sub/{FORM}", "verweis.json"]
    results, stored = intake(files)
    assert sorted(r.outcome for r in results) == [Outcome.ACCEPTED, Outcome.DUPLICATE]
    assert stored == {hashlib.sha256((SAMPLE_INBOX / FORM).read_bytes()).hexdigest()}


def test_the_nightly_archive_removes_a_link_and_moves_its_target(
    drop: Path, tmp_path: Path
) -> None:
    (drop / "verweis.json").symlink_to(drop / "sub" / FORM)
    sha = hashlib.sha256((SAMPLE_INBOX / FORM).read_bytes()).hexdigest()
    day = drop / ".verarbeitet" / "2026-11-27"
    for found in scan(drop):
        assert archive_one(found, sha, day)
    assert scan(drop) == [] and not (drop / "verweis.json").is_symlink()
    assert (day / "sub" / FORM).read_bytes() == (SAMPLE_INBOX / FORM).read_bytes()
    assert not (day / "verweis.json").exists()


def test_the_walk_refuses_a_folder_swapped_after_the_names_were_taken(
    drop: Path, secret: Path
) -> None:
    """The race itself: names resolved before the swap, the file opened after it."""
    [found] = scan(drop)
    parts = parts_inside(drop, found.path)
    (drop / "sub").rename(drop / "alt")
    (drop / "sub").symlink_to(secret.parent, target_is_directory=True)
    with pytest.raises(OSError):
        open_parts(drop, parts)
    with pytest.raises(OSError):
        move_within(drop, parts, (".verarbeitet",), FORM, "x.json")
    assert secret.exists() and not (drop / ".verarbeitet").exists()


def test_the_archive_does_not_follow_a_link_planted_in_a_day_folder(
    drop: Path, secret: Path
) -> None:
    """A link `.verarbeitet/<day>/sub` to another municipality's drop folder, set the day before."""
    day = drop / ".verarbeitet" / "2026-11-27"
    day.mkdir(parents=True)
    (day / "sub").symlink_to(secret.parent, target_is_directory=True)
    [found] = scan(drop)
    sha = hashlib.sha256((SAMPLE_INBOX / FORM).read_bytes()).hexdigest()
    with pytest.raises(OSError):
        archive_one(found, sha, day)
    assert sorted(p.name for p in secret.parent.iterdir()) == [FORM]  # nothing moved there
    assert (drop / "sub" / FORM).exists()  # stays for the next night


def test_a_link_to_itself_is_passed_by_not_a_crash(amtsflow_env: Path, drop: Path) -> None:
    (drop / "schleife.json").symlink_to(drop / "schleife.json")
    assert [f.name for f in scan(drop)] == [f"sub/{FORM}"]
    [found] = scan(drop)
    found.path.unlink()
    found.path.symlink_to(found.path)  # and one swapped in after the scan
    with pytest.raises(OSError):
        open_drop_file(found)
