"""Put a file into a drop folder for the next intake run, in two steps.

An operator who sends a parked document through intake again needs its original back
in the drop folder, and the database told that it waits again. Neither order is safe
on its own: a file placed first can be taken by a running intake while the document
is still quarantined (a duplicate, archived at night); a database changed first leaves
a waiting document without a file when the copy fails. So the copy is staged under a
dot name, which the scan passes by, and only named for intake after the database
agreed; the name is taken with a hard link, which never replaces a file of the share.

The share is writable by others: the staged copy may be swapped for a link to another
municipality's file before it is named. The link is made to the name itself, never
through it, and what got the name must be the very file written (same inode), else it
is removed again and the placing fails.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import shutil
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from connectors.dropfolder.reading import folder_handle, open_drop_file
from connectors.dropfolder.scan import scan

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC
STAGED_PREFIX = ".amtsflow-erneut-"
_MAX_NAME_BYTES = 200  # of 255 a file system allows: room for " (erneut NNN)"


class StagedFileChangedError(PermissionError):
    """The staged copy is not the file written any more: someone replaced it."""


@dataclass(frozen=True, slots=True)
class Staged:
    """A copy waiting under a dot name, and the identity of the file written."""

    name: str
    device: int
    inode: int


def stage(root: Path, source: BinaryIO) -> Staged:
    """Copy `source` into `root` under a dot name the scan ignores."""
    name = f"{STAGED_PREFIX}{secrets.token_hex(8)}"
    with folder_handle(root, ()) as folder:
        fd = os.open(name, _NEW, 0o640, dir_fd=folder)
        try:
            with os.fdopen(fd, "wb") as target:
                shutil.copyfileobj(source, target, 1 << 20)
                target.flush()
                os.fsync(target.fileno())
                written = os.fstat(target.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=folder)
            raise
    return Staged(name, written.st_dev, written.st_ino)


def _same(folder: int, name: str, staged: Staged) -> bool:
    found = os.stat(name, dir_fd=folder, follow_symlinks=False)
    regular = stat.S_ISREG(found.st_mode)
    return regular and (found.st_dev, found.st_ino) == (staged.device, staged.inode)


def _candidates(wanted: str, fallback: str) -> list[str]:
    base = safe_name(wanted)
    stem, dot, suffix = base.rpartition(".")
    if not stem:
        stem, dot, suffix = base, "", ""
    names = [base, *(f"{stem} (erneut {n}){dot}{suffix}" for n in range(2, 100))]
    return [*names, safe_name(fallback)]


def publish(root: Path, staged: Staged, wanted: str, fallback: str) -> str:
    """Give the staged copy a name intake reads; never replaces a file already there.

    Returns the name taken: `wanted` (made a plain name of at most 200 bytes), or with
    " (erneut N)" before its suffix when that is in use, or `fallback` when the share
    refuses the name itself (too long, characters it does not allow).

    Raises:
        StagedFileChangedError: the staged copy was replaced (nothing is left named).
        OSError: no name could be taken.

    """
    with folder_handle(root, ()) as folder:
        if not _same(folder, staged.name, staged):
            raise StagedFileChangedError("Kopie im Eingangsordner wurde ausgetauscht")
        for name in _candidates(wanted, fallback):
            try:
                os.link(
                    staged.name, name, src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=False
                )
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno in (errno.ENAMETOOLONG, errno.EINVAL, errno.EILSEQ):
                    continue  # the share's rules for names: try the plain fallback
                raise
            if not _same(folder, name, staged):  # swapped between the check and the link
                os.unlink(name, dir_fd=folder)
                raise StagedFileChangedError("Kopie im Eingangsordner wurde ausgetauscht")
            with contextlib.suppress(OSError):  # left over: the night's clean-up takes it
                os.unlink(staged.name, dir_fd=folder)
            return name
    raise FileExistsError(f"kein freier Name für {wanted!r} im Eingangsordner")


def discard(root: Path, staged: Staged) -> None:
    """Remove a staged copy that is not wanted any more (gone or replaced: left alone)."""
    with folder_handle(root, ()) as folder, contextlib.suppress(OSError):
        if _same(folder, staged.name, staged):
            os.unlink(staged.name, dir_fd=folder)


def remove_stale(root: Path, older_than_s: float, now: float) -> int:
    """Delete staged copies an interrupted placing left (they hold a citizen's document).

    Only files and links: a folder or an entry that cannot be deleted under that name
    (planted by a share user) is passed by, and the rest are removed all the same.
    """
    removed = 0
    with folder_handle(root, ()) as folder:
        for name in os.listdir(folder):  # noqa: PTH208 (a handle, not a path)
            if not name.startswith(STAGED_PREFIX):
                continue
            try:
                found = os.stat(name, dir_fd=folder, follow_symlinks=False)
                ours = stat.S_ISREG(found.st_mode) or stat.S_ISLNK(found.st_mode)
                if ours and now - found.st_mtime > older_than_s:
                    os.unlink(name, dir_fd=folder)
                    removed += 1
            except OSError:
                continue
    return removed


def find_copy(roots: Iterable[Path], sha256: str, size: int) -> str | None:
    """Where a file with this content waits in one of the drop folders, if it does.

    Reads at most `size` + 1 bytes of a file listed at that size: one a share user
    keeps appending to would otherwise keep the command hashing.
    """
    for root in roots:
        for drop in scan(root):
            if drop.size != size:
                continue
            try:
                with open_drop_file(drop) as src:
                    data = hashlib.sha256()
                    left = size + 1
                    while left > 0 and (chunk := src.read(min(left, 1 << 20))):
                        data.update(chunk)
                        left -= len(chunk)
                if left == 1 and data.hexdigest() == sha256:
                    return str(root / drop.name)
            except OSError:
                continue
    return None


def safe_name(name: str) -> str:
    """A plain file name of the folder itself: no path, no leading dot, not too long.

    Cut by bytes, not characters: a name read from a Latin-1 share holds U+FFFD (three
    bytes each), and file systems count bytes.
    """
    plain = name.replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "")
    plain = plain.lstrip(". ").strip() or "dokument"
    stem, dot, suffix = plain.rpartition(".")
    if not stem or len(suffix.encode()) > 16:
        stem, dot, suffix = plain, "", ""
    room = _MAX_NAME_BYTES - len(f"{dot}{suffix}".encode())
    cut = stem.encode()[:room].decode("utf-8", "ignore").rstrip() or "dokument"
    return f"{cut}{dot}{suffix}"
