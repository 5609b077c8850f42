"""Web accounts: login, cookie attributes, logout revocation, CSRF, rate limit, roles."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from connectors.database import tenant_session
from models.accounts import User
from models.db import AuditEvent
from tests.conftest_web import PASSWORD, WebWorld, csrf_of, login, web_world_fixture  # noqa: F401


def test_login_sets_a_strict_httponly_cookie_and_logout_revokes_it(web_world: WebWorld) -> None:
    client = web_world.client()
    response = login(client, "musterstadt", "anna", PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/prozesse"
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("amtsflow_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    value = client.cookies["amtsflow_session"]
    assert value.startswith("musterstadt.")
    page = client.get("/prozesse")
    assert page.status_code == 200 and 'lang="de"' in page.text
    logout = client.post("/abmelden", data={"csrf_token": csrf_of(page.text)})
    assert logout.status_code == 303
    replay = web_world.client()
    replay.cookies.set("amtsflow_session", value)
    assert replay.get("/prozesse").status_code == 303  # revoked server-side: back to login


def test_wrong_password_and_foreign_tenant_fail_alike(web_world: WebWorld) -> None:
    client = web_world.client()
    wrong = login(client, "musterstadt", "anna", "falsches-passwort-123")
    assert wrong.status_code == 401 and "Anmeldung ist fehlgeschlagen" in wrong.text
    # bernd exists, but in Nebenan: logging in to Musterstadt with his password fails
    foreign = login(client, "musterstadt", "bernd", PASSWORD)
    assert foreign.status_code == 401 and "Anmeldung ist fehlgeschlagen" in foreign.text
    # the same page: nothing tells whether the name exists in another municipality
    token = re.compile(r'name="csrf_token" value="[^"]*"')
    assert token.sub("", foreign.text.replace("bernd", "anna")) == token.sub("", wrong.text)
    assert "amtsflow_session" not in client.cookies


def test_a_token_is_valid_only_with_its_own_tenant(web_world: WebWorld) -> None:
    anna = web_world.login("anna")
    token = anna.cookies["amtsflow_session"].split(".", 1)[1]
    forged = web_world.client()
    forged.cookies.set("amtsflow_session", f"nebenan.{token}")
    assert forged.get("/prozesse").status_code == 303


def test_login_is_rate_limited_per_account(web_world: WebWorld) -> None:
    client = web_world.client()
    for _ in range(5):
        assert login(client, "musterstadt", "carl", "falsch-falsch-falsch").status_code == 401
    blocked = login(client, "musterstadt", "carl", PASSWORD)  # right password, but blocked
    assert blocked.status_code == 429 and "Zu viele" in blocked.text
    # another account from the same address still works (the IP limit is higher)
    assert login(web_world.client(), "musterstadt", "anna", PASSWORD).status_code == 303


def test_login_is_rate_limited_per_address(web_world: WebWorld) -> None:
    client = web_world.client()
    for i in range(20):
        assert login(client, "musterstadt", f"gibtsnicht{i}", "x" * 12).status_code == 401
    assert login(client, "musterstadt", "anna", PASSWORD).status_code == 429


def test_every_form_needs_the_sessions_own_csrf_token(web_world: WebWorld) -> None:
    anna, bernd = web_world.login("anna"), web_world.login("bernd")
    deployment = web_world.deployments[("musterstadt", "intake")]
    url = f"/prozesse/{deployment}/starten"
    assert anna.post(url, data={}).status_code == 403
    bernd_token = csrf_of(bernd.get("/prozesse").text)
    assert anna.post(url, data={"csrf_token": bernd_token}).status_code == 403
    assert anna.post("/abmelden", data={"csrf_token": bernd_token}).status_code == 403
    # the login form: a token without its cookie is refused
    fresh = web_world.client()
    token = csrf_of(fresh.get("/anmelden").text)
    other = web_world.client()
    response = other.post(
        "/anmelden",
        data={
            "csrf_token": token,
            "tenant": "musterstadt",
            "username": "anna",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("username", "allowed", "hidden"),
    [
        ("carl", ["/prozesse", "/laeufe", "/vorgaenge"], ["/pruefen", "/benutzer"]),
        ("paula", ["/pruefen", "/laeufe", "/vorgaenge"], ["/prozesse", "/benutzer"]),
        ("verwaltung", ["/benutzer", "/prozesse", "/pruefen"], []),
    ],
)
def test_roles_decide_which_pages_exist(
    web_world: WebWorld, username: str, allowed: list[str], hidden: list[str]
) -> None:
    client = web_world.login(username)
    for path in allowed:
        assert client.get(path).status_code == 200, path
    for path in hidden:
        assert client.get(path).status_code == 404, path


def test_admin_manages_only_the_own_tenants_users(web_world: WebWorld) -> None:
    admin = web_world.login("verwaltung")
    page = admin.get("/benutzer")
    token = csrf_of(page.text)
    bad = admin.post("/benutzer", data={"csrf_token": token, "username": "X!", "password": "kurz"})
    assert bad.status_code == 422
    assert 'id="username-fehler"' in bad.text and "mindestens 12 Zeichen" in bad.text
    assert "mindestens eine Rolle" in bad.text
    created = admin.post(
        "/benutzer",
        data={
            "csrf_token": token,
            "username": "neu",
            "password": "Ein-neues-Passwort-1",
            "roles": ["clerk", "reviewer"],
            "tenant": "nebenan",  # tampering: ignored, the account is Musterstadt's
        },
    )
    assert created.status_code == 303
    with tenant_session(web_world.engine, "musterstadt") as s:
        user = s.scalar(select(User).where(User.username == "neu"))
        assert user is not None and sorted(user.roles) == ["clerk", "reviewer"]
    with tenant_session(web_world.engine, "nebenan") as s:
        bernd = s.scalar(select(User).where(User.username == "bernd"))
        assert bernd is not None
        assert s.scalar(select(User).where(User.username == "neu")) is None
    # locking Bernd (Nebenan) by his id from Musterstadt's admin page: 404, he stays active
    locked = admin.post(f"/benutzer/{bernd.id}/sperren", data={"csrf_token": token})
    assert locked.status_code == 404
    assert login(web_world.client(), "nebenan", "bernd", PASSWORD).status_code == 303
    # locking Carl ends his session at once
    carl = web_world.login("carl")
    with tenant_session(web_world.engine, "musterstadt") as s:
        carl_id = s.scalar(select(User.id).where(User.username == "carl"))
    assert admin.post(f"/benutzer/{carl_id}/sperren", data={"csrf_token": token}).status_code == 303
    assert carl.get("/prozesse").status_code == 303
    with tenant_session(web_world.engine, "musterstadt") as s:
        actions = {(e.action, e.actor) for e in s.scalars(select(AuditEvent))}
    assert ("user_created", "user:verwaltung") in actions
    assert ("user_deactivated", "user:verwaltung") in actions
    assert ("web_login", "user:verwaltung") in actions


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_admin_gives_a_forgetful_clerk_a_new_password(web_world: WebWorld) -> None:
    admin = web_world.login("verwaltung")
    token = csrf_of(admin.get("/benutzer").text)
    carl = web_world.login("carl")  # still logged in somewhere
    with tenant_session(web_world.engine, "musterstadt") as s:
        carl_id = s.scalar(select(User.id).where(User.username == "carl"))
        admin_id = s.scalar(select(User.id).where(User.username == "verwaltung"))
    with tenant_session(web_world.engine, "nebenan") as s:
        bernd_id = s.scalar(select(User.id).where(User.username == "bernd"))
    answer = admin.post(f"/benutzer/{carl_id}/passwort", data={"csrf_token": token})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    found = re.search(
        r"Neues Passwort für <strong>carl</strong>: <code>([^<]+)</code>", answer.text
    )
    assert found, answer.text
    fresh = found.group(1)
    assert carl.get("/prozesse").status_code == 303  # the old session ended
    assert login(web_world.client(), "musterstadt", "carl", PASSWORD).status_code != 303
    assert login(web_world.client(), "musterstadt", "carl", fresh).status_code == 303
    assert fresh not in admin.get("/benutzer").text  # shown once
    # another tenant's user, the own account, no CSRF token: refused
    assert (
        admin.post(f"/benutzer/{bernd_id}/passwort", data={"csrf_token": token}).status_code == 404
    )
    assert login(web_world.client(), "nebenan", "bernd", PASSWORD).status_code == 303
    own = admin.post(f"/benutzer/{admin_id}/passwort", data={"csrf_token": token})
    assert own.status_code == 409
    assert admin.post(f"/benutzer/{carl_id}/passwort", data={}).status_code in (400, 403)
    with tenant_session(web_world.engine, "musterstadt") as s:
        events = [e for e in s.scalars(select(AuditEvent)) if e.action == "user_password_reset"]
    assert [(e.actor, e.details) for e in events] == [("user:verwaltung", {"user_id": carl_id})]
    assert all(fresh not in str(e.details) for e in events)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_admin_unlocks_a_locked_account_with_a_fresh_password(web_world: WebWorld) -> None:
    admin = web_world.login("verwaltung")
    token = csrf_of(admin.get("/benutzer").text)
    with tenant_session(web_world.engine, "musterstadt") as s:
        carl_id = s.scalar(select(User.id).where(User.username == "carl"))
    with tenant_session(web_world.engine, "nebenan") as s:
        bernd_id = s.scalar(select(User.id).where(User.username == "bernd"))
    for _ in range(5):  # carl also locked himself out of the login
        assert (
            login(web_world.client(), "musterstadt", "carl", "falsch-falsch-1").status_code == 401
        )
    assert admin.post(f"/benutzer/{carl_id}/sperren", data={"csrf_token": token}).status_code == 303
    page = admin.get("/benutzer").text
    assert f'action="/benutzer/{carl_id}/entsperren"' in page
    assert f'action="/benutzer/{carl_id}/passwort"' not in page  # locked: no plain reset
    assert login(web_world.client(), "musterstadt", "carl", PASSWORD).status_code != 303

    answer = admin.post(f"/benutzer/{carl_id}/entsperren", data={"csrf_token": token})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert "ist entsperrt" in answer.text
    found = re.search(
        r"Neues Passwort für <strong>carl</strong>: <code>([^<]+)</code>", answer.text
    )
    assert found, answer.text
    fresh = found.group(1)
    assert login(web_world.client(), "musterstadt", "carl", PASSWORD).status_code == 401
    assert login(web_world.client(), "musterstadt", "carl", fresh).status_code == 303
    # an active account, another tenant's account, no CSRF token: refused
    again = admin.post(f"/benutzer/{carl_id}/entsperren", data={"csrf_token": token})
    assert again.status_code == 409 and "nicht gesperrt" in again.text
    assert (
        admin.post(f"/benutzer/{bernd_id}/entsperren", data={"csrf_token": token}).status_code
        == 404
    )
    assert admin.post(f"/benutzer/{carl_id}/entsperren", data={}).status_code in (400, 403)
    clerk = web_world.login("anna")
    assert clerk.post(
        f"/benutzer/{carl_id}/entsperren", data={"csrf_token": token}
    ).status_code in (
        403,
        404,
    )
    with tenant_session(web_world.engine, "musterstadt") as s:
        events = [e for e in s.scalars(select(AuditEvent)) if e.action == "user_unlocked"]
    assert [(e.actor, e.details) for e in events] == [("user:verwaltung", {"user_id": carl_id})]
    assert all(fresh not in str(e.details) for e in events)
