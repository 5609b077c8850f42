"""The municipality's own Word templates: override, split runs, clear errors when broken."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from tasks.agenda_outputs.word import AgendaTemplate, Row, TemplateError, document_texts
from tasks.agenda_outputs.write import DEFAULT_TEMPLATES, template_path


def _template(path: Path, *paragraphs: str | list[str]) -> Path:
    """A DOCX whose paragraphs are given as text or as a list of runs (as Word splits)."""
    document = docx.Document()
    for paragraph in paragraphs:
        p = document.add_paragraph()
        for run in [paragraph] if isinstance(paragraph, str) else paragraph:
            p.add_run(run)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def test_tenant_template_overrides_the_default_and_split_runs_are_joined(tmp_path: Path) -> None:
    tenants = tmp_path / "tenants"
    assert (
        template_path(tenants, "musterstadt", "einladung") == DEFAULT_TEMPLATES / "einladung.docx"
    )
    own = _template(
        tenants / "musterstadt" / "agenda" / "einladung.docx",
        ["Sitzung des ", "{{ gre", "mium }}", " am {{ datum }}"],
        ["TOP {{ top.", "nummer }}: ", "{{ top.betreff }}"],
        "Ende",
    )
    assert template_path(tenants, "musterstadt", "einladung") == own
    assert template_path(tenants, "nebenan", "einladung") == DEFAULT_TEMPLATES / "einladung.docx"
    rendered = AgendaTemplate(own).render(
        {"gremium": "Rat", "datum": "03.12.2026"},
        [
            Row("teil", {"titel": "ignored: the template has no part heading"}),
            Row("top", {"nummer": "1", "betreff": "Eröffnung <&>"}),
            Row("top", {"nummer": "2", "betreff": "Bebauungsplan"}),
        ],
    )
    texts = [t for t in document_texts(rendered) if t]
    assert texts == [
        "Sitzung des Rat am 03.12.2026",
        "TOP 1: Eröffnung <&>",
        "TOP 2: Bebauungsplan",
        "Ende",
    ]


def test_default_templates_load_and_use_only_known_placeholders() -> None:
    for name in ("einladung", "tagesordnung"):
        template = AgendaTemplate(DEFAULT_TEMPLATES / f"{name}.docx")
        assert {"top.nummer", "top.betreff", "teil.titel", "datum"} <= template.placeholders


@pytest.mark.parametrize(
    ("paragraphs", "message"),
    [
        (
            ["{{ top.betreff }}", "{{ buergermeister }}"],
            r"unbekannte Platzhalter \['buergermeister'\]",
        ),
        (
            ["{{ top.betreff }}", "{{ top.vorlagenr }}"],
            r"unbekannte Platzhalter \['top.vorlagenr'\]",
        ),
        (["{{ top.betreff }}", "am {{ datum"], r"nicht geschlossen: '\{\{ datum'"),
        (["{{ gremium }} ohne Punkte"], r"keine Zeile mit dem Platzhalter \{\{ top.betreff \}\}"),
        (["{{ top.betreff }}", "{{ top.nummer }}"], r"in mehr als einer Zeile"),
    ],
)
def test_broken_template_names_file_and_placeholder(
    tmp_path: Path, paragraphs: list[str], message: str
) -> None:
    path = _template(tmp_path / "kaputt.docx", *paragraphs)
    with pytest.raises(TemplateError, match=message) as caught:
        AgendaTemplate(path)
    assert str(path) in str(caught.value)


def test_no_docx_at_all(tmp_path: Path) -> None:
    path = tmp_path / "einladung.docx"
    path.write_bytes(b"%PDF-1.4 not a word file")
    with pytest.raises(TemplateError, match=r"einladung\.docx: keine lesbare Word-Vorlage"):
        AgendaTemplate(path)
