"""Placing a copy into a drop folder that others can write to (`quarantine retry`).

The staged copy waits under a dot name while the database agrees; a share user may swap
it meanwhile. Found in review: the name was taken with a hard link *through* a link
planted there, which put any file of the server (another municipality's original, the
database) into the drop folder under the citizen's file name.
"""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.dropfolder import placing


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the drop folder, e.g. another municipality's stored original."""
    path = tmp_path / "nebenan-store-original"
    path.write_bytes(b"Daten einer anderen Gemeinde")
    return path


def test_a_staged_copy_is_named_and_leaves_no_trace(drop: Path) -> None:
    staged = placing.stage(drop, io.BytesIO(b"Antrag"))
    assert staged.name.startswith(".")  # the scan passes dot names by
    assert placing.publish(drop, staged, "antrag.json", "fallback.json") == "antrag.json"
    assert [p.name for p in drop.iterdir()] == ["antrag.json"]
    assert (drop / "antrag.json").read_bytes() == b"Antrag"


def test_a_staged_copy_swapped_for_a_link_is_not_named(drop: Path, secret: Path) -> None:
    staged = placing.stage(drop, io.BytesIO(b"Antrag"))
    os.unlink(drop / staged.name)
    os.symlink(secret, drop / staged.name)
    with pytest.raises(placing.StagedFileChangedError):
        placing.publish(drop, staged, "antrag.json", "fallback.json")
    assert not (drop / "antrag.json").exists()
    assert os.stat(secret).st_nlink == 1  # never linked into the share
    placing.discard(drop, staged)  # a replaced copy is not ours to delete either
    assert (drop / staged.name).is_symlink() and secret.read_bytes().startswith(b"Daten")


def test_a_staged_copy_replaced_by_another_file_is_not_named(drop: Path, secret: Path) -> None:
    staged = placing.stage(drop, io.BytesIO(b"Antrag"))
    os.unlink(drop / staged.name)
    os.link(secret, drop / staged.name)  # same bytes as someone else's file, other inode
    with pytest.raises(placing.StagedFileChangedError):
        placing.publish(drop, staged, "antrag.json", "fallback.json")
    assert sorted(p.name for p in drop.iterdir()) == [staged.name]


def test_a_swap_between_the_check_and_the_link_is_undone(
    drop: Path, secret: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The share user is quicker than the check: the link must neither follow the planted
    link nor stay named (found in review: the tests above never reached either defence)."""
    real_link = os.link
    staged = placing.stage(drop, io.BytesIO(b"Antrag"))

    def swapped_first(src: str, dst: str, **kwargs: object) -> None:
        os.unlink(drop / staged.name)
        os.symlink(secret, drop / staged.name)
        real_link(src, dst, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(placing.os, "link", swapped_first)
    with pytest.raises(placing.StagedFileChangedError):
        placing.publish(drop, staged, "antrag.json", "fallback.json")
    monkeypatch.undo()
    assert not (drop / "antrag.json").exists() and not (drop / "antrag.json").is_symlink()
    assert os.stat(secret).st_nlink == 1


def test_a_name_too_long_for_the_share_falls_back(drop: Path) -> None:
    """A Latin-1 name read as U+FFFD grows to three bytes a letter: cut by bytes."""
    wanted = "Antrag " + "\ufffd" * 90 + ".pdf"  # 277 bytes in UTF-8
    staged = placing.stage(drop, io.BytesIO(b"%PDF"))
    name = placing.publish(drop, staged, wanted, "fallback.pdf")
    assert len(name.encode()) <= 200 and name.endswith(".pdf")
    second = placing.publish(drop, placing.stage(drop, io.BytesIO(b"%PDF")), wanted, "f.pdf")
    assert "(erneut 2)" in second and len(second.encode()) <= 255


def test_stale_staged_copies_are_removed_fresh_ones_kept(drop: Path, secret: Path) -> None:
    old = placing.stage(drop, io.BytesIO(b"alt"))
    fresh = placing.stage(drop, io.BytesIO(b"neu"))
    os.symlink(secret, drop / f"{placing.STAGED_PREFIX}link")
    (drop / "antrag.pdf").write_bytes(b"wartet")
    day_ago = time.time() - 86_400
    os.utime(drop / old.name, (day_ago, day_ago))
    os.utime(drop / f"{placing.STAGED_PREFIX}link", (day_ago, day_ago), follow_symlinks=False)
    planted = drop / f"{placing.STAGED_PREFIX}0-ordner"  # listed first, cannot be unlinked
    planted.mkdir()
    os.utime(planted, (day_ago, day_ago))
    assert placing.remove_stale(drop, 6 * 3600, time.time()) == 2
    assert sorted(p.name for p in drop.iterdir()) == sorted(
        [fresh.name, "antrag.pdf", planted.name]
    )
    assert secret.exists()  # the link went, not what it pointed at


@given(st.text(max_size=400))
def test_safe_name_is_a_plain_name_of_at_most_200_bytes(name: str) -> None:
    safe = placing.safe_name(name)
    assert safe and len(safe.encode()) <= 200
    assert "/" not in safe and "\x00" not in safe and not safe.startswith(".")
    assert safe.encode().decode() == safe
