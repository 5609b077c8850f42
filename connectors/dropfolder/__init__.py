"""Drop folders: local or mounted shares where submissions arrive as files."""

from connectors.dropfolder.scan import DropFile, scan

__all__ = ["DropFile", "scan"]
