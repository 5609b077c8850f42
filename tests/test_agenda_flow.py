"""`prepare-agenda` end to end on a real Prefect server: pause, approval form, outputs.

The meeting and its papers come from a real OParl server on 127.0.0.1 (synced first); the
run pauses, the test sends the clerk's input the way the web app does (`resume_agenda`,
through the Prefect API), and checks the files on disk and the artifacts.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import pytest
from prefect.client.orchestration import get_client
from prefect.flow_runs import resume_flow_run
from pypdf import PdfReader
from sqlalchemy import select

from connectors.database import make_engine, tenant_session
from connectors.storage import TenantStorage
from flows.agenda_approval import (
    AgendaApproval,
    AgendaRunError,
    ApprovalInputError,
    paused_agendas,
    resume_agenda,
)
from models.db import AuditEvent
from models.settings import Settings
from tasks.agenda_outputs.prepare import load_draft
from tasks.agenda_outputs.summary import AgendaSummary
from tests.agenda_drafts import SECRET_TITLE
from tests.agenda_world import PUBLIC_TITLE, AgendaWorld, synced_upcoming_meeting
from tests.conftest_oparl import run_sync, spec_server_fixture  # noqa: F401
from tests.oparl_server import OParlTestServer

TENANT = "musterstadt"


@dataclass
class Started:
    """A prepare-agenda run started in a thread, and the world it works on."""

    world: AgendaWorld
    home: Path
    thread: threading.Thread
    result: dict[str, Any]
    run: Any


def _paused_run(meeting: str) -> Any:
    async def find() -> Any:
        async with get_client() as client:
            for _ in range(600):
                for run in await client.read_flow_runs():
                    if (
                        run.parameters.get("meeting") == meeting
                        and run.state is not None
                        and run.state.is_paused()
                    ):
                        return run
                await asyncio.sleep(0.2)
        raise AssertionError("no paused prepare-agenda run")

    return asyncio.run(find())


async def _run_input(flow_run_id: Any, key: str) -> str:
    async with get_client() as client:
        return str(await client.read_flow_run_input(flow_run_id, key))


def _artifacts(flow_run_id: Any) -> dict[str, Any]:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async def read() -> list[Any]:
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])
                )
            )

    return {a.key: a for a in asyncio.run(read())}


@pytest.fixture(name="started")
def started_fixture(
    prefect_api: str, amtsflow_env: Path, spec_server: OParlTestServer
) -> Iterator[Started]:
    world = synced_upcoming_meeting(spec_server, TENANT)
    from flows.agenda import prepare_agenda

    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["summary"] = prepare_agenda(tenant=TENANT, meeting=world.meeting, timeout_s=300)
        except BaseException as exc:  # handed to the test
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    run = _paused_run(world.meeting)
    yield Started(world, amtsflow_env, thread, result, run)
    thread.join(5)


def _finish(started: Started) -> AgendaSummary:
    started.thread.join(180)
    assert not started.thread.is_alive()
    if "error" in started.result:
        raise started.result["error"]
    summary = started.result["summary"]
    assert isinstance(summary, AgendaSummary)
    return summary


def _texts(path: Path) -> str:
    if path.suffix == ".pdf":
        reader = PdfReader(path)
        marks = [n.title for n in reader.outline if not isinstance(n, list)]
        return "\n".join([*marks, *(p.extract_text() for p in reader.pages)])
    if path.suffix == ".docx":
        document = docx.Document(str(path))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([*(p.text for p in document.paragraphs), *cells])
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_approved_agenda_writes_every_output(started: Started) -> None:
    storage = TenantStorage(started.home, TENANT)
    draft = load_draft(storage, started.world.meeting)
    assert draft is not None and draft.tenant == TENANT
    secret = next(i for i in draft.items if i.paper_id == started.world.secret_paper)
    public = next(i for i in draft.items if i.paper_id == started.world.public_paper)
    assert not secret.public  # a personnel matter, by rule
    # without enough history the builder is unsure about the land-use plan: non-public and
    # flagged, or public; the clerk decides below
    assert public.public or public.flagged
    # the operator console sees numbers and flags, never a title
    artifact = _artifacts(started.run.id)[f"agenda-draft-{TENANT}"]
    assert f"| {secret.number} | nichtöffentlich |" in artifact.data
    for title in (SECRET_TITLE, PUBLIC_TITLE, "Erika", "Mühlbach"):
        assert title not in artifact.data + (artifact.description or "")
    # the Prefect UI renders the pause as a German form
    keyset = started.run.state.state_details.run_input_keyset
    schema = asyncio.run(_run_input(started.run.id, keyset["schema"]))
    for title in ("Freigabe der Tagesordnung", "Tagesordnung freigeben", "Bearbeitet von"):
        assert title in schema
    # the web app's door: the run is listed for its municipality only
    assert [p.flow_run_id for p in paused_agendas(TENANT)] == [started.run.id]
    assert paused_agendas("nebenan") == []
    with pytest.raises(AgendaRunError, match="kein Tagesordnungslauf dieser Gemeinde"):
        resume_agenda(started.run.id, AgendaApproval(approve=True, clerk="xy"), tenant="nebenan")
    for wrong in ("00000000-0000-4000-8000-000000000000", "kein-lauf"):
        with pytest.raises(AgendaRunError, match="kein Tagesordnungslauf dieser Gemeinde"):
            resume_agenda(wrong, AgendaApproval(approve=True, clerk="xy"), tenant=TENANT)
    with pytest.raises(ApprovalInputError, match="unbekannte TOP-Nummern: 99"):
        resume_agenda(
            started.run.id,
            AgendaApproval(approve=True, clerk="mk", make_nonpublic=["99"]),
            tenant=TENANT,
        )
    # a form sent past the helper (e.g. in the Prefect UI) with an unknown number is asked again
    resume_flow_run(
        started.run.id, run_input={"approve": True, "clerk": "mk", "make_public": ["99"]}
    )
    again = _paused_run(started.world.meeting)
    assert again.id == started.run.id
    assert again.state.state_details.run_input_keyset != keyset
    budget = next(i for i in draft.items if i.title == "Haushaltssatzung 2027")
    to_hidden = [budget.number] if budget.public else []
    to_public = [] if public.public else [public.number]
    moves = to_hidden + to_public
    resume_agenda(
        started.run.id,
        AgendaApproval(
            approve=True,
            clerk="mk",
            make_nonpublic=to_hidden,
            make_public=to_public,
            comment="Frau Beispiel informiert",
        ),
        tenant=TENANT,
    )
    summary = _finish(started)
    assert summary.status == "freigegeben" and summary.moved_by_clerk == len(moves)
    assert summary.nonpublic_items == len(draft.nonpublic_items) + len(to_hidden) - len(to_public)
    outputs = started.home / "tenants" / TENANT / "outputs"
    written = {f.path.split("/", 2)[-1]: outputs / f.path for f in summary.files}
    assert sorted(written) == [
        "nichtoeffentlich/einladung.docx",
        "nichtoeffentlich/sitzungsmappe.pdf",
        "nichtoeffentlich/tagesordnung.docx",
        "nichtoeffentlich/tagesordnung.json",
        "oeffentlich/einladung.docx",
        "oeffentlich/sitzungsmappe.pdf",
        "oeffentlich/tagesordnung.docx",
        "oeffentlich/tagesordnung.json",
    ]
    assert all(path.is_file() and path.stat().st_size > 0 for path in written.values())
    texts = {name: _texts(path) for name, path in written.items()}
    for name, text in texts.items():
        if name.startswith("oeffentlich/"):
            assert SECRET_TITLE not in text and "Haushaltssatzung" not in text, name
    assert PUBLIC_TITLE in texts["oeffentlich/tagesordnung.docx"]
    assert SECRET_TITLE in texts["nichtoeffentlich/einladung.docx"]
    assert "Haushaltssatzung 2027" in texts["nichtoeffentlich/sitzungsmappe.pdf"]
    # the paper's DOCX attachment and the encrypted budget PDF became placeholder pages
    assert "Word-Dokument" in texts["oeffentlich/sitzungsmappe.pdf"]
    assert "verschlüsselt" in texts["nichtoeffentlich/sitzungsmappe.pdf"]
    export = json.loads(texts["oeffentlich/tagesordnung.json"])
    assert all(item["public"] for item in export["data"])
    assert (outputs / summary.folder / "freigegeben.json").is_file()  # type: ignore[operator]
    decision = json.loads((outputs / summary.folder / "freigabe.json").read_text())  # type: ignore[operator]
    assert decision["comment"] == "Frau Beispiel informiert" and decision["moved"] == len(moves)
    with get_client(sync_client=True) as client:  # the forms left the Prefect server
        kept = client.filter_flow_run_input(started.run.id, "paused-", 200, set())
    assert kept and not [k.key for k in kept if k.key.endswith("-response")]
    assert "Beispiel" not in json.dumps([k.value for k in kept])
    table = json.loads(_artifacts(started.run.id)[f"agenda-outputs-{TENANT}"].data)
    assert len(table) == 8 and {row["Teil"] for row in table} == {"öffentlich", "nichtöffentlich"}
    engine = make_engine(Settings().effective_database_url)
    with tenant_session(engine, TENANT) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action.like("agenda_%"))).all()
        assert [(e.action, e.actor) for e in events] == [("agenda_approved", "user:mk")]
        assert events[0].details["commented"] is True
        assert "Beispiel" not in json.dumps(events[0].details)
    engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_rejected_agenda_ends_without_outputs(started: Started) -> None:
    resume_agenda(started.run.id, AgendaApproval(approve=False, clerk="mk"), tenant=TENANT)
    summary = _finish(started)
    assert summary.status == "abgelehnt" and summary.files == []
    folders = list((started.home / "tenants" / TENANT / "outputs" / "sitzungen").iterdir())
    assert len(folders) == 1
    assert sorted(p.name for p in folders[0].iterdir()) == ["entwurf.json", "freigabe.json"]
    decision = json.loads((folders[0] / "freigabe.json").read_text(encoding="utf-8"))
    assert decision["approve"] is False and decision["clerk"] == "mk"
    artifact = _artifacts(started.run.id)[f"agenda-outputs-{TENANT}"]
    assert "abgelehnt" in artifact.data and "keine Einladung" in artifact.data


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_another_municipalitys_meeting_is_refused_before_any_draft(
    prefect_api: str, amtsflow_env: Path, spec_server: OParlTestServer
) -> None:
    world = synced_upcoming_meeting(spec_server, TENANT)  # synced for musterstadt only
    from flows.agenda import prepare_agenda

    with pytest.raises(LookupError, match="in den Daten der Gemeinde nicht vorhanden"):
        prepare_agenda(tenant="nebenan", meeting=world.meeting, timeout_s=60)
    assert paused_agendas("nebenan") == [] and paused_agendas(TENANT) == []
    nebenan = amtsflow_env / "tenants" / "nebenan"
    assert not (nebenan / "outputs").exists() or not any((nebenan / "outputs").rglob("*"))
    assert not (amtsflow_env / "tenants" / TENANT / "outputs" / "sitzungen").exists()

    async def runs() -> list[Any]:
        async with get_client() as client:
            return [r for r in await client.read_flow_runs() if r.name == "tagesordnung-nebenan"]

    (run,) = asyncio.run(runs())
    assert run.state is not None and run.state.is_failed()
    assert "agenda-draft-nebenan" not in _artifacts(run.id)
