"""Login and logout pages."""

from __future__ import annotations

import hmac

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from app.web.auth import LoginOutcome, login, logout, tenant_choices
from app.web.common import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    client_address,
    ctx,
    current_user,
    first,
    in_thread,
    new_csrf,
    read_form,
    redirect,
    render,
)


def _login_page(
    request: Request,
    tenants: list[tuple[str, str]],
    token: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    tenant: str = "",
    username: str = "",
) -> Response:
    response = render(
        request,
        "login.html",
        status_code=status_code,
        tenants=tenants,
        csrf_token=token,
        error=error,
        tenant=tenant,
        username=username,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=ctx(request).settings.secure_cookies,
        path="/anmelden",
    )
    return response


async def login_form(request: Request) -> Response:
    """GET /anmelden."""
    tenants = await in_thread(tenant_choices, ctx(request).engine)
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_csrf()
    return _login_page(request, tenants, token)


async def login_submit(request: Request) -> Response:
    """POST /anmelden: check CSRF (double submit), rate limit, password; open a session."""
    web = ctx(request)
    form = await read_form(request)
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie_token or not hmac.compare_digest(first(form, "csrf_token"), cookie_token):
        raise HTTPException(403, "Das Formular ist abgelaufen. Bitte die Seite neu laden.")
    tenant, username = first(form, "tenant").strip(), first(form, "username").strip()
    outcome, cookie = await in_thread(
        login,
        web.engine,
        web.settings,
        tenant=tenant,
        username=username,
        password=first(form, "password"),
        address=client_address(request, web.settings.trust_proxy),
    )
    tenants = await in_thread(tenant_choices, web.engine)
    if outcome is LoginOutcome.BLOCKED:
        return _login_page(
            request,
            tenants,
            new_csrf(),
            status_code=429,
            error="Zu viele fehlgeschlagene Anmeldeversuche. Bitte versuchen Sie es in "
            f"{int(web.settings.login_window_minutes)} Minuten erneut.",
            tenant=tenant,
            username=username,
        )
    if outcome is LoginOutcome.WRONG or cookie is None:
        return _login_page(
            request,
            tenants,
            new_csrf(),
            status_code=401,
            error="Die Anmeldung ist fehlgeschlagen: Gemeinde, Benutzername oder Passwort "
            "stimmen nicht.",
            tenant=tenant,
            username=username,
        )
    response = redirect("/prozesse")
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="strict",
        secure=web.settings.secure_cookies,
        max_age=int(web.settings.session_hours * 3600),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/anmelden")
    return response


async def logout_submit(request: Request) -> Response:
    """POST /abmelden: revoke the session server-side and drop the cookie."""
    from app.web.common import check_csrf

    identity = await current_user(request)
    check_csrf(await read_form(request), identity.csrf_token)
    await in_thread(logout, ctx(request).engine, identity)
    response = redirect("/anmelden")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
