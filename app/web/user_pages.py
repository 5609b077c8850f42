"""Benutzer: the tenant admin manages the municipality's accounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from app.web.accounts import (
    AccountError,
    check_new_account,
    deactivate_user,
    list_users,
    reset_password,
    save_user,
    unlock_user,
)
from app.web.common import (
    WebContext,
    check_csrf,
    ctx,
    current_user,
    first,
    in_thread,
    read_form,
    redirect,
    render,
)
from connectors.database import tenant_session
from models.accounts import ROLE_ADMIN, ROLES, User


def _users(web: WebContext, tenant: str) -> list[dict[str, Any]]:
    with tenant_session(web.engine, tenant) as session:
        return list_users(session)


async def _users_page(
    request: Request, web: WebContext, tenant: str, status_code: int = 200, **context: Any
) -> Response:
    """The Benutzer page with the tenant's accounts; `context` overrides form, errors, notice."""
    users = await in_thread(_users, web, tenant)
    page: dict[str, Any] = {"errors": {}, "form": {}, "notice": None} | context
    return render(request, "users.html", status_code, users=users, roles=ROLES, **page)


async def user_list(request: Request) -> Response:
    """GET /benutzer."""
    web = ctx(request)
    identity = await current_user(request, ROLE_ADMIN)
    notice = {"angelegt": "Das Konto wurde angelegt.", "gesperrt": "Das Konto wurde gesperrt."}
    return await _users_page(
        request, web, identity.tenant, notice=notice.get(request.query_params.get("meldung", ""))
    )


def _create(web: WebContext, tenant: str, actor: str, form: dict[str, Any]) -> None:
    with tenant_session(web.engine, tenant) as session:
        save_user(
            session,
            first(form, "username").strip(),
            first(form, "password"),
            form.get("roles", []),
            actor=actor,
        )


async def user_create(request: Request) -> Response:
    """POST /benutzer: create an account of this municipality (never of another)."""
    web = ctx(request)
    identity = await current_user(request, ROLE_ADMIN)
    form = await read_form(request)
    check_csrf(form, identity.csrf_token)
    username, password = first(form, "username").strip(), first(form, "password")
    roles = form.get("roles", [])
    problems = check_new_account(username, password, roles)
    if not problems:
        try:
            await in_thread(_create, web, identity.tenant, identity.actor, form)
        except AccountError as exc:
            problems = [exc]
        else:
            return redirect("/benutzer?meldung=angelegt")
    errors: dict[str, str] = {}
    for problem in problems:
        errors.setdefault(problem.field, problem.message)
    return await _users_page(
        request,
        web,
        identity.tenant,
        422,
        errors=errors,
        form={"username": username, "roles": roles},
    )


def _deactivate(web: WebContext, tenant: str, user_id: int, actor: str) -> bool:
    with tenant_session(web.engine, tenant) as session:
        return deactivate_user(session, user_id, actor=actor)


async def user_deactivate(request: Request) -> Response:
    """POST /benutzer/{user_id}/sperren."""
    web = ctx(request)
    identity = await current_user(request, ROLE_ADMIN)
    check_csrf(await read_form(request), identity.csrf_token)
    user_id: int = request.path_params["user_id"]
    if user_id == identity.user_id:
        raise HTTPException(409, "Das eigene Konto kann nicht gesperrt werden.")
    if not await in_thread(_deactivate, web, identity.tenant, user_id, identity.actor):
        raise HTTPException(404)
    return redirect("/benutzer?meldung=gesperrt")


PasswordAction = Callable[..., str | None]


def _new_password(
    web: WebContext, tenant: str, user_id: int, actor: str, action: PasswordAction
) -> tuple[str, str] | None:
    """Run `reset_password` or `unlock_user`; the account's name and its new password."""
    with tenant_session(web.engine, tenant) as session:
        password = action(session, user_id, actor=actor)
        if password is None:
            return None
        user = session.get(User, user_id)
        assert user is not None  # the action found it in this session
        return user.username, password


async def _answer_new_password(
    request: Request, action: PasswordAction, own_account: str | None, **shown: Any
) -> Response:
    """The shared POST handling: admin, CSRF, the action, the page with the password.

    Rendered, not redirected: the password must not travel in a URL or sit in a
    session; the response is `no-store` like every page.
    """
    web = ctx(request)
    identity = await current_user(request, ROLE_ADMIN)
    check_csrf(await read_form(request), identity.csrf_token)
    user_id: int = request.path_params["user_id"]
    if own_account is not None and user_id == identity.user_id:
        raise HTTPException(409, own_account)
    try:
        found = await in_thread(
            _new_password, web, identity.tenant, user_id, identity.actor, action
        )
    except AccountError as exc:
        raise HTTPException(409, exc.message) from exc
    if found is None:
        raise HTTPException(404)
    username, password = found
    return await _users_page(
        request,
        web,
        identity.tenant,
        new_password={"username": username, "password": password, **shown},
    )


async def user_reset_password(request: Request) -> Response:
    """POST /benutzer/{user_id}/passwort: a fresh password, shown once on this answer."""
    own = "Das eigene Passwort ändern Sie über die Kommandozeile."
    return await _answer_new_password(request, reset_password, own)


async def user_unlock(request: Request) -> Response:
    """POST /benutzer/{user_id}/entsperren: unlocked with a fresh password, shown once."""
    return await _answer_new_password(request, unlock_user, None, unlocked=True)
