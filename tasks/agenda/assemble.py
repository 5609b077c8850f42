"""Put the pieces together: standing items, recommendation groups, papers, numbers.

Order within each part (public first, then non-public): the standing items that open the
meeting, one heading per committee meeting with its recommendations (committee meetings
by date, papers in the committee's order), the other papers (in the order learnt from
earlier agendas, tasks.agenda.ordering; without one by department, then by reference),
the closing standing items with the papers the body files under them (Mitteilungsvorlagen
under "schriftliche Mitteilungen").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from models.agenda import ConfidentialitySource, DraftItem, ItemKind, Slot
from tasks.agenda.archive import Archive, ConsultationRecord, PaperRecord
from tasks.agenda.confidentiality import Decision
from tasks.agenda.grouping import Recommendation, sub_number
from tasks.agenda.ordering import OrderModel
from tasks.agenda.standing import Key, StandingItem
from tasks.agenda.text import child_number, reference_key, top_number


@dataclass
class Node:
    """An item before numbering, with its sub-items."""

    item: DraftItem
    own_number: str | None = None  # a recommendation's number in the committee
    children: list[Node] = field(default_factory=list)


@dataclass(frozen=True)
class PlacedPaper:
    """A paper of the meeting with its decision and where it goes."""

    paper: PaperRecord
    consultation: ConsultationRecord
    decision: Decision
    recommendation: Recommendation | None
    standing_parent: Key | None


def paper_item(placed: PlacedPaper) -> DraftItem:
    """The draft line of one paper (number set later)."""
    d, paper = placed.decision, placed.paper
    return DraftItem(
        number="",
        title=paper.title or paper.reference or paper.id,
        kind=ItemKind.PAPER,
        public=d.public,
        paper_id=paper.id,
        paper_reference=paper.reference,
        consultation_id=placed.consultation.id,
        file_ids=list(paper.file_ids),
        confidentiality_source=d.source,
        confidentiality_reason=d.reason,
        confidence=d.confidence,
        flagged=d.flagged,
    )


def standing_item(s: StandingItem, reason: str) -> DraftItem:
    """The draft line of a standing item."""
    return DraftItem(
        number="",
        title=s.title,
        kind=ItemKind.STANDING,
        public=s.public,
        confidentiality_source=ConfidentialitySource.STANDING,
        confidentiality_reason=reason,
    )


def direct_key(archive: Archive, paper: PaperRecord) -> tuple[object, ...]:
    """Papers without a committee: by responsible department, then by reference."""
    departments = sorted(archive.organization_name(d) for d in paper.departments)
    return (departments[0] if departments else "", reference_key(paper.reference))


def part_nodes(
    archive: Archive,
    public: bool,
    standing: list[StandingItem],
    papers: list[PlacedPaper],
    heading: dict[str | None, str],
    standing_reason: str,
    *,
    directs_first: bool = False,
    order: OrderModel | None = None,
) -> list[Node]:
    """The top-level nodes of one part, in order (`order`: learnt order of direct papers)."""
    mine = [p for p in papers if p.decision.public is public]
    own = [s for s in standing if s.public is public]
    nodes_by_key: dict[Key, Node] = {s.key: Node(standing_item(s, standing_reason)) for s in own}
    for s in own:
        if s.parent is not None and s.parent in nodes_by_key:
            nodes_by_key[s.parent].children.append(nodes_by_key[s.key])
    top = [s for s in own if s.parent is None or s.parent not in nodes_by_key]
    head = [nodes_by_key[s.key] for s in sorted(top, key=lambda s: s.rank) if s.slot is Slot.HEAD]
    tail = [nodes_by_key[s.key] for s in sorted(top, key=lambda s: s.rank) if s.slot is Slot.TAIL]

    groups: dict[str, list[PlacedPaper]] = defaultdict(list)
    direct: list[PlacedPaper] = []
    filed: dict[Key, list[PlacedPaper]] = defaultdict(list)
    for p in mine:
        if p.recommendation is not None:
            groups[p.recommendation.meeting_id].append(p)
        elif p.standing_parent is not None and p.standing_parent in nodes_by_key:
            filed[p.standing_parent].append(p)
        else:
            direct.append(p)
    group_nodes = []
    for members in sorted(
        groups.values(),
        key=lambda g: (g[0].recommendation.start, g[0].recommendation.meeting_id),  # type: ignore[union-attr]
    ):
        rec = members[0].recommendation
        assert rec is not None
        node = Node(
            DraftItem(
                number="",
                title=heading[rec.organization_id],
                kind=ItemKind.HEADING,
                public=public,
                confidentiality_source=ConfidentialitySource.STANDING,
                confidentiality_reason="Überschrift der Empfehlungen; Teil wie ihre Unterpunkte",
            )
        )
        for p in sorted(members, key=lambda p: p.recommendation.item_position):  # type: ignore[union-attr]
            node.children.append(Node(paper_item(p), own_number=p.recommendation.item_number))  # type: ignore[union-attr]
        group_nodes.append(node)
    for key, members in filed.items():
        target = nodes_by_key[key]
        for p in sorted(members, key=lambda p: reference_key(p.paper.reference)):
            target.children.append(Node(paper_item(p)))
    if order is not None and order.fitted:
        ordered = order.order([p.paper for p in direct])
        rank = {paper.id: k for k, paper in enumerate(ordered)}
        direct.sort(key=lambda p: rank[p.paper.id])
    else:
        direct.sort(key=lambda p: direct_key(archive, p.paper))
    direct_nodes = [Node(paper_item(p)) for p in direct]
    if directs_first:
        return head + direct_nodes + group_nodes + tail
    return head + group_nodes + direct_nodes + tail


def number_nodes(nodes: list[Node], *, dotted: bool, start: int = 1) -> list[DraftItem]:
    """Number the tree depth-first; returns the items in agenda order."""
    out: list[DraftItem] = []

    def walk(node: Node, number: str, parent: str | None) -> None:
        out.append(node.item.model_copy(update={"number": number, "parent_number": parent}))
        taken: set[str] = set()
        k = 0
        for child in node.children:
            if child.own_number is not None:
                child_no = sub_number(number, child.own_number, taken, dotted=dotted)
            else:
                k += 1
                child_no = child_number(number, str(k), dotted=dotted)
                while child_no in taken:
                    k += 1
                    child_no = child_number(number, str(k), dotted=dotted)
            taken.add(child_no)
            walk(child, child_no, number)

    for n, node in enumerate(nodes, start=start):
        walk(node, top_number(n, dotted=dotted), None)
    return out
