"""An agenda approval in the web pages resumes the paused `prepare-agenda` run.

The meeting comes from a real OParl server on 127.0.0.1 (synced first, as in the flow's
own test); the run belongs to Musterstadt's deployment and is executed in this process,
as a worker would. The reviewer sees it under Prüfen and approves it there.
"""

from __future__ import annotations

import re
import time

import httpx
import pytest
from sqlalchemy import select

from connectors.database import make_engine
from flows.agenda import prepare_agenda
from models.db import AuditEvent
from models.settings import Settings
from tests.agenda_world import synced_upcoming_meeting
from tests.conftest_oparl import spec_server_fixture  # noqa: F401
from tests.conftest_web import WebWorld, api_post, create_deployment, csrf_of, web_world_fixture  # noqa: F401
from tests.flow_threads import execute_run
from tests.oparl_server import OParlTestServer

TENANT = "musterstadt"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_reviewer_approves_a_paused_agenda_in_the_pages(
    web_world: WebWorld, spec_server: OParlTestServer
) -> None:
    world = synced_upcoming_meeting(spec_server, TENANT)
    settings = Settings()
    deployment = create_deployment(web_world.api_url, "prepare-agenda", TENANT)
    created = api_post(
        f"{web_world.api_url}/deployments/{deployment}/create_flow_run",
        json={"parameters": {"meeting": world.meeting, "timeout_s": 300}},
    )
    created.raise_for_status()
    run_id = created.json()["id"]
    thread, outcome = execute_run(prepare_agenda, run_id)
    deadline = time.monotonic() + 180
    while httpx.get(f"{web_world.api_url}/flow_runs/{run_id}").json()["state"]["type"] != "PAUSED":
        assert time.monotonic() < deadline and thread.is_alive(), outcome
        time.sleep(0.5)
    paula = web_world.login("paula")  # reviewer only
    queue = paula.get("/pruefen")
    assert f'action="/pruefen/tagesordnung/{run_id}"' in queue.text
    # Nebenan's reviewer neither sees nor approves it
    bernd = web_world.login("bernd")
    other = bernd.get("/pruefen")
    assert run_id not in other.text
    refused = bernd.post(
        f"/pruefen/tagesordnung/{run_id}", data={"csrf_token": csrf_of(other.text), "approve": "ja"}
    )
    assert refused.status_code == 404
    # an unknown item number is refused before the run continues
    token = csrf_of(queue.text)
    wrong = paula.post(
        f"/pruefen/tagesordnung/{run_id}",
        data={"csrf_token": token, "approve": "ja", "make_public": "99"},
    )
    assert wrong.status_code == 422 and re.search(r"Freigabe ist nicht möglich", wrong.text)
    approved = paula.post(
        f"/pruefen/tagesordnung/{run_id}",
        data={"csrf_token": token, "approve": "ja", "comment": "passt"},
    )
    assert approved.status_code == 303
    assert approved.headers["location"] == "/pruefen?meldung=freigegeben"
    thread.join(timeout=180)
    assert not thread.is_alive()
    assert outcome["state"].is_completed(), outcome["state"]
    engine = make_engine(settings.effective_database_url)
    try:
        from connectors.database import tenant_session

        with tenant_session(engine, TENANT) as s:
            actions = {(e.action, e.actor) for e in s.scalars(select(AuditEvent))}
    finally:
        engine.dispose()
    assert ("agenda_decision_sent", "user:paula") in actions

    # the outputs wait on the run's page: both parts, every file a download
    page = paula.get(f"/laeufe/{run_id}")
    links = set(re.findall(rf'href="/laeufe/{run_id}/ausgaben/([a-z]+/[a-z]+\.[a-z]+)"', page.text))
    assert {
        "oeffentlich/einladung.docx",
        "oeffentlich/tagesordnung.docx",
        "oeffentlich/tagesordnung.json",
        "oeffentlich/sitzungsmappe.pdf",
        "nichtoeffentlich/sitzungsmappe.pdf",
    } <= links
    assert "Sitzungsmappe (öffentlicher Teil, PDF)" in page.text
    mappe = paula.get(f"/laeufe/{run_id}/ausgaben/oeffentlich/sitzungsmappe.pdf")
    assert mappe.status_code == 200 and mappe.content.startswith(b"%PDF")
    assert mappe.headers["content-type"] == "application/pdf"
    assert mappe.headers["cache-control"] == "no-store"
    for bad in ("oeffentlich/entwurf.json", "oeffentlich/..%2Ffreigabe.json", "intern/x.pdf"):
        assert paula.get(f"/laeufe/{run_id}/ausgaben/{bad}").status_code == 404, bad
    assert bernd.get(f"/laeufe/{run_id}/ausgaben/oeffentlich/sitzungsmappe.pdf").status_code == 404
    engine = make_engine(settings.effective_database_url)
    try:
        from connectors.database import tenant_session

        with tenant_session(engine, TENANT) as s:
            downloads = [
                (e.flow_run_id, e.details)
                for e in s.scalars(select(AuditEvent).where(AuditEvent.actor == "user:paula"))
                if e.action == "document_downloaded"
            ]
    finally:
        engine.dispose()
    assert downloads == [(run_id, {"document": "sitzung/oeffentlich/sitzungsmappe.pdf"})]
