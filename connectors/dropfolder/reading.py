"""Open a scanned drop file without following anything the scan did not check.

The scan refuses symlinks that lead out of the folder, but the share is writable by
others: between the scan and the read, a file can be replaced by a link to another
municipality's folder or to a system file, or by a named pipe that blocks the run
forever. So the file is opened by walking from the drop folder one name at a time,
refusing links on the way (`O_NOFOLLOW`), without waiting on a pipe (`O_NONBLOCK`),
and only a regular file is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from connectors.dropfolder.scan import DropFile

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class NotARegularFileError(OSError):
    """What the drop file's name leads to now is not a file of the drop folder."""


def open_drop_file(drop: DropFile) -> BinaryIO:
    """The drop file for reading; raises OSError when it is gone, a link out, or no file."""
    return open_inside(drop.root or drop.path.parent, drop.path)


def open_inside(folder: Path, path: Path) -> BinaryIO:
    """A regular file below `folder` for reading, reached without following links.

    A link the scan accepted (it leads to a file inside the folder) is read at its
    target; its target's path, too, is walked without following links.
    """
    root = folder.resolve()
    target = path.resolve(strict=True)
    if not target.is_relative_to(root) or target == root:
        raise NotARegularFileError("Datei führt aus dem Eingangsordner heraus")
    *folders, name = target.relative_to(root).parts
    folder_fd = os.open(root, _DIRECTORY)
    try:
        for part in folders:
            inner = os.open(part, _DIRECTORY, dir_fd=folder_fd)
            os.close(folder_fd)
            folder_fd = inner
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        file_fd = os.open(name, flags, dir_fd=folder_fd)
    finally:
        os.close(folder_fd)
    try:
        if not stat.S_ISREG(os.fstat(file_fd).st_mode):
            raise NotARegularFileError("keine gewöhnliche Datei")
        os.set_blocking(file_fd, True)
        return os.fdopen(file_fd, "rb")
    except BaseException:
        os.close(file_fd)
        raise
