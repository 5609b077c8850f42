"""The Sitzungsmappe's plan: cover, one section per item, its documents or placeholders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from connectors.pdf_merge import Document, FolderPlan, Line, Section
from tasks.agenda_outputs.content import scalars
from tasks.agenda_outputs.view import AgendaView

WITHHELD_REASON = "Dieses Dokument wird nur mit dem nichtöffentlichen Teil bereitgestellt."


@dataclass(frozen=True)
class PaperFile:
    """A paper's file as the store has it: a path to a PDF, or the reason why not."""

    path: Path | None
    sha256: str | None
    reason: str | None


def folder_plan(
    view: AgendaView, files: Mapping[str, PaperFile], municipality: str, today: dt.date
) -> FolderPlan:
    """The plan of one audience's Sitzungsmappe, from that audience's view only."""
    values = scalars(view, municipality, today)
    audience = "öffentlicher Teil" if view.public else "nichtöffentlicher Teil – vertraulich"
    cover = [
        Line(text=municipality, size=12, bold=True),
        Line(text=""),
        Line(text="Sitzungsmappe", size=24, bold=True),
        Line(text=f"({audience})", size=13),
        Line(text=""),
        Line(text=values["sitzung"], size=14, bold=True),
        Line(text=values["gremium"], size=13),
        Line(text=f"{values['wochentag']}, {values['datum']}, {values['uhrzeit']} Uhr".strip(", ")),
        Line(text=values["ort"]),
        Line(text=""),
        Line(text=f"{len(view.items)} Tagesordnungspunkte"),
    ]
    numbers = {item.number for item in view.items}
    sections: list[Section] = []
    for item in view.items:
        blocked = view.blocked_files.get(item.number, frozenset())
        documents = []
        for index, file_id in enumerate(item.file_ids):
            label = "Vorlage" if index == 0 and item.paper_id else f"Anlage {index}"
            if file_id in blocked:
                documents.append(Document(label=label, reason=WITHHELD_REASON))
                continue
            found = files.get(file_id)
            if found is None:
                documents.append(Document(label=label, reason="Die Datei ist nicht verfügbar."))
            elif found.path is None:
                documents.append(Document(label=label, reason=found.reason))
            else:
                documents.append(Document(label=label, path=str(found.path)))
        lines = [
            Line(text=f"TOP {item.number}", size=18, bold=True),
            Line(text=item.title, size=14),
        ]
        if item.paper_reference:
            lines.append(Line(text=f"Vorlage {item.paper_reference}", size=12))
        if not item.file_ids and item.paper_id:
            lines.append(Line(text="Zu dieser Vorlage liegt kein Dokument vor."))
        sections.append(
            Section(
                key=item.number,
                parent=item.parent_number if item.parent_number in numbers else None,
                bookmark=f"TOP {item.number}: {item.title}",
                lines=lines,
                documents=documents,
            )
        )
    title = f"Sitzungsmappe {values['sitzung']} {values['datum']} ({audience})"
    return FolderPlan(title=title, cover=cover, sections=sections)
