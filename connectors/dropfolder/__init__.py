"""Drop folders: local or mounted shares where submissions arrive as files."""

from connectors.dropfolder.reading import NotARegularFileError, open_drop_file, open_inside
from connectors.dropfolder.scan import DropFile, scan

__all__ = ["DropFile", "NotARegularFileError", "open_drop_file", "open_inside", "scan"]
