"""Read, move and delete drop files without following anything a share user put there.

The scan refuses symlinks that lead out of the folder, but the share is writable by
others: between the scan and the read, a file can be replaced by a link to another
municipality's folder or to a system file, or by a named pipe that blocks the run
forever; a folder on the way (also inside the archive) can become such a link. So
every path below a drop folder is walked from the drop folder one name at a time,
refusing links on the way (`O_NOFOLLOW`), files are opened without waiting on a pipe
(`O_NONBLOCK`), only regular files are read, and moves and deletes act on the folder
handles so walked, never on a path resolved again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from connectors.dropfolder.scan import DropFile

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_CHUNK = 1 << 20
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _CLOEXEC


class NotARegularFileError(OSError):
    """What the drop file's name leads to now is not a file of the drop folder."""


def _checked(parts: Sequence[str]) -> Sequence[str]:
    if not parts or any(p in ("", ".", "..") or "/" in p for p in parts):
        raise NotARegularFileError("ungültiger Pfad im Eingangsordner")
    return parts


@contextlib.contextmanager
def folder_handle(root: Path, parts: Sequence[str], *, create: bool = False) -> Iterator[int]:
    """A handle on `root/parts...`, reached without following links (created if asked)."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC)
    try:
        for part in _checked(parts) if parts else ():
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, dir_fd=fd)
            inner = os.open(part, _FOLDER, dir_fd=fd)
            os.close(fd)
            fd = inner
        yield fd
    finally:
        os.close(fd)


def parts_inside(root: Path, path: Path) -> tuple[str, ...]:
    """`path`'s names below `root` after resolving links (OSError if it leads out)."""
    base = Path(os.path.realpath(root, strict=True))
    target = Path(os.path.realpath(path, strict=True))  # OSError, also on a link loop
    if not target.is_relative_to(base) or target == base:
        raise NotARegularFileError("Datei führt aus dem Eingangsordner heraus")
    return target.relative_to(base).parts


def open_parts(root: Path, parts: Sequence[str]) -> BinaryIO:
    """The regular file `root/parts...`, opened without following any link on the way."""
    *folders, name = _checked(parts)
    with folder_handle(root, folders) as folder:
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC
        file_fd = os.open(name, flags, dir_fd=folder)
    try:
        if not stat.S_ISREG(os.fstat(file_fd).st_mode):
            raise NotARegularFileError("keine gewöhnliche Datei")
        os.set_blocking(file_fd, True)
        return os.fdopen(file_fd, "rb")
    except BaseException:
        os.close(file_fd)
        raise


def sha256_of(src: BinaryIO) -> tuple[str, int]:
    """SHA-256 and length of what is left to read of an open file, in 1 MiB pieces."""
    digest = hashlib.sha256()
    total = 0
    while chunk := src.read(_CHUNK):
        digest.update(chunk)
        total += len(chunk)
    return digest.hexdigest(), total


def open_inside(folder: Path, path: Path) -> BinaryIO:
    """A regular file below `folder` for reading, reached without following links.

    A link the scan accepted (it leads to a file inside the folder) is read at its
    target; its target's path, too, is walked without following links.
    """
    return open_parts(folder, parts_inside(folder, path))


def open_drop_file(drop: DropFile) -> BinaryIO:
    """The drop file for reading; raises OSError when it is gone, a link out, or no file."""
    return open_inside(drop.root or drop.path.parent, drop.path)


def drop_parts(drop: DropFile) -> tuple[Path, tuple[str, ...]]:
    """The drop folder and the file's names below it, as listed (a link: the link)."""
    if drop.root is None:
        return drop.path.parent, (drop.path.name,)
    return drop.root, Path(drop.name).parts


def exists_at(root: Path, parts: Sequence[str]) -> bool:
    """Whether anything (a link too) has this name; False if a folder on the way is none."""
    *folders, name = _checked(parts)
    try:
        with folder_handle(root, folders) as folder:
            os.stat(name, dir_fd=folder, follow_symlinks=False)
    except OSError:
        return False
    return True


def move_within(
    root: Path, source: Sequence[str], folder: Sequence[str], name: str, taken_name: str
) -> tuple[str, ...]:
    """Rename `root/source` into `root/folder/name` (folders created); returns where to.

    Both sides are folder handles walked without links, so a folder swapped for a link
    fails the move instead of carrying the file elsewhere. When `name` is taken there,
    `taken_name` is used (nothing is overwritten knowingly).
    """
    *source_folders, source_name = _checked(source)
    with (
        folder_handle(root, source_folders) as src,
        folder_handle(root, folder, create=True) as dst,
    ):
        final = name
        with contextlib.suppress(FileNotFoundError):
            os.stat(name, dir_fd=dst, follow_symlinks=False)
            final = taken_name
        os.rename(source_name, final, src_dir_fd=src, dst_dir_fd=dst)
    return (*folder, final)


def unlink_within(root: Path, parts: Sequence[str]) -> None:
    """Delete `root/parts...` (a link: the link itself), walking there without links."""
    *folders, name = _checked(parts)
    with folder_handle(root, folders) as folder:
        os.unlink(name, dir_fd=folder)
