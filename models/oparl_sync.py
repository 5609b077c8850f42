"""The result of one OParl sync: counts per object type, deviations, errors; no contents.

It is printed by the command line and published as an artifact, so it holds counts, URLs
and reasons only, never a name or a title (persons are personal data).
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, computed_field

KINDS = (
    "body",
    "organization",
    "person",
    "meeting",
    "agendaItem",
    "paper",
    "consultation",
    "file",
)

TITLES = {
    "body": "Körperschaften",
    "organization": "Gremien und Organisationen",
    "person": "Personen",
    "meeting": "Sitzungen",
    "agendaItem": "Tagesordnungspunkte",
    "paper": "Vorlagen",
    "consultation": "Beratungen",
    "file": "Dateien",
}


class ObjectCounts(BaseModel):
    """One object type: read in this run (live and deleted) and held now (not deleted)."""

    seen: int = 0
    deleted: int = 0
    stored: int = 0


class OParlSyncSummary(BaseModel):
    """What a sync did; `complete` is False when a list could not be read to its end."""

    tenant: str
    system_url: str
    full: bool
    modified_since: dt.datetime | None = None
    bodies: int = 0
    objects: dict[str, ObjectCounts] = Field(default_factory=dict)
    quirks: dict[str, int] = Field(default_factory=dict)
    dangling_references: int = 0
    errors: list[str] = Field(default_factory=list)
    unreadable: list[str] = Field(
        default_factory=list,
        description="objects skipped as unreadable (per page); read again next run, they "
        "do not make the sync incomplete",
    )
    pending: int = Field(0, description="objects to read again by URL in the next run")
    seconds: float = 0.0
    flow_run_id: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def complete(self) -> bool:
        """Every list was read to its end."""
        return not self.errors
