"""Committee recommendations: which papers of a council meeting come from which committee.

Hürtgenwald shows two links: the same paper consulted earlier by a committee (newer data),
or, in older years, a new council paper with (nearly) the same title as an item of a
recent committee meeting. Either way the paper becomes a sub-item under one heading per
committee meeting, numbered with the committee's own item number ("5." + "2" -> "5.2").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from models.agenda import AgendaConfig
from tasks.agenda.archive import Archive, MeetingRecord
from tasks.agenda.standing import is_recommendation_heading
from tasks.agenda.text import child_number, normalise, similarity, strip_number

TITLE_MATCH = 0.8


@dataclass(frozen=True)
class Recommendation:
    """Where a paper was recommended: the committee's meeting and its item there."""

    meeting_id: str
    organization_id: str | None
    start: dt.datetime
    item_number: str
    item_position: int


def groups_recommendations(archive: Archive, history: Sequence[str], config: AgendaConfig) -> bool:
    """Whether this organization puts committee recommendations under headings."""
    recent = list(history)[-config.history_meetings :]
    return any(
        is_recommendation_heading(item.title, config)
        for meeting_id in recent
        for item in archive.items.get(meeting_id, [])
    )


def _committee_meetings(
    archive: Archive, meeting: MeetingRecord, config: AgendaConfig
) -> list[MeetingRecord]:
    if meeting.start is None:
        return []
    since = meeting.start - dt.timedelta(days=config.recommendation_days)
    return [
        m
        for m in archive.meetings.values()
        if m.start is not None
        and since <= m.start < meeting.start
        and m.organization_id != meeting.organization_id
        and archive.items.get(m.id)
    ]


def find_recommendations(
    archive: Archive, meeting: MeetingRecord, paper_ids: Sequence[str], config: AgendaConfig
) -> dict[str, Recommendation]:
    """For each paper that a committee dealt with shortly before: where it did."""
    committees = _committee_meetings(archive, meeting, config)
    by_id = {m.id: m for m in committees}
    candidates = [
        (m, item, normalise(item.title))
        for m in committees
        for item in archive.items[m.id]
        if not item.is_section and "." not in strip_number(item.number)  # top-level items only
    ]
    found: dict[str, Recommendation] = {}
    for paper_id in paper_ids:
        best: tuple[float, Recommendation] | None = None
        for c in archive.by_paper.get(paper_id, []):
            earlier = by_id.get(c.meeting_id)
            item = archive.item_by_id.get(c.item_id or "")
            if earlier is None or item is None or earlier.start is None:
                continue
            rec = Recommendation(
                earlier.id, earlier.organization_id, earlier.start, item.number, item.position
            )
            if best is None or rec.start > best[1].start:
                best = (2.0, rec)
        if best is None:
            paper = archive.papers.get(paper_id)
            title = normalise(paper.title) if paper else ""
            for m, item, other in candidates:
                score = similarity(title, other)
                if score >= TITLE_MATCH and (best is None or score > best[0]):
                    assert m.start is not None
                    best = (
                        score,
                        Recommendation(
                            m.id, m.organization_id, m.start, item.number, item.position
                        ),
                    )
        if best is not None:
            found[paper_id] = best[1]
    return found


_GENITIVE = re.compile(r"\b(\w*(?:ausschuss|rat|beirat))\b", re.IGNORECASE)


def genitive(name: str) -> str:
    """The genitive of a committee name: Bau- und Umweltausschuss -> ...ausschusses."""
    return _GENITIVE.sub(lambda m: m.group(1) + "es", name, count=1)


def heading_title(archive: Archive, organization_id: str | None, config: AgendaConfig) -> str:
    """The heading of one committee's recommendations."""
    return config.recommendation_title.format(
        organization=genitive(archive.organization_name(organization_id))
    )


def sub_number(parent: str, item_number: str, taken: set[str], *, dotted: bool) -> str:
    """The sub-item's number: the committee's own item number under the parent."""
    own = strip_number(item_number).replace(".", "")
    number = child_number(parent, own, dotted=dotted)
    k = 1
    while not own or number in taken:
        own = str(k)
        number = child_number(parent, own, dotted=dotted)
        k += 1
    return number
