"""The outputs of an approved agenda.

Invitation and agenda (DOCX from the municipality's Word templates), the public and the
non-public Sitzungsmappe (PDF with bookmarks) and the OParl-shaped JSON export. Public
outputs are rendered from a filtered view only (`view.public_view`); see
`write.render_outputs`.
"""

from tasks.agenda_outputs.folder import PaperFile
from tasks.agenda_outputs.view import PublicLeakError, public_view
from tasks.agenda_outputs.word import TemplateError
from tasks.agenda_outputs.write import OutputsResult, WrittenFile, render_outputs, template_path

__all__ = [
    "OutputsResult",
    "PaperFile",
    "PublicLeakError",
    "TemplateError",
    "WrittenFile",
    "public_view",
    "render_outputs",
    "template_path",
]
