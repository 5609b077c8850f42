"""Agenda outputs from real files: DOCX read back, bookmarks, placeholders, the public wall."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from connectors.storage import TenantStorage
from models.agenda import AgendaDraft
from tasks.agenda_outputs import PublicLeakError, render_outputs
from tasks.agenda_outputs.folder import PaperFile
from tasks.agenda_outputs.write import OutputsResult
from tests.agenda_drafts import SECRET_LAND, SECRET_TITLE, council_draft, council_files

TODAY = dt.date(2026, 11, 20)
SECRETS = (SECRET_TITLE, SECRET_LAND, "VO/2026/105", "VO/2026/106", "p/5", "p/6")


def _render(
    tmp_path: Path,
    draft: AgendaDraft | None = None,
    files: dict[str, PaperFile] | None = None,
    tenants_dir: Path | None = None,
) -> tuple[OutputsResult, Path]:
    storage = TenantStorage(tmp_path / "home", "musterstadt", fsync=False)
    result = render_outputs(
        draft or council_draft(),
        municipality="Gemeinde Musterstadt",
        storage=storage,
        files=council_files() if files is None else files,
        tenants_dir=tenants_dir or tmp_path / "tenants",
        today=TODAY,
    )
    return result, storage.root / "outputs" / result.folder


def _outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(depth, title, page index) of every bookmark, in document order."""
    found: list[tuple[int, str, int]] = []

    def walk(nodes: list[object], depth: int) -> None:
        for node in nodes:
            if isinstance(node, list):
                walk(node, depth + 1)
            else:
                found.append((depth, node.title, reader.get_destination_page_number(node)))  # type: ignore[attr-defined]

    walk(reader.outline, 0)
    return found


def _docx_text(path: Path) -> list[str]:
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += ["|".join(cell.text for cell in row.cells) for row in table.rows]
    return texts


def test_public_folder_has_bookmarks_in_agenda_order_and_placeholders_with_reasons(
    tmp_path: Path,
) -> None:
    result, folder = _render(tmp_path)
    reader = PdfReader(folder / "oeffentlich" / "sitzungsmappe.pdf")
    marks = _outline(reader)
    items = [(d, t) for d, t, _ in marks if t.startswith("TOP ")]
    assert items == [
        (0, "TOP 1: Eröffnung und Feststellung der Beschlussfähigkeit"),
        (0, "TOP 2: Einwohnerfragestunde"),
        (0, "TOP 3: Bebauungsplan Nr. 7 „Am Mühlbach“"),
        (1, "TOP 3.1: Empfehlung des Bauausschusses zum Bebauungsplan Nr. 7"),
        (0, "TOP 4: Haushaltssatzung 2027"),
        (0, "TOP 5: Sanierung der Grundschule"),
        (0, "TOP 6: Mitteilungen und Anfragen"),
    ]
    pages = [p for _, _, p in marks]
    assert pages == sorted(pages)  # bookmarks point forward through the file
    page_of = {t: p for _, t, p in marks}

    def text_at(title: str) -> str:
        return reader.pages[page_of[title]].extract_text()

    # TOP 3's main paper is crazyones (one page), then the 4-page LaTeX attachment
    top3 = [(t, p) for d, t, p in marks if d >= 1][:2]
    assert [t for t, _ in top3] == ["Vorlage", "Anlage 1"]
    assert "crazy ones" in reader.pages[top3[0][1]].extract_text().lower()
    # ... but the attachment is also a file of the non-public item 7: withheld publicly
    assert "nur mit dem nichtöffentlichen Teil" in reader.pages[top3[1][1]].extract_text()
    # encrypted, damaged, Word and missing files became placeholder pages saying why
    texts = [page.extract_text() for page in reader.pages]
    assert any("verschlüsselt" in t for t in texts)
    assert any("beschädigt" in t for t in texts)
    assert any("Word-Dokument" in t for t in texts)
    assert any("nicht verfügbar" in t for t in texts)
    assert "Sitzungsmappe" in texts[0] and "öffentlicher Teil" in texts[0]
    assert text_at("TOP 5: Sanierung der Grundschule").startswith("TOP 5")
    assert result.placeholders["oeffentlich"] == 5  # withheld, encrypted, damaged, word, missing
    assert result.pages["oeffentlich"] == len(reader.pages)
    assert result.blocked_files == 1 and result.withheld_numbers == []


def test_nonpublic_folder_holds_only_the_nonpublic_part(tmp_path: Path) -> None:
    _, folder = _render(tmp_path)
    reader = PdfReader(folder / "nichtoeffentlich" / "sitzungsmappe.pdf")
    titles = [t for d, t, _ in _outline(reader) if d == 0]
    assert titles == [
        f"TOP 7: {SECRET_TITLE}",
        f"TOP 8: {SECRET_LAND}",
        "TOP 9: Mitteilungen und Anfragen",
    ]
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Hello World" in text or "Hello world" in text  # the secret paper itself
    assert "vertraulich" in reader.pages[0].extract_text()


def test_docx_read_back_public_without_and_full_with_the_nonpublic_part(tmp_path: Path) -> None:
    _, folder = _render(tmp_path)
    public = _docx_text(folder / "oeffentlich" / "einladung.docx")
    full = _docx_text(folder / "nichtoeffentlich" / "einladung.docx")
    rows = [t for t in public if t.count("|") == 2]
    assert rows[0] == "TOP|Betreff|Vorlage"
    assert rows[1].startswith("Öffentlicher Teil")
    assert rows[2:5] == [
        "1|Eröffnung und Feststellung der Beschlussfähigkeit|",
        "2|Einwohnerfragestunde|",
        "3|Bebauungsplan Nr. 7 „Am Mühlbach“|VO/2026/101",
    ]
    assert not any("Nichtöffentlicher Teil" in t for t in rows)
    joined = "\n".join(public)
    assert "am Donnerstag, 03.12.2026, um 18:00 Uhr, Ratssaal, Rathaus" in joined  # Berlin time
    assert "nichtöffentlicher Teil statt" in joined
    full_rows = [t for t in full if t.count("|") == 2]
    assert any(r.startswith("Nichtöffentlicher Teil") for r in full_rows)
    assert f"7|{SECRET_TITLE}|VO/2026/105" in full_rows
    assert not any("{{" in t or "}}" in t for t in public + full)  # every placeholder filled
    agenda = _docx_text(folder / "oeffentlich" / "tagesordnung.docx")
    assert "Tagesordnung" in agenda[1] and "6|Mitteilungen und Anfragen|" in agenda


def test_public_outputs_never_contain_the_nonpublic_part(tmp_path: Path) -> None:
    _, folder = _render(tmp_path)
    public = folder / "oeffentlich"
    texts = [
        "\n".join(_docx_text(public / "einladung.docx")),
        "\n".join(_docx_text(public / "tagesordnung.docx")),
        (public / "tagesordnung.json").read_text(encoding="utf-8"),
    ]
    reader = PdfReader(public / "sitzungsmappe.pdf")
    texts += [page.extract_text() for page in reader.pages]
    texts += [t for _, t, _ in _outline(reader)]
    for secret in SECRETS:
        assert not any(secret in text for text in texts), secret
    export = json.loads(texts[2])
    assert [i["number"] for i in export["data"]] == ["1", "2", "3", "3.1", "4", "5", "6"]
    assert all(i["public"] and i["type"].endswith("/AgendaItem") for i in export["data"])
    full = json.loads((folder / "nichtoeffentlich" / "tagesordnung.json").read_text())
    assert [i["public"] for i in full["data"]].count(False) == 3
    assert [i["order"] for i in full["data"]] == list(range(1, 11))


def test_paper_on_both_parts_and_title_inside_public_title_are_withheld(tmp_path: Path) -> None:
    draft = council_draft()
    items = list(draft.items)
    # item 4 turns out to be the same paper as the non-public item 7 (another consultation)
    items[4] = items[4].model_copy(update={"paper_id": "p/5", "paper_reference": "VO/2026/199"})
    # item 5's public title quotes a non-public title
    items[5] = items[5].model_copy(update={"title": f"Bericht: {SECRET_LAND.upper()}"})
    draft = draft.model_copy(update={"items": items})
    result, folder = _render(tmp_path, draft)
    assert result.withheld_numbers == ["4", "5"]
    export = json.loads((folder / "oeffentlich" / "tagesordnung.json").read_text())
    assert [i["number"] for i in export["data"]] == ["1", "2", "3", "3.1", "6"]
    text = "\n".join(_docx_text(folder / "oeffentlich" / "tagesordnung.docx"))
    assert "Haushaltssatzung" not in text and "Flurstück" not in text


def test_same_content_under_another_file_id_is_withheld(tmp_path: Path) -> None:
    files = council_files()
    # the public TOP 5's second file has the very bytes of the non-public land paper
    files["f/scan"] = PaperFile(files["f/land"].path, files["f/land"].sha256, None)
    result, folder = _render(tmp_path, files=files)
    assert result.blocked_files == 2
    reader = PdfReader(folder / "oeffentlich" / "sitzungsmappe.pdf")
    land = PdfReader(files["f/land"].path).pages[0].extract_text()[:40]
    assert land and not any(land in page.extract_text() for page in reader.pages)


def test_a_template_that_would_leak_writes_nothing(tmp_path: Path) -> None:
    own = tmp_path / "tenants" / "musterstadt" / "agenda"
    own.mkdir(parents=True)
    document = docx.Document()
    document.add_paragraph("Vorab-Hinweis: " + SECRET_TITLE)  # a careless static text
    document.add_paragraph("{{ top.nummer }} {{ top.betreff }}")
    document.save(str(own / "einladung.docx"))
    with pytest.raises(PublicLeakError, match=r"oeffentlich/einladung\.docx.*Titel") as caught:
        _render(tmp_path)
    assert SECRET_TITLE not in str(caught.value)
    outputs = tmp_path / "home" / "tenants" / "musterstadt" / "outputs"
    assert not any(p.is_file() for p in outputs.rglob("*"))


def test_rerun_gives_the_same_files(tmp_path: Path) -> None:
    first, folder = _render(tmp_path)
    second, _ = _render(tmp_path)
    assert len(first.files) == 8 and any(f.path.endswith(".pdf") for f in first.files)
    assert {f.path: f.sha256 for f in first.files} == {f.path: f.sha256 for f in second.files}
    with zipfile.ZipFile(folder / "oeffentlich" / "einladung.docx") as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}  # no clock
    assert sorted(p.name for p in (folder / "oeffentlich").iterdir()) == [
        "einladung.docx",
        "sitzungsmappe.pdf",
        "tagesordnung.docx",
        "tagesordnung.json",
    ]
