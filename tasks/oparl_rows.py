"""Turn what an OParl list page holds into rows of `models.oparl`, embedded objects included.

OParl 1.0 servers embed agenda items in meetings, consultations in papers and files in
both; 1.1 servers may also offer them as lists of their own. Both ways end in the same rows:
an embedded child knows its parent and position, a listed one keeps what is stored (see
`KEEP`). A parent sent with its children embedded is their complete list, so children it no
longer names are marked deleted (`RowBatch.parents`) - unless a child was too broken to read:
then the list is not complete, and the dropped child must not be marked deleted for it.
An embedded child's raw JSON is found by its id, never by its position, because dropped
children shift the positions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from connectors.oparl.models import (
    AgendaItem,
    Body,
    Consultation,
    File,
    Meeting,
    OParlObject,
    Organization,
    Paper,
)
from connectors.oparl.quirks import Quirk, QuirkLog
from connectors.oparl.sections import agenda_sections, is_section_marker

T = TypeVar("T", bound=OParlObject)

EMBEDDED = {
    "agendaItem",
    "consultation",
    "mainFile",
    "auxiliaryFile",
    "invitation",
    "resultsProtocol",
    "verbatimProtocol",
    "resolutionFile",
}

#: Columns a listed (not embedded) object cannot know: None keeps the stored value.
KEEP = {
    "agendaItem": ("meeting_id", "position", "public", "public_source"),
    "consultation": ("paper_id", "position"),
}


@dataclass
class RowBatch:
    """Rows of one page, by object kind and OParl id (a later duplicate wins)."""

    body_id: str
    url: str
    quirks: QuirkLog
    rows: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    deleted: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    parents: dict[str, set[str]] = field(default_factory=dict)  # kind -> ids, children complete

    def add(self, kind: str, obj: OParlObject, raw: dict[str, Any], **columns: Any) -> None:
        """One object's row; a deleted object becomes a stub that only marks it deleted."""
        stripped = {k: _ids(v) if k in EMBEDDED else v for k, v in raw.items()}
        base = {"oparl_id": obj.id, "body_id": self.body_id, "modified": obj.modified}
        if obj.deleted:
            self.deleted.setdefault(kind, {})[obj.id] = {**base, "deleted": True, "raw": stripped}
            return
        row = {**base, "name": obj.name, "deleted": False, "raw": stripped, **columns}
        self.rows.setdefault(kind, {})[obj.id] = row

    def file(self, ref: File | str | None) -> str | None:
        """The id of a file reference; an embedded file becomes a row of its own."""
        if isinstance(ref, File):
            self.add(
                "file",
                ref,
                ref.model_dump(mode="json", by_alias=True, exclude_none=True),
                file_name=ref.file_name,
                mime_type=ref.mime_type,
                date=ref.date,
                size=ref.size,
                sha1_checksum=ref.sha1_checksum,
                sha512_checksum=ref.sha512_checksum,
                access_url=ref.access_url,
                download_url=ref.download_url,
            )
            return ref.id
        return ref

    def files(self, refs: list[File | str]) -> list[str]:
        """Ids of a list of file references, in order."""
        return [fid for ref in refs if (fid := self.file(ref))]


def _ids(value: Any) -> Any:
    if isinstance(value, dict) and "id" in value:
        return value["id"]
    if isinstance(value, list):
        return [_ids(v) for v in value]
    return value


def _embedded(
    raw: dict[str, Any], key: str, children: list[T]
) -> tuple[list[tuple[int, T, dict[str, Any]]], bool]:
    """Each parsed child with its position and raw JSON in the parent, paired by id.

    Returns the pairs and whether they are all the children the parent sent: a child the
    lenient validator dropped leaves its raw entry unpaired, and then the parent's list of
    children is incomplete (so nothing may be marked deleted for it).
    """
    value = raw.get(key)
    items = [] if value is None else value if isinstance(value, list) else [value]
    found: dict[str, tuple[int, dict[str, Any]]] = {}
    for index, item in enumerate(items):
        ident = item.get("id") if isinstance(item, dict) else None
        if isinstance(ident, str | int) and not isinstance(ident, bool):
            found.setdefault(str(ident), (index, item))  # a repeated id: the first place
    pairs: list[tuple[int, T, dict[str, Any]]] = []
    for child in children:
        index, child_raw = found.get(child.id, (len(pairs), {}))
        if not child_raw:  # cannot happen for a child read from `items`; keep it whole
            child_raw = child.model_dump(mode="json", by_alias=True, exclude_none=True)
        pairs.append((index, child, child_raw))
    complete = len(children) == len(items) and len({c.id for c in children}) == len(found)
    return pairs, complete


def add_entry(batch: RowBatch, kind: str, obj: OParlObject, raw: dict[str, Any]) -> None:
    """Rows for one object of a list (and what it embeds)."""
    if isinstance(obj, Meeting):
        _meeting(batch, obj, raw)
    elif isinstance(obj, Paper):
        _paper(batch, obj, raw)
    elif isinstance(obj, AgendaItem):
        source = "server" if obj.public is not None else None
        columns = _item_columns(batch, obj, obj.meeting, None)
        batch.add(kind, obj, raw, **columns, public=obj.public, public_source=source)
    elif isinstance(obj, Consultation):
        batch.add(kind, obj, raw, **_consultation_columns(obj, obj.paper, None))
    elif isinstance(obj, File):
        batch.file(obj)
    elif isinstance(obj, Organization):
        batch.add(
            kind,
            obj,
            raw,
            short_name=obj.short_name,
            organization_type=obj.organization_type,
            classification=obj.classification,
            start_date=obj.start_date,
            end_date=obj.end_date,
        )
    elif isinstance(obj, Body):
        batch.add(kind, obj, raw, system_url=obj.system, short_name=obj.short_name, ags=obj.ags)
    else:
        batch.add(kind, obj, raw)


def _meeting(batch: RowBatch, meeting: Meeting, raw: dict[str, Any]) -> None:
    orgs = meeting.organization
    batch.add(
        "meeting",
        meeting,
        raw,
        start=meeting.start,
        end=meeting.end,
        organization_id=orgs[0] if orgs else None,
        organization_ids=orgs,
        meeting_state=meeting.meeting_state,
        cancelled=meeting.cancelled,
        invitation_file_id=batch.file(meeting.invitation),
        results_protocol_file_id=batch.file(meeting.results_protocol),
        verbatim_protocol_file_id=batch.file(meeting.verbatim_protocol),
        auxiliary_file_ids=batch.files(meeting.auxiliary_file),
    )
    items = [item for item in meeting.agenda_item if isinstance(item, AgendaItem)]
    if meeting.deleted or len(items) != len(meeting.agenda_item):
        return  # children of a deleted meeting are swept; listed ones come from their list
    pairs, complete = _embedded(raw, "agendaItem", items)
    if complete:
        batch.parents.setdefault("meeting", set()).add(meeting.id)
    if any(item.order is None for item in items):
        batch.quirks.note(Quirk.MISSING_ORDER, batch.url)
    sections = agenda_sections(items, batch.url, batch.quirks)
    for (position, item, item_raw), (_, public, source) in zip(pairs, sections, strict=True):
        columns = _item_columns(batch, item, item.meeting or meeting.id, position)
        batch.add("agendaItem", item, item_raw, **columns, public=public, public_source=source)


def _item_columns(
    batch: RowBatch, item: AgendaItem, meeting_id: str | None, position: int | None
) -> dict[str, Any]:
    return {
        "meeting_id": meeting_id,
        "position": position,
        "order": item.order,
        "number": item.number,
        "is_section": is_section_marker(item.name),
        "consultation_id": item.consultation,
        "result": item.result,
        "resolution_text": item.resolution_text,
        "resolution_file_id": batch.file(item.resolution_file),
        "auxiliary_file_ids": batch.files(item.auxiliary_file),
        "start": item.start,
        "end": item.end,
    }


def _paper(batch: RowBatch, paper: Paper, raw: dict[str, Any]) -> None:
    batch.add(
        "paper",
        paper,
        raw,
        reference=paper.reference,
        date=paper.date,
        paper_type=paper.paper_type,
        main_file_id=batch.file(paper.main_file),
        auxiliary_file_ids=batch.files(paper.auxiliary_file),
        under_direction_of=paper.under_direction_of,
        originator_organization_ids=paper.originator_organization,
        related_paper_ids=paper.related_paper,
    )
    consultations = [c for c in paper.consultation if isinstance(c, Consultation)]
    if paper.deleted or len(consultations) != len(paper.consultation):
        return
    pairs, complete = _embedded(raw, "consultation", consultations)
    if complete:
        batch.parents.setdefault("paper", set()).add(paper.id)
    for position, consultation, consultation_raw in pairs:
        columns = _consultation_columns(consultation, consultation.paper or paper.id, position)
        batch.add("consultation", consultation, consultation_raw, **columns)


def _consultation_columns(
    consultation: Consultation, paper_id: str | None, position: int | None
) -> dict[str, Any]:
    return {
        "paper_id": paper_id,
        "meeting_id": consultation.meeting,
        "agenda_item_id": consultation.agenda_item,
        "organization_ids": consultation.organization,
        "position": position,
        "authoritative": consultation.authoritative,
        "role": consultation.role,
    }
