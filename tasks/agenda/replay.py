"""Replay: rebuild past meetings from their papers alone and compare with reality.

Meetings are rebuilt oldest first. Before each one the title model learns the titles of
every meeting that started earlier (refitted every `refit_every` new titles, not per
meeting) and the order model the order of their papers (refitted every few meetings);
nothing of the meeting's own agenda is used but its organization and date.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from models.agenda import AgendaConfig, AgendaDraft
from tasks.agenda.archive import Archive, ItemRecord, MeetingRecord
from tasks.agenda.build import assemble_draft
from tasks.agenda.confidentiality import decide
from tasks.agenda.metrics import grouping_hits, kendall_tau, ratio
from tasks.agenda.ordering import OrderModel
from tasks.agenda.rules import Rule, match_rule, tenant_rules
from tasks.agenda.standing import is_recommendation_heading
from tasks.agenda.structure import parents
from tasks.agenda.text import normalise
from tasks.agenda.title_model import TitleModel

Builder = Callable[[Archive, MeetingRecord, TitleModel], AgendaDraft]
Judge = Callable[[list[ItemRecord], TitleModel], list[bool]]  # items -> non-public?


@dataclass
class Tally:
    """Running counts over the replayed meetings."""

    meetings: int = 0
    real_papers: int = 0
    placed_papers: int = 0
    taus: list[float] = field(default_factory=list)
    grouped: int = 0
    compared: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    both_parts: set[str] = field(default_factory=set)  # standing titles seen in both parts

    def figures(self) -> dict[str, Any]:
        """The replay's JSON figures."""
        return {
            "meetings": self.meetings,
            "papers": self.real_papers,
            "paper_recall": ratio(self.placed_papers, self.real_papers),
            "order_tau": round(sum(self.taus) / len(self.taus), 4) if self.taus else None,
            "order_meetings": len(self.taus),
            "grouping_accuracy": ratio(self.grouped, self.compared),
            "nonpublic_recall": ratio(self.tp, self.tp + self.fn),
            "nonpublic_precision": ratio(self.tp, self.tp + self.fp),
            "confidentiality": {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn},
        }


def real_structure(items: Sequence[ItemRecord]) -> tuple[list[str], dict[str, str | None]]:
    """The real agenda's papers in order and each paper's parent item (None: top level)."""
    order: list[str] = []
    parent_of: dict[str, str | None] = {}
    for item, parent in zip(items, parents(items), strict=True):
        if item.paper_id is not None and item.paper_id not in parent_of:
            order.append(item.paper_id)
            parent_of[item.paper_id] = parent.id if parent is not None else None
    return order, parent_of


def draft_structure(draft: AgendaDraft) -> tuple[list[str], dict[str, str | None]]:
    """The rebuilt agenda's papers in order and each paper's parent number."""
    order: list[str] = []
    parent_of: dict[str, str | None] = {}
    for item in draft.items:
        if item.paper_id is not None and item.paper_id not in parent_of:
            order.append(item.paper_id)
            parent_of[item.paper_id] = item.parent_number
    return order, parent_of


def judged_items(
    items: Sequence[ItemRecord], both_parts: set[str] | None = None
) -> list[ItemRecord]:
    """The real items whose part is judged.

    Left out: section markers, standing items occurring in both parts (Mitteilungen,
    Fragen ...: in this meeting or anywhere in `both_parts`) and the headings of committee
    recommendations, which stand in whichever part their sub-items are (both, often).
    """
    both = set(both_parts or ()) | standing_in_both_parts([items])
    return [
        i
        for i in items
        if not i.is_section
        and i.public is not None
        and not (i.paper_id is None and normalise(i.title) in both)
        and not (i.paper_id is None and is_recommendation_heading(i.title, AgendaConfig()))
    ]


def standing_in_both_parts(meetings: Iterable[Sequence[ItemRecord]]) -> set[str]:
    """Titles of items without a paper that occur in both parts (Mitteilungen, Fragen)."""
    parts: dict[str, set[bool]] = {}
    for items in meetings:
        for i in items:
            if not i.is_section and i.public is not None and i.paper_id is None:
                parts.setdefault(normalise(i.title), set()).add(i.public)
    return {title for title, seen in parts.items() if len(seen) == 2}


def compare(
    tally: Tally, items: Sequence[ItemRecord], draft: AgendaDraft, nonpublic: list[bool]
) -> None:
    """Add one meeting's comparison to the tally (`nonpublic`: verdicts on judged_items)."""
    real_order, real_parent = real_structure(items)
    built_order, built_parent = draft_structure(draft)
    tally.meetings += 1
    tally.real_papers += len(real_order)
    tally.placed_papers += len(set(real_order) & set(built_order))
    tau = kendall_tau(real_order, built_order)
    if tau is not None:
        tally.taus.append(tau)
    hits, compared = grouping_hits(real_parent, built_parent)
    tally.grouped += hits
    tally.compared += compared
    for item, predicted in zip(judged_items(items, tally.both_parts), nonpublic, strict=True):
        actual = item.public is False
        tally.tp += predicted and actual
        tally.fp += predicted and not actual
        tally.fn += actual and not predicted
        tally.tn += not predicted and not actual


def model_judge(config: AgendaConfig, rules: Sequence[Rule]) -> Judge:
    """The builder's own decision (rules, memory, classifier, doubt) on titles."""

    def judge(items: list[ItemRecord], model: TitleModel) -> list[bool]:
        titles = [i.title for i in items]
        verdicts = model.judge(titles, [i.paper_id is not None for i in items])
        return [
            not decide(t, v, rules, config).public for t, v in zip(titles, verdicts, strict=True)
        ]

    return judge


def rules_judge(rules: Sequence[Rule]) -> Judge:
    """The baseline: the keyword rules alone, everything else public."""

    def judge(items: list[ItemRecord], model: TitleModel) -> list[bool]:
        return [match_rule(i.title, rules) is not None for i in items]

    return judge


def replay(
    archive: Archive,
    config: AgendaConfig,
    *,
    meeting_ids: Sequence[str] | None = None,
    builder: Builder | None = None,
    judge: Judge | None = None,
    tenant: str = "replay",
    refit_every: int = 200,
) -> dict[str, Any]:
    """Rebuild past meetings (all with an agenda, or the ones named) and compare."""
    started = time.perf_counter()
    rules = tenant_rules(config.rules)
    order = OrderModel()
    if builder is None:

        def builder(a: Archive, m: MeetingRecord, model: TitleModel) -> AgendaDraft:
            assert m.start is not None
            return assemble_draft(
                a,
                m,
                config,
                model,
                rules,
                tenant=tenant,
                today=m.start.date() - dt.timedelta(days=config.notice_days + 7),
                order=order,
            )

    judge = judge or model_judge(config, rules)
    wanted = set(meeting_ids) if meeting_ids is not None else None
    timeline = [
        m
        for m in sorted(
            archive.meetings.values(),
            key=lambda m: (m.start or dt.datetime.min.replace(tzinfo=dt.UTC), m.id),
        )
        if m.start is not None and archive.items.get(m.id)
    ]
    model = TitleModel(refit_every=refit_every)
    tally = Tally(both_parts=standing_in_both_parts(archive.items.values()))
    learnt = 0
    for meeting in timeline:
        assert meeting.start is not None
        while learnt < len(timeline) and timeline[learnt].start < meeting.start:  # type: ignore[operator]
            earlier = archive.items[timeline[learnt].id]
            model.learn(
                (i.title, i.public, i.paper_id is not None)
                for i in earlier
                if not i.is_section and i.public is not None and i.title
            )
            order.learn(archive, [timeline[learnt].id])
            learnt += 1
        if wanted is not None and meeting.id not in wanted:
            continue
        items = archive.items[meeting.id]
        draft = builder(archive, meeting, model)
        verdicts = judge(judged_items(items, tally.both_parts), model)
        compare(tally, items, draft, verdicts)
    return tally.figures() | {"seconds": round(time.perf_counter() - started, 2)}
