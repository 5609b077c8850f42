"""Write the default Word templates of the agenda outputs (templates/agenda/*.docx).

The shipped templates are plain python-docx documents so that they can be regenerated;
a municipality replaces them with its own (tenants/<slug>/agenda/<name>.docx), edited in
Word, keeping the placeholders it needs (see tasks/agenda_outputs/word.py).
Run: .venv/bin/python scripts/agenda_templates.py
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

OUT = Path(__file__).resolve().parents[1] / "templates" / "agenda"


def _table(document: docx.document.Document) -> None:
    table = document.add_table(rows=3, cols=3)
    table.style = "Table Grid"
    header = table.rows[0].cells
    for cell, text in zip(header, ("TOP", "Betreff", "Vorlage"), strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    part = table.rows[1].cells
    merged = part[0].merge(part[2])
    merged.paragraphs[0].add_run("{{ teil.titel }}").bold = True
    item = table.rows[2].cells
    for cell, text in zip(
        item, ("{{ top.nummer }}", "{{ top.betreff }}", "{{ top.vorlage }}"), strict=True
    ):
        cell.paragraphs[0].add_run(text)
    for row in table.rows:
        row.cells[0].width, row.cells[1].width, row.cells[2].width = Cm(1.6), Cm(11.4), Cm(3.0)


def _base() -> docx.document.Document:
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(2.2)
    head = document.add_paragraph()
    head.add_run("{{ gemeinde }}").bold = True
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    footer.text = "{{ gemeinde }} – {{ gremium }} – {{ datum }}"
    return document


def einladung() -> docx.document.Document:
    """The invitation: a letter with the agenda as a table."""
    document = _base()
    document.add_paragraph("An die Mitglieder des Gremiums {{ gremium }}")
    document.add_paragraph("{{ heute }}").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    title = document.add_paragraph()
    title.add_run("Einladung zur {{ sitzung }}").bold = True
    document.add_paragraph("Sehr geehrte Damen und Herren,")
    document.add_paragraph(
        "hiermit lade ich Sie zur {{ sitzung }} des Gremiums {{ gremium }} am {{ wochentag }}, "
        "{{ datum }}, um {{ uhrzeit }} Uhr, {{ ort }}, ein."
    )
    document.add_paragraph("Tagesordnung ({{ teil }}):")
    _table(document)
    document.add_paragraph("{{ hinweis_nichtoeffentlich }}")
    document.add_paragraph("Mit freundlichen Grüßen")
    document.add_paragraph("Im Auftrag")
    return document


def tagesordnung() -> docx.document.Document:
    """The agenda alone, e.g. for the public announcement."""
    document = _base()
    title = document.add_paragraph()
    title.add_run("Tagesordnung").bold = True
    document.add_paragraph("{{ sitzung }} – {{ gremium }}")
    document.add_paragraph("{{ wochentag }}, {{ datum }}, {{ uhrzeit }} Uhr, {{ ort }}")
    document.add_paragraph("({{ teil }})")
    _table(document)
    document.add_paragraph("{{ hinweis_nichtoeffentlich }}")
    return document


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, make in (("einladung", einladung), ("tagesordnung", tagesordnung)):
        make().save(str(OUT / f"{name}.docx"))
        print(OUT / f"{name}.docx")


if __name__ == "__main__":
    main()
