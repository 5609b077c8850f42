"""Server-side isolation: a user reads, starts and decides only the own tenant's things.

Every test guesses or tampers: ids of the other municipality typed into URLs, a hidden
`tenant` field added to a form, another tenant's review id, a forged parameter.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import httpx
from sqlalchemy import select

from app.web.queries import BERLIN
from connectors.database import tenant_session
from models.db import AuditEvent, Classification, ReviewItem
from tests.conftest_web import WebWorld, api_post, csrf_of, seed_tenant, web_world_fixture  # noqa: F401


def test_processes_and_start_forms_of_another_tenant_do_not_exist(web_world: WebWorld) -> None:
    anna = web_world.login("anna")
    own = web_world.deployments[("musterstadt", "intake")]
    foreign = web_world.deployments[("nebenan", "intake")]
    listing = anna.get("/prozesse").text
    assert f"/prozesse/{own}/starten" in listing and foreign not in listing
    assert "Posteingang" in listing  # German title, not the flow name
    token = csrf_of(listing)
    for deployment_id in (foreign, str(uuid.uuid4()), "..%2f..%2fadmin", "kein-id"):
        assert anna.get(f"/prozesse/{deployment_id}/starten").status_code == 404
        posted = anna.post(f"/prozesse/{deployment_id}/starten", data={"csrf_token": token})
        assert posted.status_code == 404


def test_a_started_run_keeps_the_own_tenant_whatever_the_form_says(web_world: WebWorld) -> None:
    anna, bernd = web_world.login("anna"), web_world.login("bernd")
    deployment = web_world.deployments[("musterstadt", "intake")]
    form = anna.get(f"/prozesse/{deployment}/starten")
    assert form.status_code == 200 and 'id="param-tenant"' in form.text
    assert 'name="tenant"' not in form.text  # the tenant is not a form field
    started = anna.post(
        f"/prozesse/{deployment}/starten",
        data={"csrf_token": csrf_of(form.text), "tenant": "nebenan"},
    )
    assert started.status_code == 303, started.text[-1500:]
    run_id = started.headers["location"].rsplit("/", 1)[1]
    run = httpx.get(f"{web_world.api_url}/flow_runs/{run_id}").json()
    assert run["parameters"]["tenant"] == "musterstadt"
    assert "tenant:musterstadt" in run["tags"] and "tenant:nebenan" not in run["tags"]
    page = anna.get(f"/laeufe/{run_id}")
    assert page.status_code == 200 and "Posteingang" in page.text
    assert run_id in anna.get("/laeufe").text
    # Nebenan's clerk can neither open nor list it
    assert bernd.get(f"/laeufe/{run_id}").status_code == 404
    assert run_id not in bernd.get("/laeufe").text
    with tenant_session(web_world.engine, "musterstadt") as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "run_started"))
        assert event is not None and event.actor == "user:anna" and event.flow_run_id == run_id


def test_runs_of_another_tenant_are_404_even_with_a_forged_parameter(
    web_world: WebWorld,
) -> None:
    foreign = web_world.deployments[("nebenan", "intake")]
    forged = api_post(
        f"{web_world.api_url}/deployments/{foreign}/create_flow_run",
        json={"parameters": {"tenant": "musterstadt"}},  # claims Musterstadt, is Nebenan's
    ).json()
    anna = web_world.login("anna")
    assert anna.get(f"/laeufe/{forged['id']}").status_code == 404
    assert forged["id"] not in anna.get("/laeufe").text
    untagged_flow = api_post(f"{web_world.api_url}/flows/", json={"name": "intake"}).json()
    untagged = api_post(
        f"{web_world.api_url}/flow_runs/",
        json={"flow_id": untagged_flow["id"], "parameters": {"tenant": "musterstadt"}},
    ).json()
    assert anna.get(f"/laeufe/{untagged['id']}").status_code == 404
    assert anna.get("/laeufe/nicht-einmal-eine-uuid").status_code == 404


def test_a_run_given_a_second_tenant_tag_is_shown_to_neither(web_world: WebWorld) -> None:
    """Tags can be added through Prefect's API (no login): one more tag opens no door."""
    foreign = web_world.deployments[("nebenan", "intake")]
    doubled = api_post(
        f"{web_world.api_url}/deployments/{foreign}/create_flow_run",
        json={"parameters": {"tenant": "nebenan"}, "tags": ["tenant:musterstadt"]},
    ).json()
    assert {"tenant:musterstadt", "tenant:nebenan"} <= set(doubled["tags"])
    flow = api_post(f"{web_world.api_url}/flows/", json={"name": "intake"}).json()
    mislabelled = api_post(  # Musterstadt's tag alone, but Nebenan's parameter
        f"{web_world.api_url}/flow_runs/",
        json={
            "flow_id": flow["id"],
            "parameters": {"tenant": "nebenan"},
            "tags": ["tenant:musterstadt"],
        },
    ).json()
    anna, bernd = web_world.login("anna"), web_world.login("bernd")
    for run in (doubled, mislabelled):
        for clerk in (anna, bernd):
            assert clerk.get(f"/laeufe/{run['id']}").status_code == 404
            assert run["id"] not in clerk.get("/laeufe").text


def test_start_form_validates_in_german(web_world: WebWorld) -> None:
    anna = web_world.login("anna")
    deployment = web_world.deployments[("musterstadt", "review-label")]
    form = anna.get(f"/prozesse/{deployment}/starten")
    assert "Prüfauftrag" in form.text and "Wartezeit (Sekunden)" in form.text
    token = csrf_of(form.text)
    url = f"/prozesse/{deployment}/starten"
    empty = anna.post(url, data={"csrf_token": token, "review_id": ""})
    assert empty.status_code == 422 and "Bitte füllen Sie das Feld „Prüfauftrag“ aus." in empty.text
    assert 'id="param-review_id-fehler"' in empty.text and 'aria-invalid="true"' in empty.text
    bad = anna.post(url, data={"csrf_token": token, "review_id": "abc", "timeout_s": "5"})
    assert bad.status_code == 422
    assert "Bitte eine ganze Zahl eingeben" in bad.text
    assert "Der Wert muss mindestens 60 sein." in bad.text
    runs_before = api_post(
        f"{web_world.api_url}/flow_runs/count",
        json={"deployments": {"id": {"any_": [deployment]}}},
    ).json()
    assert runs_before == 0  # nothing was started by invalid forms


def test_review_decisions_touch_only_the_own_queue(web_world: WebWorld) -> None:
    own = seed_tenant(web_world, "musterstadt")["reviews"][0]
    foreign = seed_tenant(web_world, "nebenan")["reviews"][0]
    anna = web_world.login("anna")
    queue = anna.get("/pruefen")
    assert f'id="korrektur-{own}"' in queue.text and f'id="korrektur-{foreign}"' not in queue.text
    assert "brief.txt (Webformular)" in queue.text  # the kind found in the content, in German
    token = csrf_of(queue.text)
    assert (
        anna.post(f"/pruefen/{foreign}", data={"csrf_token": token, "label": "Antrag"}).status_code
        == 404
    )
    not_allowed = anna.post(f"/pruefen/{own}", data={"csrf_token": token, "label": "Erfunden"})
    assert not_allowed.status_code == 422
    done = anna.post(f"/pruefen/{own}", data={"csrf_token": token, "label": "Antrag"})
    assert done.status_code == 303 and done.headers["location"] == "/pruefen?meldung=korrigiert"
    again = anna.post(f"/pruefen/{own}", data={"csrf_token": token, "label": "Antrag"})
    assert again.status_code == 404  # no longer open
    with tenant_session(web_world.engine, "nebenan") as s:
        item = s.get(ReviewItem, foreign)
        assert item is not None and item.status == "open" and item.decided_by is None
    with tenant_session(web_world.engine, "musterstadt") as s:
        item = s.get(ReviewItem, own)
        assert item is not None and (item.decision, item.decided_by) == ("Antrag", "anna")
        result = s.scalar(
            select(Classification).where(Classification.document_id == item.subject_id)
        )
        assert result is not None and result.status == "corrected"
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "label_decided"))
        assert event is not None and event.actor == "user:anna"


def test_cases_and_downloads_of_another_tenant_stay_hidden(web_world: WebWorld) -> None:
    own = seed_tenant(web_world, "musterstadt")["cases"]
    foreign = seed_tenant(web_world, "nebenan")["cases"]
    anna = web_world.login("anna")
    page = anna.get("/vorgaenge")
    assert page.status_code == 200 and "MUSTERSTADT-2026-00000" in page.text
    assert "NEBENAN" not in page.text
    search = anna.get("/vorgaenge", params={"aktenzeichen": "NEBENAN"})
    assert "0 Vorgänge gefunden" in search.text
    by_form = anna.get("/vorgaenge", params={"formular": "gewerbeanmeldung"})
    assert "1 Vorgänge gefunden" in by_form.text and "MUSTERSTADT-2026-00001" in by_form.text
    today = datetime.now(BERLIN).date().isoformat()  # the pages' days are Berlin's
    by_date = anna.get("/vorgaenge", params={"von": today, "bis": today})
    assert "MUSTERSTADT-2026-00000" in by_date.text and "MUSTERSTADT-2026-00002" not in by_date.text
    bad_date = anna.get("/vorgaenge", params={"von": "31.02.2026"})
    assert bad_date.status_code == 422 and 'id="von-fehler"' in bad_date.text
    for field, day in (("bis", "9999-12-31"), ("von", "0001-01-01")):  # overflowed to a 500
        far = anna.get("/vorgaenge", params={field: day})
        assert far.status_code == 422 and f'id="{field}-fehler"' in far.text
        assert "Jahr 1900 bis 2999" in far.text
    download = anna.get(f"/vorgaenge/{own[0]}/bestaetigung")
    assert download.status_code == 200 and download.content == b"DOCX musterstadt 0"
    assert "attachment" in download.headers["content-disposition"]
    for case_id in foreign:
        assert anna.get(f"/vorgaenge/{case_id}/bestaetigung").status_code == 404
    with tenant_session(web_world.engine, "musterstadt") as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "document_downloaded"))
        assert event is not None and event.actor == "user:anna" and event.case_id == own[0]


def test_agenda_approvals_of_other_runs_are_404(web_world: WebWorld) -> None:
    foreign = web_world.deployments[("nebenan", "intake")]
    foreign_run = api_post(
        f"{web_world.api_url}/deployments/{foreign}/create_flow_run", json={}
    ).json()
    own = web_world.deployments[("musterstadt", "intake")]
    own_intake = api_post(f"{web_world.api_url}/deployments/{own}/create_flow_run", json={}).json()
    anna = web_world.login("anna")
    token = csrf_of(anna.get("/pruefen").text)
    form = {"csrf_token": token, "approve": "ja", "make_nonpublic": "7"}
    # another tenant's run, an own run that is no agenda run, an invented id: all 404
    for run_id in (foreign_run["id"], own_intake["id"], str(uuid.uuid4()), "x"):
        assert anna.post(f"/pruefen/tagesordnung/{run_id}", data=form).status_code == 404
    state = httpx.get(f"{web_world.api_url}/flow_runs/{foreign_run['id']}").json()["state"]
    assert state["type"] == "SCHEDULED"  # untouched
