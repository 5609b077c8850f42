"""Drop folders: local or mounted shares where submissions arrive as files."""

from connectors.dropfolder import placing
from connectors.dropfolder.reading import (
    NotARegularFileError,
    drop_parts,
    exists_at,
    move_within,
    open_drop_file,
    open_inside,
    open_parts,
    sha256_of,
    unlink_within,
)
from connectors.dropfolder.scan import DropFile, scan

__all__ = [
    "DropFile",
    "NotARegularFileError",
    "drop_parts",
    "exists_at",
    "move_within",
    "open_drop_file",
    "open_inside",
    "open_parts",
    "placing",
    "scan",
    "sha256_of",
    "unlink_within",
]
