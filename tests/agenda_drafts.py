"""Hand-built agenda drafts and paper files for the output tests (real PDFs and DOCX)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from models.agenda import AgendaDraft, ConfidentialitySource, DraftItem, ItemKind
from tasks.agenda_outputs.files import judge
from tasks.agenda_outputs.folder import PaperFile

DOCUMENTS = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "documents"
PDF = DOCUMENTS / "pdf"
SECRET_TITLE = "Personalangelegenheit: Höhergruppierung Frau Erika Beispiel"
SECRET_LAND = "Grundstücksverkauf Flurstück 4711 an Herrn Max Muster"


def item(number: str, title: str, public: bool, **extra: object) -> DraftItem:
    """One item; papers unless `kind` says otherwise."""
    values: dict[str, object] = {
        "kind": ItemKind.PAPER,
        "confidentiality_source": ConfidentialitySource.RULE,
    }
    values.update(extra)
    return DraftItem(number=number, title=title, public=public, **values)  # type: ignore[arg-type]


def standing(number: str, title: str, public: bool) -> DraftItem:
    """A standing item (no paper)."""
    return item(
        number,
        title,
        public,
        kind=ItemKind.STANDING,
        confidentiality_source=ConfidentialitySource.STANDING,
    )


def council_draft(tenant: str = "musterstadt") -> AgendaDraft:
    """A council meeting: standing items, a grouped paper, both parts, shared files."""
    return AgendaDraft(
        tenant=tenant,
        meeting_id="http://127.0.0.1/oparl/meeting/77",
        meeting_name="12. Sitzung des Gemeinderates",
        organization_name="Gemeinderat",
        start=dt.datetime(2026, 12, 3, 17, 0, tzinfo=dt.UTC),
        location="Ratssaal, Rathaus",
        items=[
            standing("1", "Eröffnung und Feststellung der Beschlussfähigkeit", True),
            standing("2", "Einwohnerfragestunde", True),
            item(
                "3",
                "Bebauungsplan Nr. 7 „Am Mühlbach“",
                True,
                paper_id="p/1",
                paper_reference="VO/2026/101",
                file_ids=["f/plain", "f/four-pages"],
            ),
            item(
                "3.1",
                "Empfehlung des Bauausschusses zum Bebauungsplan Nr. 7",
                True,
                parent_number="3",
                paper_id="p/2",
                paper_reference="VO/2026/102",
                file_ids=["f/encrypted"],
            ),
            item(
                "4",
                "Haushaltssatzung 2027",
                True,
                paper_id="p/3",
                paper_reference="VO/2026/103",
                file_ids=["f/damaged", "f/word"],
            ),
            item(
                "5",
                "Sanierung der Grundschule",
                True,
                paper_id="p/4",
                paper_reference="VO/2026/104",
                file_ids=["f/missing", "f/scan"],
            ),
            standing("6", "Mitteilungen und Anfragen", True),
            item(
                "7",
                SECRET_TITLE,
                False,
                paper_id="p/5",
                paper_reference="VO/2026/105",
                file_ids=["f/secret", "f/four-pages"],
            ),
            item(
                "8",
                SECRET_LAND,
                False,
                paper_id="p/6",
                paper_reference="VO/2026/106",
                file_ids=["f/land"],
            ),
            standing("9", "Mitteilungen und Anfragen", False),
        ],
    )


def _stored(path: Path, sha: str) -> PaperFile:
    reason = judge(path, 50 * 2**20)
    return PaperFile(None if reason else path, sha, reason)


def council_files() -> dict[str, PaperFile]:
    """The draft's files: real fixture documents, some unusable on purpose."""
    return {
        "f/plain": _stored(PDF / "crazyones.pdf", "1" * 64),
        "f/four-pages": _stored(PDF / "pdflatex-4-pages.pdf", "2" * 64),
        "f/encrypted": _stored(PDF / "libreoffice-writer-password.pdf", "3" * 64),
        "f/damaged": _stored(PDF / "unreadablemetadata.pdf", "4" * 64),
        "f/word": _stored(DOCUMENTS / "docx" / "blk-paras-and-tables.docx", "5" * 64),
        "f/scan": _stored(PDF / "Seige_of_Vicksburg_Sample_OCR.pdf", "6" * 64),
        "f/secret": _stored(PDF / "hello-world.pdf", "7" * 64),
        "f/land": _stored(PDF / "multilang.pdf", "8" * 64),
    }
