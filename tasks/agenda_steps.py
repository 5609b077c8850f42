"""Prefect tasks of the agenda preparation: build the draft, write outputs, report."""

from __future__ import annotations

import datetime as dt
import json
from uuid import UUID

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client

from connectors.database import make_engine, tenant_session
from connectors.storage import TenantStorage
from models.agenda import AgendaDraft
from models.settings import Settings
from tasks.agenda_outputs.prepare import (
    APPROVED,
    DECISION,
    build_draft,
    check_templates,
    draft_path,
    open_agenda,
    save_draft,
    write_outputs,
)
from tasks.agenda_outputs.summary import AgendaSummary, draft_markdown, outputs_rows
from tasks.agenda_outputs.write import OutputsResult
from tasks.audit import record


@task(name="build-agenda-draft", persist_result=False, cache_policy=NO_CACHE)
def build_draft_task(tenant: str, meeting: str, today: dt.date) -> AgendaDraft:
    """Build the suggestion and keep it in the tenant's folder (not in Prefect)."""
    with open_agenda(Settings(), tenant) as ctx:
        check_templates(ctx)
        draft = build_draft(ctx, meeting, today)
        save_draft(ctx.storage, draft)
    return draft


@task(name="write-agenda-outputs", persist_result=False, cache_policy=NO_CACHE, retries=1)
def write_outputs_task(draft: AgendaDraft, today: dt.date) -> OutputsResult:
    """Keep the approved agenda, fetch the papers' files, write every output."""
    with open_agenda(Settings(), draft.tenant) as ctx:
        save_draft(ctx.storage, draft, APPROVED)
        return write_outputs(ctx, draft, today=today)


@task(name="publish-agenda-draft", persist_result=False, cache_policy=NO_CACHE)
def publish_draft(draft: AgendaDraft) -> None:
    """The draft's numbers and flags for the operator console (no titles)."""
    create_markdown_artifact(
        key=f"agenda-draft-{draft.tenant}",
        markdown=draft_markdown(draft),
        description="Tagesordnungsentwurf: wartet auf die Freigabe des Sitzungsdienstes",
    )


@task(name="publish-agenda-outputs", persist_result=False, cache_policy=NO_CACHE)
def publish_outputs(summary: AgendaSummary) -> None:
    """The written files (or that there are none, after a rejection)."""
    key = f"agenda-outputs-{summary.tenant}"
    if summary.status == "abgelehnt":
        create_markdown_artifact(
            key=key,
            markdown="### Tagesordnung abgelehnt\n\nDer Sitzungsdienst hat den Entwurf nicht "
            "freigegeben; es wurden keine Einladung, keine Tagesordnung und keine "
            "Sitzungsmappe geschrieben.",
            description="Abgelehnt: keine Ausgaben",
        )
        return
    create_table_artifact(
        key=key,
        table=outputs_rows(summary),
        description=f"Ausgaben im Ordner outputs/{summary.folder}: "
        f"{summary.public_items} öffentliche, {summary.nonpublic_items} nichtöffentliche Punkte; "
        f"Seiten {summary.pages}; Platzhalterseiten {summary.placeholders}; "
        f"{len(summary.withheld_from_public)} Punkte aus dem öffentlichen Teil zurückgehalten",
    )


@task(name="record-agenda-decision", persist_result=False, cache_policy=NO_CACHE, retries=2)
def record_decision(
    draft: AgendaDraft,
    decision: dict[str, object],
    *,
    moved: int,
    flow_run_id: str,
) -> None:
    """The clerk's decision, kept twice.

    Whole (with the comment) in the meeting's folder as `freigabe.json`, and as an audit
    event with codes and counts only.
    """
    approved = bool(decision.get("approve"))
    settings = Settings()
    storage = TenantStorage(settings.home, draft.tenant)
    record_file = {
        **decision,
        "moved": moved,
        "flow_run_id": flow_run_id,
        "decided_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    text = json.dumps(record_file, ensure_ascii=False, indent=2, default=str)
    storage.write_atomic(draft_path(storage, draft, DECISION), text.encode())
    engine = make_engine(settings.effective_database_url)
    try:
        with tenant_session(engine, draft.tenant) as session:
            record(
                session,
                "agenda_approved" if approved else "agenda_rejected",
                actor=f"user:{decision.get('clerk')}",
                flow_run_id=flow_run_id,
                meeting=draft.meeting_id,
                items=len(draft.items),
                moved=moved,
                commented=bool(str(decision.get("comment") or "").strip()),
            )
            session.commit()
    finally:
        engine.dispose()


@task(
    name="forget-approval-forms",
    retries=2,
    retry_delay_seconds=2,
    persist_result=False,
    cache_policy=NO_CACHE,
)
def forget_approval_forms(flow_run_id: str) -> int:
    """Delete the approval forms Prefect keeps as the run's input; returns how many.

    Prefect stores every form sent to a paused run, readable through its API by every
    operator of every municipality. The comment is free text for the file (it may name
    people); once `record_decision` has written the decision into the municipality's
    own folder, the copy on the Prefect server is not needed. The form's schema and
    description stay: they hold no answers.
    """
    run = UUID(flow_run_id)
    with get_client(sync_client=True) as client:
        stored = client.filter_flow_run_input(
            run, key_prefix="paused-", limit=200, exclude_keys=set()
        )
        answers = [s.key for s in stored if s.key.endswith("-response")]
        for key in answers:
            client.delete_flow_run_input(run, key)
    return len(answers)
