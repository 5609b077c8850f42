"""A suggested agenda (Tagesordnung) for one meeting, as the agenda builder proposes it.

The builder (tasks/agenda/) produces an `AgendaDraft`; the clerk approves or edits it; the
outputs (invitation, agenda, Sitzungsmappe, OParl-shaped JSON) are rendered from the approved
draft. Items are kept in agenda order: the public part first, then the non-public part.
Papers and files are referenced by their OParl ids (see models/oparl.py), never copied here.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ItemKind(StrEnum):
    """Where an item comes from."""

    STANDING = "standing"  # the organization's recurring item (Eröffnung, Anfragen, ...)
    PAPER = "paper"  # a paper (Vorlage) whose consultation points to the meeting
    HEADING = "heading"  # a heading over sub-items, e.g. one committee's recommendations


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


class Part(StrEnum):
    """The part of a meeting an item belongs to."""

    PUBLIC = "public"
    NONPUBLIC = "nonpublic"


class Slot(StrEnum):
    """Where a standing item stands: before the papers or after them."""

    HEAD = "head"
    TAIL = "tail"


class StandingItemConfig(BaseModel):
    """A standing item (Eröffnung, Einwohnerfragestunde, Mitteilungen, Anfragen) set by the tenant.

    Configured items replace the learnt ones of the organizations they name (all when
    `organizations` is empty).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=2, description="Bezeichnung des Punkts")
    part: Part = Part.PUBLIC
    slot: Slot = Slot.HEAD
    organizations: list[str] = Field(
        default_factory=list, description="OParl-Ids oder Kurznamen der Gremien; leer: alle"
    )
    paper_types: list[str] = Field(
        default_factory=list,
        description="Vorlagenarten, die als Unterpunkte hierher gehören (z. B. Mitteilungsvorlage)",
    )


class ConfidentialityRuleConfig(BaseModel):
    """An additional keyword rule of the tenant: a matching title is non-public."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=2, description="Kurzname der Regel")
    pattern: str = Field(
        min_length=2, description="Regulärer Ausdruck (Groß-/Kleinschreibung egal)"
    )
    reason: str = Field(min_length=2, description="Begründung für den Sitzungsdienst")

    @model_validator(mode="after")
    def _compiles(self) -> ConfidentialityRuleConfig:
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(f"Regel {self.name!r}: ungültiger regulärer Ausdruck: {exc}") from exc
        return self


class AgendaConfig(BaseModel):
    """How a municipality prepares its agendas (tenant file, key `agenda`); all optional."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    notice_days: int = Field(
        default=7, ge=0, le=60, description="Ladungsfrist in Tagen vor der Sitzung"
    )
    learn_standing_items: bool = Field(
        default=True, description="Ständige Punkte aus früheren Sitzungen des Gremiums lernen"
    )
    standing_items: list[StandingItemConfig] = Field(default_factory=list)
    standing_share: float = Field(
        default=0.5, gt=0, le=1, description="Anteil der Sitzungen, in denen ein Punkt wiederkehrt"
    )
    history_meetings: int = Field(default=12, ge=1, description="so viele frühere Sitzungen")
    rules: list[ConfidentialityRuleConfig] = Field(default_factory=list)
    nonpublic_threshold: float = Field(
        default=0.5, ge=0, le=1, description="ab dieser Wahrscheinlichkeit nichtöffentlich"
    )
    public_threshold: float = Field(
        default=0.1, ge=0, le=1, description="bis zu dieser Wahrscheinlichkeit öffentlich"
    )
    recommendation_title: str = Field(
        default="Beratung und Beschlussfassung über die Empfehlungen des {organization}",
        description="Überschrift der Empfehlungen eines Ausschusses; {organization} im Genitiv",
    )
    recommendation_days: int = Field(
        default=90, ge=1, description="Ausschusssitzungen so viele Tage vor der Sitzung zählen"
    )

    @model_validator(mode="after")
    def _thresholds(self) -> AgendaConfig:
        if self.public_threshold > self.nonpublic_threshold:
            raise ValueError("public_threshold darf nicht über nonpublic_threshold liegen")
        return self
