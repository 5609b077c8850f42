"""`build_agenda`: the suggested agenda of one meeting from the papers scheduled for it.

Only what was known before the meeting is used: the papers whose consultations point to
it, the organization's earlier meetings (standing items, numbering style), committee
meetings before it (recommendations) and earlier agenda-item titles (the classifier).
The replay (tasks.agenda.replay) relies on that to rebuild past meetings honestly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from models.agenda import AgendaConfig, AgendaDraft
from models.tenant import Tenant
from tasks.agenda.archive import (
    BERLIN,
    Archive,
    ConsultationRecord,
    MeetingRecord,
    load_archive,
)
from tasks.agenda.assemble import PlacedPaper, number_nodes, part_nodes
from tasks.agenda.confidentiality import decide
from tasks.agenda.grouping import find_recommendations, groups_recommendations, heading_title
from tasks.agenda.notice import check_notice
from tasks.agenda.ordering import OrderModel
from tasks.agenda.rules import Rule, tenant_rules
from tasks.agenda.standing import StandingItem, standing_for
from tasks.agenda.structure import uses_trailing_dot
from tasks.agenda.title_model import TitleModel


def history_titles(archive: Archive, meeting_ids: Sequence[str]) -> list[tuple[str, bool, bool]]:
    """(title, public, has paper) of these meetings' real items, section markers left out."""
    return [
        (item.title, item.public, item.paper_id is not None)
        for m in meeting_ids
        for item in archive.items.get(m, [])
        if not item.is_section and item.public is not None and item.title
    ]


def build_agenda(
    session: Session, tenant: Tenant, meeting_id: str, *, today: dt.date | None = None
) -> AgendaDraft:
    """Suggest the agenda of one meeting (the clerk approves or corrects it).

    Raises:
        LookupError: the meeting is not in the tenant's synced data.

    """
    archive = load_archive(session)
    meeting = archive.meetings.get(meeting_id)
    if meeting is None:
        raise LookupError(f"Sitzung {meeting_id} ist in den Daten der Gemeinde nicht vorhanden")
    config = tenant.agenda or AgendaConfig()
    before = meeting.start or dt.datetime.max.replace(tzinfo=dt.UTC)
    model = TitleModel()
    model.learn(history_titles(archive, archive.history(before)))
    model.refit()
    order = OrderModel()
    order.learn(archive, archive.history(before))
    return assemble_draft(
        archive,
        meeting,
        config,
        model,
        tenant_rules(config.rules),
        tenant=tenant.slug,
        today=today or dt.datetime.now(BERLIN).date(),
        order=order,
    )


def _placed(
    archive: Archive,
    meeting: MeetingRecord,
    config: AgendaConfig,
    model: TitleModel,
    rules: Sequence[Rule],
    history: Sequence[str],
    standing: Sequence[StandingItem],
) -> list[PlacedPaper]:
    consultations: dict[str, ConsultationRecord] = {}
    for c in archive.by_meeting.get(meeting.id, []):
        if c.paper_id in archive.papers:
            consultations.setdefault(c.paper_id, c)
    papers = [archive.papers[p] for p in consultations]
    verdicts = model.judge([p.title for p in papers], [True] * len(papers))
    recommendations = (
        find_recommendations(archive, meeting, list(consultations), config)
        if groups_recommendations(archive, history, config)
        else {}
    )
    placed = []
    for paper, verdict in zip(papers, verdicts, strict=True):
        decision = decide(paper.title, verdict, rules, config)
        parent = next(
            (
                s.key
                for s in standing
                if paper.paper_type in s.paper_types and s.public is decision.public
            ),
            None,
        )
        placed.append(
            PlacedPaper(
                paper=paper,
                consultation=consultations[paper.id],
                decision=decision,
                recommendation=recommendations.get(paper.id),
                standing_parent=parent,
            )
        )
    return placed


def assemble_draft(
    archive: Archive,
    meeting: MeetingRecord,
    config: AgendaConfig,
    model: TitleModel,
    rules: Sequence[Rule],
    *,
    tenant: str,
    today: dt.date,
    order: OrderModel | None = None,
) -> AgendaDraft:
    """Build the draft from an archive and models trained on earlier meetings only.

    `order` (learnt from earlier agendas) sorts the papers that stand directly on the
    agenda; without it they go by department, then by reference.
    """
    warnings: list[str] = []
    before = meeting.start or dt.datetime.max.replace(tzinfo=dt.UTC)
    history = archive.history(before, meeting.organization_id)
    if not history:
        warnings.append(
            "Keine früheren Sitzungen dieses Gremiums: ständige Punkte und Nummerierung "
            "nicht gelernt, bitte prüfen."
        )
    standing = standing_for(archive, config, meeting.organization_id, history)
    recent = history[-config.history_meetings :]
    dotted = uses_trailing_dot([i for m in recent for i in archive.items.get(m, [])])
    placed = _placed(archive, meeting, config, model, rules, history, standing)
    headings = {
        p.recommendation.organization_id: heading_title(
            archive, p.recommendation.organization_id, config
        )
        for p in placed
        if p.recommendation is not None
    }
    reason = (
        "Ständiger Punkt laut Konfiguration der Gemeinde"
        if config.standing_items
        else f"Ständiger Punkt des Gremiums (aus {len(recent)} früheren Sitzungen gelernt)"
    )
    public = part_nodes(archive, True, list(standing), placed, headings, reason, order=order)
    nonpublic = part_nodes(archive, False, list(standing), placed, headings, reason, order=order)
    items = number_nodes(public, dotted=dotted) + number_nodes(
        nonpublic, dotted=dotted, start=len(public) + 1
    )
    unlinked = [
        i
        for m in recent
        for i in archive.items.get(m, [])
        if i.public is False and not i.is_section and i.paper_id is None
    ]
    linked = [
        i for m in recent for i in archive.items.get(m, []) if i.public is False and i.paper_id
    ]
    if unlinked and not linked:
        warnings.append(
            "In früheren Sitzungen hatten nichtöffentliche Punkte keine Vorlage im "
            "Ratsinformationssystem: nichtöffentliche Vorlagen bitte selbst ergänzen."
        )
    lost = {c.paper_id for c in archive.by_meeting.get(meeting.id, [])} - set(archive.papers)
    if lost:  # withdrawn, or not synchronised: the clerk must know it is not in the draft
        warnings.append(
            f"{len(lost)} Beratung(en) dieser Sitzung nennen eine Vorlage, die im "
            "Ratsinformationssystem fehlt oder gelöscht ist: nicht in den Entwurf "
            "aufgenommen, bitte prüfen."
        )
    flagged = sum(i.flagged for i in items)
    if flagged:
        warnings.append(
            f"{flagged} Punkt(e) unsicher eingestuft: nichtöffentlich vorgeschlagen, bitte prüfen."
        )
    notice = None
    if meeting.start is not None:
        notice = check_notice(meeting.start, config.notice_days, today)
        if notice.late:
            warnings.append(notice.message)
    else:
        warnings.append("Sitzung ohne Beginn: Ladungsfrist nicht prüfbar.")
    return AgendaDraft(
        tenant=tenant,
        meeting_id=meeting.id,
        meeting_name=meeting.name,
        organization_id=meeting.organization_id,
        organization_name=archive.organization_name(meeting.organization_id) or None,
        start=meeting.start,
        location=meeting.location,
        items=items,
        notice=notice,
        warnings=warnings,
    )
