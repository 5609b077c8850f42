"""A decision in the web pages resumes a paused review run, as the Prefect UI's form does."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import select

from connectors.database import tenant_session
from flows.review import review_label
from models.db import AuditEvent, ReviewItem
from tests.conftest_web import WebWorld, csrf_of, seed_tenant, web_world_fixture  # noqa: F401
from tests.flow_threads import execute_run


def _state(api_url: str, run_id: str) -> str:
    return str(httpx.get(f"{api_url}/flow_runs/{run_id}").json()["state"]["type"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_web_decision_resumes_the_paused_review_run(web_world: WebWorld) -> None:
    review_id = seed_tenant(web_world, "musterstadt")["reviews"][0]
    anna = web_world.login("anna")
    deployment = web_world.deployments[("musterstadt", "review-label")]
    form = anna.get(f"/prozesse/{deployment}/starten")
    started = anna.post(
        f"/prozesse/{deployment}/starten",
        data={"csrf_token": csrf_of(form.text), "review_id": str(review_id), "timeout_s": "300"},
    )
    assert started.status_code == 303, started.text[-1500:]
    run_id = started.headers["location"].rsplit("/", 1)[1]
    thread, outcome = execute_run(review_label, run_id)
    deadline = time.monotonic() + 90
    while _state(web_world.api_url, run_id) != "PAUSED":
        assert time.monotonic() < deadline, "run did not pause"
        assert thread.is_alive(), outcome
        time.sleep(0.5)
    run_page = anna.get(f"/laeufe/{run_id}")
    assert "wartet auf eine Entscheidung" in run_page.text
    # Nebenan's reviewer cannot decide it, not even by the review id
    bernd = web_world.login("bernd")
    token_b = csrf_of(bernd.get("/pruefen").text)
    refused = bernd.post(f"/pruefen/{review_id}", data={"csrf_token": token_b, "label": "Antrag"})
    assert refused.status_code == 404
    decided = anna.post(
        f"/pruefen/{review_id}",
        data={"csrf_token": csrf_of(anna.get("/pruefen").text), "label": "Antrag"},
    )
    assert decided.status_code == 303
    assert decided.headers["location"] == "/pruefen?meldung=an-lauf"
    thread.join(timeout=90)
    assert not thread.is_alive(), "run did not continue after the decision"
    assert outcome["state"].is_completed(), outcome["state"]
    with tenant_session(web_world.engine, "musterstadt") as s:
        item = s.get(ReviewItem, review_id)
        assert item is not None and (item.status, item.decision) == ("decided", "Antrag")
        assert item.decided_by == "anna"  # the run recorded the web user's name
        actions = {(e.action, e.actor) for e in s.scalars(select(AuditEvent))}
    assert ("review_sent_to_run", "user:anna") in actions
    assert ("label_decided", "user:anna") in actions
