"""The drop-folder scan survives files that a clerk or another run moves meanwhile."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import pytest

from connectors.dropfolder import scan

scan_module = importlib.import_module("connectors.dropfolder.scan")


def test_a_file_or_folder_that_vanishes_during_the_scan_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.pdf").write_bytes(b"a")
    (tmp_path / "b.pdf").write_bytes(b"b")
    (tmp_path / "weg").mkdir()
    (tmp_path / "weg" / "c.pdf").write_bytes(b"c")
    real = os.scandir

    class Vanishing:
        """Lists the folder, then the other run moves things away before they are read."""

        def __init__(self, path: Any) -> None:
            if Path(path).name == "weg":
                raise FileNotFoundError(path)
            self._entries = list(real(path))

        def __enter__(self) -> Any:
            (tmp_path / "b.pdf").unlink(missing_ok=True)
            return iter(self._entries)

        def __exit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr(scan_module.os, "scandir", Vanishing)
    assert [f.name for f in scan(tmp_path)] == ["a.pdf"]
