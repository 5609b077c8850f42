"""What a preparation reports: counts, numbers, flags, files and hashes; never a title.

Titles of non-public items may name citizens (personnel and land matters), and the
operator console is not the place for them; the clerk sees titles in the draft file and
the outputs, which stay in the tenant's folder.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from models.agenda import AgendaDraft
from tasks.agenda_outputs.write import OutputsResult, WrittenFile

Status = Literal["freigegeben", "abgelehnt", "ohne-freigabe"]


class OutputFile(BaseModel):
    """One written file, relative to the tenant's outputs folder."""

    path: str
    sha256: str
    size: int
    public: bool


class AgendaSummary(BaseModel):
    """The result of `prepare-agenda` and of `amtsflow agenda prepare`."""

    tenant: str
    meeting: str
    status: Status
    flow_run_id: str | None = None
    items: int = 0
    public_items: int = 0
    nonpublic_items: int = 0
    flagged: list[str] = Field(default_factory=list, description="numbers to check")
    notice_late: bool | None = None
    warnings: int = 0
    moved_by_clerk: int = 0
    folder: str | None = None
    files: list[OutputFile] = Field(default_factory=list)
    withheld_from_public: list[str] = Field(default_factory=list)
    blocked_public_files: int = 0
    pages: dict[str, int] = Field(default_factory=dict)
    placeholders: dict[str, int] = Field(default_factory=dict)
    seconds: float = 0.0

    @classmethod
    def of(cls, draft: AgendaDraft, status: Status, **extra: object) -> AgendaSummary:
        """Counts of a draft (before outputs)."""
        return cls(
            tenant=draft.tenant,
            meeting=draft.meeting_id,
            status=status,
            items=len(draft.items),
            public_items=len(draft.public_items),
            nonpublic_items=len(draft.nonpublic_items),
            flagged=[i.number for i in draft.flagged_items],
            notice_late=draft.notice.late if draft.notice else None,
            warnings=len(draft.warnings),
            **extra,
        )

    def with_outputs(self, result: OutputsResult) -> AgendaSummary:
        """Add what the outputs step wrote."""
        return self.model_copy(
            update={
                "folder": result.folder,
                "files": [_file(f) for f in result.files],
                "withheld_from_public": result.withheld_numbers,
                "blocked_public_files": result.blocked_files,
                "pages": result.pages,
                "placeholders": result.placeholders,
            }
        )


def _file(written: WrittenFile) -> OutputFile:
    return OutputFile(
        path=written.path, sha256=written.sha256, size=written.size, public=written.public
    )


def draft_markdown(draft: AgendaDraft) -> str:
    """The draft for the operator console: numbers, parts, sources, flags; no titles."""
    lines = [
        f"### Tagesordnungsentwurf ({draft.tenant})",
        "",
        f"{len(draft.items)} Punkte: {len(draft.public_items)} öffentlich, "
        f"{len(draft.nonpublic_items)} nichtöffentlich, "
        f"{len(draft.flagged_items)} vom Sitzungsdienst zu prüfen.",
    ]
    if draft.notice:
        state = "zu spät" if draft.notice.late else "rechtzeitig"
        lines.append(
            f"Ladungsfrist {draft.notice.required_days} Tage: Einladung {state}, spätestens am "
            f"{draft.notice.latest_invitation:%d.%m.%Y}."
        )
    if draft.warnings:
        lines.append(f"{len(draft.warnings)} Hinweise des Entwurfs (siehe Entwurfsdatei).")
    lines += [
        "",
        "| TOP | Teil | Art | Vorlagen-Nr. | Dokumente | Entscheidung | Prüfen |",
        "|---|---|---|---|---|---|---|",
    ]
    for item in draft.items:
        lines.append(
            f"| {item.number} | {'öffentlich' if item.public else 'nichtöffentlich'} "
            f"| {'Vorlage' if item.paper_id else 'ständig'} | {item.paper_reference or ''} "
            f"| {len(item.file_ids)} | {item.confidentiality_source.value} "
            f"| {'ja' if item.flagged else ''} |"
        )
    return "\n".join(lines)


def outputs_rows(summary: AgendaSummary) -> list[dict[str, str | int]]:
    """The written files as table rows: folder part, name, size, hash."""
    return [
        {
            "Teil": "öffentlich" if f.public else "nichtöffentlich",
            "Datei": f.path.rsplit("/", 1)[-1],
            "Bytes": f.size,
            "SHA-256": f.sha256[:16],
        }
        for f in summary.files
    ]
