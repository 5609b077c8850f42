"""What the council information system (OParl) holds, mirrored per tenant.

Every object keeps its OParl `id` (a URL, unique per tenant), the fields the agenda builder
queries, `modified`, `deleted` and the object as the server sent it (`raw`, with embedded
children replaced by their ids). Links between objects are stored as OParl ids, not foreign
keys: real servers answer with dangling references and in any order, and a sync must still
store what it read. `seen_at` is the start of the sync run that last saw the row; a complete
full sync marks rows it did not see as deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, DateTime, Index, Integer, String, Text
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Id, TenantScoped, utcnow

URL = String(500)


def _unique(table: str) -> Unique:
    return Unique("tenant_id", "oparl_id", name=f"uq_{table}_tenant_oparl_id")


class OParlRow(TenantScoped):
    """Columns every mirrored OParl object has."""

    __abstract__ = True

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True, sort_order=-4)
    oparl_id: Mapped[str] = mapped_column(URL, sort_order=-3)
    body_id: Mapped[str | None] = mapped_column(URL, sort_order=-2)
    name: Mapped[str | None] = mapped_column(Text, sort_order=-1)
    modified: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), sort_order=1)
    deleted: Mapped[bool] = mapped_column(default=False, sort_order=1)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, sort_order=1)
    seen_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, sort_order=1
    )


class Body(OParlRow):
    """A municipality (Körperschaft) as the system describes it."""

    __tablename__ = "oparl_bodies"
    __table_args__ = (_unique(__tablename__),)

    system_url: Mapped[str | None] = mapped_column(URL)
    short_name: Mapped[str | None] = mapped_column(String(200))
    ags: Mapped[str | None] = mapped_column(String(12))


class Organization(OParlRow):
    """A council, committee, parliamentary group or office (Gremium, Fraktion, ...)."""

    __tablename__ = "oparl_organizations"
    __table_args__ = (_unique(__tablename__),)

    short_name: Mapped[str | None] = mapped_column(String(200))
    organization_type: Mapped[str | None] = mapped_column(String(200))
    classification: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)


class Person(OParlRow):
    """A person of the council; the name is personal data: never in logs or artifacts."""

    __tablename__ = "oparl_persons"
    __table_args__ = (_unique(__tablename__),)


class Meeting(OParlRow):
    """A session of one or more organizations; its agenda items are rows of their own."""

    __tablename__ = "oparl_meetings"
    __table_args__ = (
        _unique(__tablename__),
        Index("ix_oparl_meetings_tenant_org_start", "tenant_id", "organization_id", "start"),
    )

    start: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    end: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    organization_id: Mapped[str | None] = mapped_column(URL)  # the first of organization_ids
    organization_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    meeting_state: Mapped[str | None] = mapped_column(String(200))
    cancelled: Mapped[bool | None] = mapped_column()
    invitation_file_id: Mapped[str | None] = mapped_column(URL)
    results_protocol_file_id: Mapped[str | None] = mapped_column(URL)
    verbatim_protocol_file_id: Mapped[str | None] = mapped_column(URL)
    auxiliary_file_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)


class AgendaItem(OParlRow):
    """One item of a meeting's agenda, in the position the server listed it.

    `position` is the index in the meeting's list and the only reliable order (numbers like
    "20.1", "20.11" must never be sorted); `order` is the server's, where it sends one.
    `public` is the server's flag or, where it sends none, derived from the section markers
    ("Öffentliche Sitzung" / "Nichtöffentliche Sitzung"), which are rows with `is_section`;
    `public_source` says which ("server", "section") and is None when nothing is known.
    """

    __tablename__ = "oparl_agenda_items"
    __table_args__ = (
        _unique(__tablename__),
        Index("ix_oparl_agenda_items_tenant_meeting", "tenant_id", "meeting_id", "position"),
    )

    meeting_id: Mapped[str | None] = mapped_column(URL)
    position: Mapped[int | None] = mapped_column(Integer)
    order: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(50))
    is_section: Mapped[bool] = mapped_column(default=False)
    public: Mapped[bool | None] = mapped_column()
    public_source: Mapped[str | None] = mapped_column(String(10))
    consultation_id: Mapped[str | None] = mapped_column(URL)
    result: Mapped[str | None] = mapped_column(Text)
    resolution_text: Mapped[str | None] = mapped_column(Text)
    resolution_file_id: Mapped[str | None] = mapped_column(URL)
    auxiliary_file_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    start: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    end: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Paper(OParlRow):
    """A Vorlage (draft resolution, motion, report) with its files."""

    __tablename__ = "oparl_papers"
    __table_args__ = (
        _unique(__tablename__),
        Index("ix_oparl_papers_tenant_reference", "tenant_id", "reference"),
    )

    reference: Mapped[str | None] = mapped_column(String(200))
    date: Mapped[dt.date | None] = mapped_column(Date)
    paper_type: Mapped[str | None] = mapped_column(String(200))
    main_file_id: Mapped[str | None] = mapped_column(URL)
    auxiliary_file_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    under_direction_of: Mapped[list[Any]] = mapped_column(JSON, default=list)
    originator_organization_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    related_paper_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)


class Consultation(OParlRow):
    """A paper's consultation (Beratung) by an organization, in a meeting, under an item."""

    __tablename__ = "oparl_consultations"
    __table_args__ = (
        _unique(__tablename__),
        Index("ix_oparl_consultations_tenant_meeting", "tenant_id", "meeting_id"),
        Index("ix_oparl_consultations_tenant_paper", "tenant_id", "paper_id"),
        Index("ix_oparl_consultations_tenant_item", "tenant_id", "agenda_item_id"),
    )

    paper_id: Mapped[str | None] = mapped_column(URL)
    meeting_id: Mapped[str | None] = mapped_column(URL)
    agenda_item_id: Mapped[str | None] = mapped_column(URL)
    organization_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    position: Mapped[int | None] = mapped_column(Integer)  # in the paper's list
    authoritative: Mapped[bool | None] = mapped_column()
    role: Mapped[str | None] = mapped_column(String(200))


class File(OParlRow):
    """A document of a paper, meeting or agenda item; `stored_sha256` once downloaded."""

    __tablename__ = "oparl_files"
    __table_args__ = (_unique(__tablename__),)

    file_name: Mapped[str | None] = mapped_column(String(500))
    mime_type: Mapped[str | None] = mapped_column(String(200))
    date: Mapped[dt.date | None] = mapped_column(Date)
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha1_checksum: Mapped[str | None] = mapped_column(String(40))
    sha512_checksum: Mapped[str | None] = mapped_column(String(128))
    access_url: Mapped[str | None] = mapped_column(Text)
    download_url: Mapped[str | None] = mapped_column(Text)
    stored_sha256: Mapped[str | None] = mapped_column(String(64))
    downloaded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class OParlSyncState(TenantScoped):
    """Where the last successful sync of a system ended, for the next incremental run."""

    __tablename__ = "oparl_sync_states"
    __table_args__ = (Unique("tenant_id", "system_url", name="uq_oparl_sync_states_system"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    system_url: Mapped[str] = mapped_column(URL)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_full_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Objects a list named but the sync could not read, `{"kind", "url"}`: read again by
    #: URL on the next run, so they neither hold back the incremental window nor get lost.
    pending: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)


OPARL_TABLES: dict[str, type[OParlRow]] = {
    "body": Body,
    "organization": Organization,
    "person": Person,
    "meeting": Meeting,
    "agendaItem": AgendaItem,
    "paper": Paper,
    "consultation": Consultation,
    "file": File,
}
