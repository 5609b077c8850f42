"""Merging untrusted PDFs into one file with bookmarks, in a resource-limited process.

Used for the Sitzungsmappe: the agenda outputs build a `FolderPlan` (cover, one section
per agenda item with a divider page, its documents), `merge_folder` writes it. Documents
that cannot be copied (encrypted, damaged, too big, no PDF) become placeholder pages that
say why; no document can stop the folder.
"""

from connectors.pdf_merge.plan import Document, FolderPlan, Line, Section
from connectors.pdf_merge.runner import MergeError, MergeLimits, MergeResult, merge_folder

__all__ = [
    "Document",
    "FolderPlan",
    "Line",
    "MergeError",
    "MergeLimits",
    "MergeResult",
    "Section",
    "merge_folder",
]
