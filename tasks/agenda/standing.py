"""Standing items of an organization, learnt from its past meetings or configured.

A standing item recurs without a paper in at least `standing_share` of the organization's
recent meetings (Einwohnerfragestunde, Mitteilungen, Anfragen ...). What is learnt: its
title (the latest wording), its part, whether it stands before or after the papers, its
usual place there, its parent (e.g. "schriftliche Mitteilungen" under "Mitteilungen") and
which paper types the body files under it (Mitteilungsvorlagen under "schriftliche
Mitteilungen").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from models.agenda import AgendaConfig, Part, Slot
from tasks.agenda.archive import Archive, ItemRecord
from tasks.agenda.structure import parents
from tasks.agenda.text import normalise

Key = tuple[str, bool]  # normalised title, public


@dataclass(frozen=True)
class StandingItem:
    """A standing item as the builder places it."""

    key: Key
    title: str
    public: bool
    slot: Slot
    rank: float  # place within its part and slot (smaller = earlier)
    parent: Key | None = None
    paper_types: tuple[str, ...] = ()


def is_recommendation_heading(title: str, config: AgendaConfig) -> bool:
    """Whether a title is a committee-recommendation heading (never a standing item)."""
    prefix = _stem(config.recommendation_title.split("{", 1)[0])
    return bool(prefix) and _stem(title).startswith(prefix)


def _stem(text: str) -> str:
    """Plural endings off, so "Empfehlung des" matches "Empfehlungen des"."""
    return _PLURAL.sub("", normalise(text))


_PLURAL = re.compile(r"(?<=ung)en\b")


def learn_standing(
    archive: Archive, meeting_ids: Sequence[str], config: AgendaConfig
) -> list[StandingItem]:
    """Standing items recurring in the given meetings (oldest first)."""
    meetings = [m for m in meeting_ids if archive.items.get(m)]
    if not meetings:
        return []
    present: Counter[Key] = Counter()
    titles: dict[Key, str] = {}
    slots: dict[Key, Counter[Slot]] = defaultdict(Counter)
    ranks: dict[Key, list[float]] = defaultdict(list)
    parent_of: dict[Key, Counter[Key | None]] = defaultdict(Counter)
    type_parent: dict[str, Counter[Key | None]] = defaultdict(Counter)
    for meeting_id in meetings:
        items = archive.items[meeting_id]
        seen_here: set[Key] = set()
        papers_seen: set[bool] = set()
        for item, parent in zip(items, parents(items), strict=True):
            if item.is_section or item.public is None:
                continue
            parent_key = (normalise(parent.title), item.public) if parent is not None else None
            if item.paper_id is not None:
                papers_seen.add(item.public)
                paper = archive.papers.get(item.paper_id)
                type_parent[(paper.paper_type if paper else None) or ""][parent_key] += 1
                continue
            if is_recommendation_heading(item.title, config):
                continue
            key = (normalise(item.title), item.public)
            if not key[0] or key in seen_here:
                continue
            seen_here.add(key)
            titles[key] = item.title
            slot = Slot.TAIL if item.public in papers_seen else Slot.HEAD
            slots[key][slot] += 1
            ranks[key].append(item.position / max(len(items), 1))
            parent_of[key][parent_key] += 1
        present.update(seen_here)
    needed = config.standing_share * len(meetings)
    kept = {key for key, n in present.items() if n >= needed}
    # the heading a paper type is filed under ("schriftliche Mitteilungen" for
    # Mitteilungsvorlagen) stands whenever its own parent does, even if it was left out
    # in meetings without such papers
    for where in type_parent.values():
        home, count = where.most_common(1)[0]
        if home is not None and home in titles and count >= 2:
            above = parent_of[home].most_common(1)[0][0]
            if above is None or above in kept:
                kept.add(home)
    found = []
    for key in kept:
        above = parent_of[key].most_common(1)[0][0]
        types = tuple(
            sorted(
                t
                for t, where in type_parent.items()
                if t and where.most_common(1)[0][0] == key and where[key] * 2 > sum(where.values())
            )
        )
        found.append(
            StandingItem(
                key=key,
                title=titles[key],
                public=key[1],
                slot=slots[key].most_common(1)[0][0],
                rank=sum(ranks[key]) / len(ranks[key]),
                parent=above if above in kept else None,
                paper_types=types,
            )
        )
    return sorted(found, key=lambda s: (not s.public, s.rank))


def configured_standing(
    config: AgendaConfig, organization: str | None, short: str | None
) -> list[StandingItem]:
    """The tenant's configured standing items for one organization, in configured order."""
    found = []
    for n, item in enumerate(config.standing_items):
        if item.organizations and not {organization, short} & set(item.organizations):
            continue
        public = item.part is Part.PUBLIC
        found.append(
            StandingItem(
                key=(normalise(item.title), public),
                title=item.title,
                public=public,
                slot=item.slot,
                rank=float(n),
                paper_types=tuple(item.paper_types),
            )
        )
    return found


def standing_for(
    archive: Archive, config: AgendaConfig, organization: str | None, history: Sequence[str]
) -> list[StandingItem]:
    """Configured items if the tenant names any for this organization, else learnt ones."""
    short = archive.organizations.get(organization or "", ("", None))[1]
    configured = configured_standing(config, organization, short)
    if configured:
        return configured
    if not config.learn_standing_items:
        return []
    return learn_standing(archive, list(history)[-config.history_meetings :], config)


def is_standing_title(item: ItemRecord, standing: Sequence[StandingItem]) -> bool:
    """Whether a real item is one of the standing items (title and part)."""
    return (normalise(item.title), bool(item.public)) in {s.key for s in standing}
