"""What the run pages say: a failed run in plain words, a run's artifacts as tables."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from app.web import queries
from tests.conftest_web import WebWorld, api_post, web_world_fixture  # noqa: F401


def _run(world: WebWorld, state: dict[str, str]) -> str:
    deployment = world.deployments[("musterstadt", "intake")]
    response = api_post(
        f"{world.api_url}/deployments/{deployment}/create_flow_run", json={"state": state}
    )
    response.raise_for_status()
    run_id: str = response.json()["id"]
    return run_id


def test_a_failed_run_says_what_happened_and_what_to_do(web_world: WebWorld) -> None:
    failed = _run(
        web_world,
        {
            "type": "FAILED",
            "name": "Failed",
            "message": "Flow run encountered an exception: FileNotFoundError: Eingangsordner fehlt",
        },
    )
    crashed = _run(web_world, {"type": "CRASHED", "name": "Crashed", "message": "worker gone"})
    anna = web_world.login("anna")
    page = anna.get(f"/laeufe/{failed}").text
    assert "fehlgeschlagen" in page and "Was ist passiert?" in page
    assert "Ein benötigter Ordner oder eine Datei wurde nicht gefunden" in page
    assert "nicht doppelt angelegt" in page  # what to do: start again, nothing duplicates
    assert "Eingangsordner fehlt" in page  # the technical message for the IT provider
    page = anna.get(f"/laeufe/{crashed}").text
    assert "abgebrochen (Absturz)" in page and "Starten Sie den Lauf einfach neu" in page


def test_a_runs_artifacts_are_shown_as_tables(web_world: WebWorld) -> None:
    run_id = _run(web_world, {"type": "COMPLETED", "name": "Completed"})
    rows = [
        {"Formular": "Gewerbeanmeldung", "angenommen": 2},
        {"Formular": "Summe", "angenommen": 2},
    ]
    response = api_post(
        f"{web_world.api_url}/artifacts/",
        json={
            "type": "table",
            "key": "posteingang-musterstadt",
            "description": "Posteingang musterstadt: 2 Dateien",
            "data": json.dumps(rows),
            "flow_run_id": run_id,
        },
    )
    response.raise_for_status()
    page = web_world.login("anna").get(f"/laeufe/{run_id}").text
    assert "abgeschlossen" in page and "Posteingang musterstadt: 2 Dateien" in page
    assert '<th scope="col">Formular</th>' in page and "<td>Gewerbeanmeldung</td>" in page
    assert "Seite jetzt aktualisieren" not in page  # finished: no refresh offered


def test_an_unexpected_error_page_carries_the_security_headers(
    web_world: WebWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 500 is answered outside the middleware that adds them to every other page."""

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Datenbank weg")

    anna = web_world.login("anna")
    monkeypatch.setattr(queries, "cases_page", broken)
    failing = TestClient(web_world.app, follow_redirects=False, raise_server_exceptions=False)
    failing.cookies = anna.cookies
    page = failing.get("/vorgaenge")
    assert page.status_code == 500 and "Datenbank weg" not in page.text
    for header in ("content-security-policy", "x-content-type-options", "x-frame-options"):
        assert header in page.headers, header
    assert page.headers["x-frame-options"] == "DENY"
