"""List the files waiting in a drop folder.

Skipped: hidden files, office lock files and partial uploads (they are not finished),
and symlinks that lead out of the folder (a share must not be a door to elsewhere).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_UNFINISHED_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".filepart")


@dataclass(frozen=True, slots=True)
class DropFile:
    """A file found in the drop folder."""

    path: Path
    name: str  # path relative to the drop folder, as shown to the clerk
    size: int
    mtime: float = 0.0  # last change (seconds since the epoch)
    root: Path | None = None  # the drop folder, resolved (None: the file's own folder)

    def settled(self, before: float) -> bool:
        """Whether the file was last changed before `before` (not still being written)."""
        return self.mtime <= before


def _skip(name: str) -> bool:
    return name.startswith((".", "~$")) or name.lower().endswith(_UNFINISHED_SUFFIXES)


def scan(root: Path, *, max_files: int | None = None) -> list[DropFile]:
    """All finished files below `root`, sorted by relative name (stable batches).

    A file or subfolder that disappears while the folder is walked (a clerk moved it,
    another run archived it) is left out: it is no longer there to take in.
    """
    base = root.resolve(strict=True)
    if not base.is_dir():
        raise NotADirectoryError(f"kein Ordner: {root}")
    found: list[DropFile] = []
    stack = [base]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                listed = list(entries)
        except FileNotFoundError:
            continue
        for entry in listed:
            if _skip(entry.name):
                continue
            path = Path(entry.path)
            # realpath, not resolve(): a link to itself makes resolve() raise RuntimeError
            if entry.is_symlink() and not Path(os.path.realpath(path)).is_relative_to(base):
                continue
            try:
                if entry.is_dir():
                    if not entry.is_symlink():
                        stack.append(path)
                    continue
                if not entry.is_file():
                    continue
                stat = entry.stat()
            except OSError:  # vanished meanwhile, or a link loop: nothing to take in
                continue
            name = str(path.relative_to(base))
            found.append(DropFile(path, name, stat.st_size, stat.st_mtime, base))
    found.sort(key=lambda f: f.name)
    return found[:max_files] if max_files is not None else found
