"""One press of "Lauf starten" starts one run, whatever the Prefect server does meanwhile.

The server is real (the session's Prefect test server); between it and the web application
sits a loopback proxy that makes it busy (503, as SQLite does while locked) or loses its
answer after the run was created. Without the form's token as idempotency key a repeat
would start a second run; without the repeats the clerk would see an error page.
"""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from app.web.prefect_gateway import PrefectGateway, PrefectUnavailableError
from app.web.process_pages import START_TOKEN_TTL_S
from app.web.server import create_app
from app.web.settings import WebSettings
from connectors.database import tenant_session
from models.db import AuditEvent
from tests.conftest_web import (  # noqa: F401
    WebWorld,
    api_post,
    create_deployment,
    csrf_of,
    login,
    web_world_fixture,
)
from tests.prefect_proxy import Fault, prefect_proxy

_START_TOKEN = re.compile(r'name="start_token" value="([^"]+)"')


def _runs_of(api_url: str, deployment: str) -> list[str]:
    body = {"deployments": {"id": {"any_": [deployment]}}}
    return [r["id"] for r in api_post(f"{api_url}/flow_runs/filter", json=body).json()]


def _start_token(html: str) -> str:
    match = _START_TOKEN.search(html)
    assert match, "start form without its start token"
    return match.group(1)


def test_a_lost_answer_to_a_start_is_repeated_and_one_run_exists(prefect_api: str) -> None:
    deployment = create_deployment(prefect_api, "intake", "musterstadt")
    with prefect_proxy(prefect_api) as proxy:
        proxy.fail("/create_flow_run", Fault.LOSE_ANSWER)
        gateway = PrefectGateway(proxy.url, list_cache_s=0)
        run = gateway.start_run("musterstadt", deployment, {}, request_key="k" * 24)
        assert proxy.count("POST", "/create_flow_run") == 2  # the server got it twice
        assert _runs_of(prefect_api, deployment) == [run["id"]]  # and made one run
        other = gateway.start_run("musterstadt", deployment, {}, request_key="m" * 24)
        gateway.close()
    assert other["id"] != run["id"]  # another press is another run
    assert sorted(_runs_of(prefect_api, deployment)) == sorted([run["id"], other["id"]])


def test_a_busy_server_is_waited_for_and_a_lost_resume_is_not_repeated(prefect_api: str) -> None:
    deployment = create_deployment(prefect_api, "review-label", "musterstadt")
    body = {"parameters": {"review_id": 1}}
    run = api_post(f"{prefect_api}/deployments/{deployment}/create_flow_run", json=body).json()
    with prefect_proxy(prefect_api) as proxy:
        gateway = PrefectGateway(proxy.url, list_cache_s=0, cache_s=0)
        proxy.fail("/deployments/filter", Fault.BUSY, Fault.BUSY)
        assert deployment in [d["id"] for d in gateway.deployments("musterstadt")]
        assert proxy.count("POST", "/deployments/filter") == 3
        # A resume whose answer is lost may have been done: it is not sent again.
        proxy.fail("/resume", Fault.DROP)
        with pytest.raises(PrefectUnavailableError):
            gateway.resume("musterstadt", run["id"], {"label": "Antrag"})
        assert proxy.count("POST", "/resume") == 1
        gateway.close()


def test_pressing_start_twice_starts_one_run(web_world: WebWorld) -> None:
    anna = web_world.login("anna")
    deployment = web_world.deployments[("musterstadt", "intake")]
    url = f"/prozesse/{deployment}/starten"
    form = anna.get(url).text
    data = {"csrf_token": csrf_of(form), "start_token": _start_token(form)}
    first, second = anna.post(url, data=data), anna.post(url, data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    run_id = first.headers["location"].rsplit("/", 1)[1]
    assert _runs_of(web_world.api_url, deployment) == [run_id]
    with tenant_session(web_world.engine, "musterstadt") as s:
        started = select(func.count()).where(AuditEvent.action == "run_started")
        assert s.scalar(started) == 1
    fresh = anna.get(url).text  # a new form is a new press
    third = anna.post(url, data={"csrf_token": csrf_of(fresh), "start_token": _start_token(fresh)})
    assert third.status_code == 303 and third.headers["location"] != first.headers["location"]
    assert len(_runs_of(web_world.api_url, deployment)) == 2
    # a form from the browser's history, issued long ago: a new press, a new run
    old = f"{int(time.time()) - START_TOKEN_TTL_S - 60:x}-" + "a" * 24
    stale = [anna.post(url, data={"csrf_token": csrf_of(fresh), "start_token": old}) for _ in "12"]
    assert len({r.headers["location"] for r in stale}) == 2
    assert len(_runs_of(web_world.api_url, deployment)) == 4


def test_the_same_form_sent_with_other_values_is_another_run(web_world: WebWorld) -> None:
    # the browser's back button shows the form with its old token: other values, other run
    anna = web_world.login("anna")
    deployment = web_world.deployments[("musterstadt", "review-label")]
    url = f"/prozesse/{deployment}/starten"
    form = anna.get(url).text
    data = {"csrf_token": csrf_of(form), "start_token": _start_token(form), "timeout_s": "300"}
    runs = [anna.post(url, data={**data, "review_id": n}) for n in ("1", "1", "2")]
    assert [r.status_code for r in runs] == [303, 303, 303]
    locations = [r.headers["location"] for r in runs]
    assert locations[0] == locations[1] != locations[2]
    assert len(_runs_of(web_world.api_url, deployment)) == 2


def test_a_start_the_server_cannot_take_keeps_the_form_for_another_press(
    web_world: WebWorld,
) -> None:
    from starlette.testclient import TestClient

    deployment = web_world.deployments[("musterstadt", "intake")]
    url = f"/prozesse/{deployment}/starten"
    with prefect_proxy(web_world.api_url) as proxy:
        app = create_app(
            web_world.engine, proxy.url, web_world.home, WebSettings(deployments_cache_s=0)
        )
        client = TestClient(app, follow_redirects=False)
        assert login(client, "musterstadt", "anna", "Gutes-Passwort-2026").status_code == 303
        form = client.get(url).text
        token = _start_token(form)
        proxy.fail("/create_flow_run", *[Fault.BUSY] * 4)  # every repeat of this press
        refused = client.post(url, data={"csrf_token": csrf_of(form), "start_token": token})
        assert refused.status_code == 503
        assert "Keine Antwort vom Prefect-Server" in refused.text
        assert "nicht ein zweites Mal gestartet" in refused.text
        assert _start_token(refused.text) == token  # pressing again repeats this press
        assert proxy.count("POST", "/create_flow_run") == 4
        assert _runs_of(web_world.api_url, deployment) == []
        again = client.post(url, data={"csrf_token": csrf_of(refused.text), "start_token": token})
        assert again.status_code == 303
        assert _runs_of(web_world.api_url, deployment) == [again.headers["location"][-36:]]
        app.state.web.gateway.close()
