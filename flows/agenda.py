"""Prepare a meeting's agenda: suggest, wait for the clerk's approval, write the outputs.

Started by a clerk (dashboard or Prefect UI) with the meeting as parameter. The draft is
built from the synced council information system and kept in the tenant's folder; the
operator console sees only numbers and flags. The run then pauses with a German form
(`AgendaApproval`); a rejection ends it without outputs, an approval (with the clerk's
moves between the public and non-public part) writes invitation, agenda, both
Sitzungsmappen and the JSON export, and lists them in an artifact.
"""

from __future__ import annotations

import time
from typing import Annotated

from prefect import flow, get_run_logger
from prefect.flow_runs import pause_flow_run
from prefect.runtime import flow_run

from flows.agenda_approval import AgendaApproval
from models.agenda import AgendaDraft, ConfidentialitySource
from models.parameter_field import TenantSlug, parameter
from tasks.agenda_outputs.corrections import CorrectionError, apply_corrections
from tasks.agenda_outputs.prepare import today_in_berlin
from tasks.agenda_outputs.summary import AgendaSummary
from tasks.agenda_steps import (
    build_draft_task,
    forget_approval_forms,
    publish_draft,
    publish_outputs,
    record_decision,
    write_outputs_task,
)
from tasks.tenant_guard import guard_run

ATTEMPTS = 3  # forms with unknown numbers before the run gives up


def _ask(draft: AgendaDraft, timeout_s: int) -> tuple[AgendaApproval, AgendaDraft]:
    """Pause until a valid approval arrives; a form with unknown numbers is asked again."""
    logger = get_run_logger()
    for attempt in range(1, ATTEMPTS + 1):
        approval = pause_flow_run(wait_for_input=AgendaApproval, timeout=timeout_s, poll_interval=5)
        if not approval.approve:
            return approval, draft
        try:
            return approval, apply_corrections(draft, approval.make_nonpublic, approval.make_public)
        except CorrectionError as exc:
            logger.warning("Freigabe %d/%d nicht übernommen: %s", attempt, ATTEMPTS, exc)
    raise CorrectionError(f"{ATTEMPTS} Freigaben mit ungültigen Korrekturen; nichts geschrieben")


@flow(name="prepare-agenda", flow_run_name="tagesordnung-{tenant}", persist_result=False)
def prepare_agenda(
    tenant: TenantSlug,
    meeting: Annotated[
        str,
        parameter(
            "Sitzung",
            "OParl-Adresse der Sitzung, wie sie das Ratsinformationssystem vergibt",
            pattern=r"^https?://\S+$",
            max_length=500,
        ),
    ],
    timeout_s: Annotated[
        int,
        parameter(
            "Wartezeit auf die Freigabe (Sekunden)",
            "So lange wartet der Lauf auf den Sitzungsdienst (1 Minute bis 14 Tage)",
            ge=60,
            le=14 * 86400,
        ),
    ] = 7 * 86400,
) -> AgendaSummary:
    """Suggest the agenda, pause for the approval, then write (or, if rejected, not)."""
    guard_run(tenant)
    logger = get_run_logger()
    started = time.monotonic()
    today = today_in_berlin()
    draft = build_draft_task(tenant, meeting, today)
    publish_draft(draft)
    logger.info(
        "Entwurf: %d Punkte (%d nichtöffentlich, %d zu prüfen); warte auf Freigabe",
        len(draft.items),
        len(draft.nonpublic_items),
        len(draft.flagged_items),
    )
    approval, final = _ask(draft, timeout_s)
    clerk = ConfidentialitySource.CLERK
    moved = sum(i.confidentiality_source is clerk for i in final.items) - sum(
        i.confidentiality_source is clerk for i in draft.items
    )
    decision = approval.model_dump(mode="json", exclude={"metadata"})
    record_decision(draft, decision, moved=moved, flow_run_id=str(flow_run.id))
    forget_approval_forms(str(flow_run.id))
    if not approval.approve:
        summary = AgendaSummary.of(draft, "abgelehnt", flow_run_id=str(flow_run.id))
        publish_outputs(summary)
        logger.info("Tagesordnung abgelehnt: keine Ausgaben geschrieben")
        return summary.model_copy(update={"seconds": round(time.monotonic() - started, 2)})
    result = write_outputs_task(final, today)
    summary = AgendaSummary.of(
        final, "freigegeben", flow_run_id=str(flow_run.id), moved_by_clerk=moved
    ).with_outputs(result)
    publish_outputs(summary)
    logger.info(
        "Tagesordnung freigegeben: %d Dateien in outputs/%s", len(summary.files), summary.folder
    )
    return summary.model_copy(update={"seconds": round(time.monotonic() - started, 2)})
