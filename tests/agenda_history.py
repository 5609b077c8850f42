"""Small crafted council worlds for the agenda builder: an in-memory `Archive`.

A council (rat) and a committee (bau) with past meetings in the Hürtgenwald style:
section markers, "Fragestunde" and "Mitteilungen"/"Fragen" in both parts, committee
recommendations as sub-items numbered with the committee's item number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tasks.agenda.archive import (
    Archive,
    ConsultationRecord,
    ItemRecord,
    MeetingRecord,
    PaperRecord,
)

RAT, BAU = "org/rat", "org/bau"
ABT1, ABT2 = "org/abt1", "org/abt2"
T0 = dt.datetime(2024, 1, 10, 18, tzinfo=dt.UTC)


@dataclass
class World:
    """Builds an archive meeting by meeting."""

    archive: Archive = field(default_factory=Archive)
    n: int = 0

    def __post_init__(self) -> None:
        self.archive.organizations.update(
            {
                RAT: ("Gemeinderat", "GR"),
                BAU: ("Bau- und Umweltausschuss", "BA"),
                ABT1: ("Abteilung 1", None),
                ABT2: ("Abteilung 2", None),
            }
        )

    def paper(
        self,
        title: str,
        reference: str,
        *,
        paper_type: str = "Beschlussvorlage",
        department: str | None = None,
    ) -> str:
        self.n += 1
        pid = f"paper/{self.n}"
        self.archive.papers[pid] = PaperRecord(
            id=pid,
            title=title,
            reference=reference,
            paper_type=paper_type,
            departments=(department,) if department else (),
            file_ids=(f"file/{self.n}",),
        )
        return pid

    def meeting(
        self,
        org: str,
        start: dt.datetime,
        rows: list[tuple[str, str, bool | None, str | None]] | None = None,
        *,
        papers: list[str] | None = None,
    ) -> str:
        """A meeting; `rows` = (number, title, public, paper) of its real agenda, markers
        ("A"/"B") included; `papers` = papers consulted without an agenda (upcoming)."""
        self.n += 1
        mid = f"meeting/{self.n}"
        self.archive.meetings[mid] = MeetingRecord(mid, org, start, f"Sitzung {self.n}")
        items = []
        for pos, (number, title, public, paper) in enumerate(rows or []):
            iid = f"{mid}/item/{pos}"
            items.append(ItemRecord(iid, pos, number, title, public, number in {"A", "B"}, paper))
            if paper is not None:
                self.archive.consultations.append(ConsultationRecord(f"{iid}/c", paper, mid, iid))
        if items:
            self.archive.items[mid] = items
        for paper in papers or []:
            self.archive.consultations.append(ConsultationRecord(f"{mid}/c/{paper}", paper, mid))
        self.archive.index()
        return mid


def council_rows(
    k: int, papers: list[tuple[str, str]]
) -> list[tuple[str, str, bool | None, str | None]]:
    """A past council agenda: standing items around `papers` (id, title) as direct items."""
    rows: list[tuple[str, str, bool | None, str | None]] = [
        ("A", "Öffentliche Sitzung", True, None),
        ("1.", "Fragestunde der Einwohner", True, None),
    ]
    for n, (p, title) in enumerate(papers, start=2):
        rows.append((f"{n}.", title, True, p))
    n = len(papers) + 2
    rows += [
        (f"{n}.", "Mitteilungen", True, None),
        (f"{n}.1", "schriftliche Mitteilungen", True, None),
        (f"{n}.2", "mündliche Mitteilungen", True, None),
        (f"{n + 1}.", "Fragen", True, None),
        ("B", "Nichtöffentliche Sitzung", False, None),
        (f"{n + 2}.", f"Grundstücksangelegenheit Nr. {k}", False, None),
        (f"{n + 3}.", "Mitteilungen", False, None),
        (f"{n + 4}.", "Fragen", False, None),
    ]
    return rows
