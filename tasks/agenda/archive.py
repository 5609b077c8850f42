"""The tenant's council data as plain records, read from the database in one pass.

The builder works on these records instead of ORM rows: a replay over all meetings reads
the tables once, and tests can build small worlds without a database.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.oparl import AgendaItem, Consultation, Meeting, Organization, Paper

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class MeetingRecord:
    """A meeting: who meets, when."""

    id: str
    organization_id: str | None
    start: dt.datetime | None
    name: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class ItemRecord:
    """One real agenda item in its meeting's order (`position`)."""

    id: str
    position: int
    number: str
    title: str
    public: bool | None
    is_section: bool = False
    paper_id: str | None = None


@dataclass(frozen=True)
class PaperRecord:
    """A paper (Vorlage)."""

    id: str
    title: str
    reference: str | None = None
    paper_type: str | None = None
    date: dt.date | None = None
    departments: tuple[str, ...] = ()
    file_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConsultationRecord:
    """A paper's consultation in a meeting (and, where known, under which item)."""

    id: str
    paper_id: str
    meeting_id: str
    item_id: str | None = None


@dataclass
class Archive:
    """Everything the builder reads, indexed the ways it reads it."""

    meetings: dict[str, MeetingRecord] = field(default_factory=dict)
    items: dict[str, list[ItemRecord]] = field(default_factory=dict)  # meeting -> in position
    papers: dict[str, PaperRecord] = field(default_factory=dict)
    consultations: list[ConsultationRecord] = field(default_factory=list)
    organizations: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # name, short
    by_meeting: dict[str, list[ConsultationRecord]] = field(default_factory=dict)
    by_paper: dict[str, list[ConsultationRecord]] = field(default_factory=dict)
    item_by_id: dict[str, ItemRecord] = field(default_factory=dict)

    def index(self) -> Archive:
        """Build the lookup tables after the records are in; returns self."""
        by_meeting: dict[str, list[ConsultationRecord]] = defaultdict(list)
        by_paper: dict[str, list[ConsultationRecord]] = defaultdict(list)
        for c in self.consultations:
            by_meeting[c.meeting_id].append(c)
            by_paper[c.paper_id].append(c)
        self.by_meeting, self.by_paper = dict(by_meeting), dict(by_paper)
        self.item_by_id = {i.id: i for items in self.items.values() for i in items}
        return self

    def history(self, before: dt.datetime, organization_id: str | None = None) -> list[str]:
        """Meetings that started before `before` (of one organization), oldest first."""
        found = [
            m
            for m in self.meetings.values()
            if m.start is not None
            and m.start < before
            and (organization_id is None or m.organization_id == organization_id)
        ]
        return [m.id for m in sorted(found, key=lambda m: (m.start, m.id))]

    def organization_name(self, organization_id: str | None) -> str:
        """The organization's name, or its id when unknown."""
        if organization_id is None:
            return ""
        return self.organizations.get(organization_id, (organization_id, None))[0]


def as_local(value: dt.datetime | None) -> dt.datetime | None:
    """Meeting times in Berlin time (naive database values are taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(BERLIN)


def _start(raw: object, stored: dt.datetime | None) -> dt.datetime | None:
    """The meeting's start with its offset as the server sent it (SQLite drops offsets)."""
    text = raw.get("start") if isinstance(raw, dict) else None
    if isinstance(text, str) and text.strip():
        try:
            parsed = dt.datetime.fromisoformat(text.strip())
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed.astimezone(BERLIN) if parsed.tzinfo else parsed.replace(tzinfo=BERLIN)
    return as_local(stored)


def load_archive(session: Session) -> Archive:
    """Read the tenant's meetings, agenda items, papers and consultations (not deleted)."""
    archive = Archive()
    for org in session.scalars(select(Organization).where(Organization.deleted.is_(False))):
        archive.organizations[org.oparl_id] = (org.name or org.oparl_id, org.short_name)
    for m in session.scalars(select(Meeting).where(Meeting.deleted.is_(False))):
        location = m.raw.get("location") if isinstance(m.raw, dict) else None
        if isinstance(location, dict):  # embedded Location: its description is the place
            location = location.get("description") or location.get("room")
        elif isinstance(location, str) and "://" in location:
            location = None  # a link to a Location object the sync does not store
        archive.meetings[m.oparl_id] = MeetingRecord(
            id=m.oparl_id,
            organization_id=m.organization_id,
            start=_start(m.raw, m.start),
            name=m.name,
            location=location if isinstance(location, str) else None,
        )
    consultations = {
        c.oparl_id: c
        for c in session.scalars(select(Consultation).where(Consultation.deleted.is_(False)))
    }
    rows = session.execute(
        select(
            AgendaItem.oparl_id,
            AgendaItem.meeting_id,
            AgendaItem.position,
            AgendaItem.number,
            AgendaItem.name,
            AgendaItem.public,
            AgendaItem.is_section,
            AgendaItem.consultation_id,
        )
        .where(AgendaItem.deleted.is_(False))
        .order_by(AgendaItem.meeting_id, AgendaItem.position)
    ).tuples()
    items: dict[str, list[ItemRecord]] = defaultdict(list)
    for oparl_id, meeting_id, position, number, name, public, is_section, cons_id in rows:
        if meeting_id is None:
            continue
        linked = consultations.get(cons_id) if cons_id else None
        items[meeting_id].append(
            ItemRecord(
                id=oparl_id,
                position=position if position is not None else len(items[meeting_id]),
                number=(number or "").strip(),
                title=" ".join((name or "").split()),
                public=public,
                is_section=is_section,
                paper_id=linked.paper_id if linked is not None else None,
            )
        )
    archive.items = {k: sorted(v, key=lambda i: i.position) for k, v in items.items()}
    for p in session.scalars(select(Paper).where(Paper.deleted.is_(False))):
        files = [p.main_file_id, *[str(f) for f in p.auxiliary_file_ids or []]]
        archive.papers[p.oparl_id] = PaperRecord(
            id=p.oparl_id,
            title=" ".join((p.name or "").split()),
            reference=p.reference,
            paper_type=p.paper_type,
            date=p.date,
            departments=tuple(str(d) for d in p.under_direction_of or []),
            file_ids=tuple(f for f in files if f),
        )
    for c in consultations.values():
        if c.paper_id and c.meeting_id:
            archive.consultations.append(
                ConsultationRecord(c.oparl_id, c.paper_id, c.meeting_id, c.agenda_item_id)
            )
    return archive.index()
