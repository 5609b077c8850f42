"""Put a file into a drop folder for the next intake run, in two steps.

An operator who sends a parked document through intake again needs its original back
in the drop folder, and the database told that it waits again. Neither order is safe
on its own: a file placed first can be taken by a running intake while the document
is still quarantined (a duplicate, archived at night); a database changed first leaves
a waiting document without a file when the copy fails. So the copy is staged under a
dot name, which the scan passes by, and only named for intake after the database
agreed; the name is taken with a hard link, which never replaces a file of the share.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path
from typing import BinaryIO

from connectors.dropfolder.reading import folder_handle

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC
_STAGED_PREFIX = ".amtsflow-erneut-"
_MAX_NAME = 200


def stage(root: Path, source: BinaryIO) -> str:
    """Copy `source` into `root` under a dot name the scan ignores; returns that name."""
    name = f"{_STAGED_PREFIX}{secrets.token_hex(8)}"
    with folder_handle(root, ()) as folder:
        fd = os.open(name, _NEW, 0o640, dir_fd=folder)
        try:
            with os.fdopen(fd, "wb") as target:
                shutil.copyfileobj(source, target, 1 << 20)
                target.flush()
                os.fsync(target.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=folder)
            raise
    return name


def publish(root: Path, staged: str, wanted: str) -> str:
    """Give the staged copy a name intake reads; never replaces a file already there.

    Returns the name taken: `wanted`, or `wanted` with " (erneut N)" before its suffix
    when that name is in use.
    """
    base = safe_name(wanted)
    stem, dot, suffix = base.rpartition(".")
    if not stem:
        stem, dot, suffix = base, "", ""
    with folder_handle(root, ()) as folder:
        for number in range(1, 1000):
            name = base if number == 1 else f"{stem} (erneut {number}){dot}{suffix}"
            try:
                os.link(staged, name, src_dir_fd=folder, dst_dir_fd=folder)
            except FileExistsError:
                continue
            os.unlink(staged, dir_fd=folder)
            return name
    raise FileExistsError(f"kein freier Name für {base} im Eingangsordner")


def discard(root: Path, staged: str) -> None:
    """Remove a staged copy that is not wanted any more (gone already: fine)."""
    with folder_handle(root, ()) as folder, contextlib.suppress(FileNotFoundError):
        os.unlink(staged, dir_fd=folder)


def safe_name(name: str) -> str:
    """A plain file name of the folder itself: no path, no leading dot, not too long."""
    plain = name.replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "")
    plain = plain.lstrip(". ").strip()
    return (plain or "dokument")[:_MAX_NAME]
