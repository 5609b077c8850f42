"""What every page shares: templates, the logged-in user, form reading, CSRF, errors."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from app.web import run_text
from app.web.auth import Identity, identify
from app.web.prefect_gateway import PrefectGateway
from app.web.settings import WebSettings
from connectors.database import tenant_session
from tasks import audit

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "amtsflow_session"
LOGIN_CSRF_COOKIE = "amtsflow_csrf"
MAX_FORM_BYTES = 64 * 1024

templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        auto_reload=False,
    )
)
templates.env.filters["zeit"] = run_text.local_time
templates.env.filters["zustand"] = run_text.state_name
templates.env.filters["ablauf"] = run_text.flow_title
templates.env.filters["dokumentart"] = run_text.document_kind
templates.env.filters["erklaerung"] = run_text.flow_explanation
templates.env.globals["final_states"] = run_text.FINAL

T = TypeVar("T")


class LoginRequired(Exception):  # noqa: N818  (a control-flow signal, not an error)
    """No valid session: the page redirects to the login."""


@dataclass(frozen=True)
class WebContext:
    """The application's shared parts, kept on `app.state.web`."""

    engine: Engine
    gateway: PrefectGateway
    settings: WebSettings
    home: Path


def ctx(request: Request) -> WebContext:
    """The application's shared parts."""
    web: WebContext = request.app.state.web
    return web


async def in_thread(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking work (database, Prefect REST) off the event loop."""
    return await run_in_threadpool(func, *args, **kwargs)


async def current_user(request: Request, *roles: str) -> Identity:
    """The logged-in user; LoginRequired without a session, 404 without one of `roles`.

    A missing role answers 404 like a foreign id: the page does not exist for this user.
    """
    web = ctx(request)
    identity = await in_thread(
        identify, web.engine, web.settings, request.cookies.get(SESSION_COOKIE)
    )
    if identity is None:
        raise LoginRequired
    if roles and not any(identity.can(role) for role in roles):
        raise HTTPException(404)
    request.state.identity = identity
    return identity


async def read_form(request: Request) -> dict[str, list[str]]:
    """The posted `application/x-www-form-urlencoded` fields (bounded in size)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413)
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def first(form: dict[str, list[str]], name: str) -> str:
    """The first value of a field ('' when missing)."""
    values = form.get(name) or [""]
    return values[0]


def check_csrf(form: dict[str, list[str]], expected: str) -> None:
    """Refuse a form whose CSRF token is not this session's (403)."""
    if not expected or not hmac.compare_digest(first(form, "csrf_token"), expected):
        raise HTTPException(403, "Das Formular ist abgelaufen. Bitte die Seite neu laden.")


def new_csrf() -> str:
    """A fresh random token for the login form's double-submit cookie."""
    return secrets.token_urlsafe(32)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the user (if any) and the navigation state."""
    identity = getattr(request.state, "identity", None)
    response: HTMLResponse = templates.TemplateResponse(
        request,
        template,
        {"user": identity, "path": request.url.path, **context},
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect(url: str) -> RedirectResponse:
    """See-other redirect after a POST (the browser then GETs the page)."""
    return RedirectResponse(url, status_code=303)


def security_headers(response: Response) -> None:
    """Headers every response carries (no framing, no sniffing, only our own resources)."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")


def client_address(request: Request, trust_proxy: bool) -> str:
    """The client's IP address (from X-Forwarded-For only behind a trusted proxy).

    The last entry is the one our proxy appended; the ones before it are whatever the
    client sent, and taking those would let anyone pick an address for the login limit
    (a new one per guess, or the town hall's own to lock it out).
    """
    if trust_proxy and (forwarded := request.headers.get("x-forwarded-for")):
        return forwarded.split(",")[-1].strip()
    return request.client.host if request.client else "unbekannt"


def page_number(request: Request) -> int:
    """The `seite` query parameter (1-based, bounded)."""
    raw = request.query_params.get("seite", "1")
    return max(1, min(int(raw), 100_000)) if raw.isdigit() else 1


def record_event(web: WebContext, tenant: str, action: str, actor: str, **details: Any) -> None:
    """One audit event in its own transaction (after what it records has happened).

    Codes, ids and counts only: `details` must never carry a citizen's data.
    """
    flow_run_id = details.pop("flow_run_id", None)
    with tenant_session(web.engine, tenant) as session:
        audit.record(session, action, actor=actor, flow_run_id=flow_run_id, **details)
        session.commit()


def download(found: tuple[Path, str] | None, media_type: str) -> FileResponse:
    """A file found for the user (path, name) as an attachment never cached; else 404."""
    if found is None:
        raise HTTPException(404)
    path, filename = found
    response = FileResponse(path, media_type=media_type, filename=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def refuse_head(request: Request) -> None:
    """Downloads answer GET only: a HEAD request would be audited as a download."""
    if request.method == "HEAD":
        raise HTTPException(405, headers={"Allow": "GET"})
