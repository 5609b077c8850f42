"""A suggested agenda (Tagesordnung) for one meeting, as the agenda builder proposes it.

The builder (tasks/agenda/) produces an `AgendaDraft`; the clerk approves or edits it; the
outputs (invitation, agenda, Sitzungsmappe, OParl-shaped JSON) are rendered from the approved
draft. Items are kept in agenda order: the public part first, then the non-public part.
Papers and files are referenced by their OParl ids (see models/oparl.py), never copied here.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ItemKind(StrEnum):
    """Where an item comes from."""

    STANDING = "standing"  # the organization's recurring item (Eröffnung, Anfragen, ...)
    PAPER = "paper"  # a paper (Vorlage) whose consultation points to the meeting


class ConfidentialitySource(StrEnum):
    """Why an item is public or non-public: a clerk must be able to see the reason."""

    RULE = "rule"  # a rule named in `confidentiality_reason` (Personalsache, Grundstück, ...)
    CLASSIFIER = "classifier"  # the model trained on the body's past agenda-item titles
    STANDING = "standing"  # a standing item's own part
    DOUBT = "doubt"  # neither was sure: non-public, flagged for the clerk
    CLERK = "clerk"  # set by the clerk when approving


class DraftItem(BaseModel):
    """One line of the suggested agenda."""

    model_config = ConfigDict(extra="forbid")

    number: str = Field(description="Nummer wie sie das Gremium vergibt, z. B. '5' oder '5.1'")
    title: str = Field(description="Betreff")
    kind: ItemKind
    public: bool = Field(description="Öffentlich (True) oder nichtöffentlich (False)")
    parent_number: str | None = Field(
        default=None, description="Nummer des übergeordneten Punkts bei Unterpunkten"
    )
    paper_id: str | None = Field(default=None, description="OParl-Id der Vorlage")
    paper_reference: str | None = Field(default=None, description="Vorlagen-Nummer")
    consultation_id: str | None = None
    file_ids: list[str] = Field(
        default_factory=list, description="OParl-Ids der Dateien, Hauptdokument zuerst"
    )
    confidentiality_source: ConfidentialitySource
    confidentiality_reason: str = Field(default="", description="Begründung in Worten")
    confidence: float | None = Field(default=None, ge=0, le=1)
    flagged: bool = Field(default=False, description="Vom Sitzungsdienst zu prüfen")


class NoticeCheck(BaseModel):
    """Whether the invitation can still go out within the legal notice period (Ladungsfrist)."""

    model_config = ConfigDict(extra="forbid")

    required_days: int = Field(ge=0)
    meeting_start: dt.datetime
    latest_invitation: dt.date = Field(description="Letzter Tag, an dem eingeladen werden kann")
    checked_on: dt.date
    late: bool
    message: str = Field(description="Hinweis in deutscher Sprache")


class AgendaDraft(BaseModel):
    """The suggested agenda of one meeting, in agenda order (public part first)."""

    model_config = ConfigDict(extra="forbid")

    tenant: str
    meeting_id: str = Field(description="OParl-Id der Sitzung")
    meeting_name: str | None = None
    organization_id: str | None = None
    organization_name: str | None = None
    start: dt.datetime | None = None
    location: str | None = None
    items: list[DraftItem] = Field(default_factory=list)
    notice: NoticeCheck | None = None
    warnings: list[str] = Field(default_factory=list)

    @property
    def public_items(self) -> list[DraftItem]:
        """The items of the public part, in order."""
        return [item for item in self.items if item.public]

    @property
    def nonpublic_items(self) -> list[DraftItem]:
        """The items of the non-public part, in order."""
        return [item for item in self.items if not item.public]

    @property
    def flagged_items(self) -> list[DraftItem]:
        """Items the clerk must look at before approving."""
        return [item for item in self.items if item.flagged]
