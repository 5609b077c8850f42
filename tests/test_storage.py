"""The content-addressed store and the drop-folder scan."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from connectors.dropfolder import scan
from connectors.storage import PathEscapeError, TenantStorage


def test_store_is_content_addressed_and_immutable(tmp_path: Path) -> None:
    storage = TenantStorage(tmp_path, "musterstadt")
    src = tmp_path / "in.bin"
    src.write_bytes(b"Antrag" * 1000)
    first = storage.store_file(src)
    assert first.sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
    assert first.path == storage.root / "store" / first.sha256[:2] / first.sha256
    assert first.created
    assert first.path.stat().st_mode & 0o222 == 0
    again = storage.store_bytes(src.read_bytes())
    assert (again.sha256, again.created) == (first.sha256, False)
    assert list((storage.root / "tmp").iterdir()) == []


def test_paths_cannot_leave_the_tenant_folder(tmp_path: Path) -> None:
    storage = TenantStorage(tmp_path, "musterstadt")
    with pytest.raises(PathEscapeError):
        storage.output_path("..", "..", "nebenan", "x")
    (storage.root / "outputs" / "link").symlink_to(tmp_path)
    with pytest.raises(PathEscapeError):
        storage.output_path("link", "x")
    with pytest.raises(PathEscapeError):
        TenantStorage(tmp_path, "../nebenan")
    with pytest.raises(ValueError, match="SHA"):
        storage.path_for("../../etc/passwd")


def test_scan_skips_unfinished_hidden_and_escaping_files(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "a.pdf").write_bytes(b"x")
    (inbox / "sub" / "b.json").write_bytes(b"{}")
    (inbox / ".hidden").write_bytes(b"x")
    (inbox / "upload.pdf.part").write_bytes(b"x")
    (inbox / "~$lock.docx").write_bytes(b"x")
    secret = tmp_path / "secret.txt"
    secret.write_text("nope")
    (inbox / "escape.txt").symlink_to(secret)
    (inbox / "inner.pdf").symlink_to(inbox / "a.pdf")
    names = [f.name for f in scan(inbox)]
    assert names == ["a.pdf", "inner.pdf", "sub/b.json"]
