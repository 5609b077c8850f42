"""Create the default Word templates (run once; the results are committed).

A municipality may replace `templates/eingangsbestaetigung.docx` with its own letterhead
(or put one at `<tenants>/<slug>/eingangsbestaetigung.docx`); it keeps the placeholders.
"""

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

OUT = Path(__file__).resolve().parents[1] / "templates"


def acknowledgement() -> None:
    doc = Document()
    doc.core_properties.title = "Eingangsbestätigung"
    doc.core_properties.author = "Amtsflow"
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    header = doc.sections[0].header.paragraphs[0]
    header.text = "{{ gemeinde }} · {{ fachbereich }}"
    p = doc.add_paragraph("{{ datum }}")
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_heading("Eingangsbestätigung", level=1)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in [
        ("Aktenzeichen", "{{ aktenzeichen }}"),
        ("Ihr Anliegen", "{{ formular }}"),
        ("Betreff", "{{ betreff }}"),
        ("Eingegangen am", "{{ eingangsdatum }}"),
        ("Zuständig", "{{ fachbereich }}"),
    ]:
        row = table.add_row().cells
        row[0].text = label
        row[1].text = value
    doc.add_paragraph("")
    doc.add_paragraph("{{ anrede }}")
    doc.add_paragraph(
        "wir bestätigen den Eingang Ihres Anliegens. Es wird unter dem oben genannten "
        "Aktenzeichen bearbeitet. Bitte geben Sie das Aktenzeichen bei Rückfragen an."
    )
    doc.add_paragraph("Mit freundlichen Grüßen")
    doc.add_paragraph("{{ gemeinde }}")
    note = doc.add_paragraph(
        "Dieses Schreiben wurde maschinell erstellt und ist ohne Unterschrift gültig."
    )
    note.runs[0].font.size = Pt(8)
    doc.save(str(OUT / "eingangsbestaetigung.docx"))


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    acknowledgement()
