"""The Starlette application: routes, error pages, security headers; `serve()` runs it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from app.web import (
    auth_pages,
    case_pages,
    process_pages,
    quarantine_pages,
    review_pages,
    run_pages,
    user_pages,
)
from app.web.common import HERE, LoginRequired, WebContext, render, security_headers
from app.web.prefect_gateway import PrefectGateway, PrefectUnavailableError
from app.web.settings import WebSettings

TITLES = {
    403: "Nicht erlaubt",
    404: "Seite nicht gefunden",
    409: "Nicht möglich",
    413: "Eingabe zu groß",
    422: "Eingabe prüfen",
}


async def home(request: Request) -> Response:
    """GET /: the processes are the start page."""
    return RedirectResponse("/prozesse", status_code=303)


async def accessibility(request: Request) -> Response:
    """GET /barrierefreiheit: the accessibility statement (a static page)."""
    return render(request, "accessibility.html")


async def health(request: Request) -> Response:
    """GET /health."""
    return PlainTextResponse("ok")


async def _http_error(request: Request, exc: Exception) -> Response:
    code = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) and code != 404 else None
    response = render(
        request,
        "error.html",
        status_code=code,
        title=TITLES.get(code, "Fehler"),
        detail=detail if detail and detail != TITLES.get(code) else None,
    )
    if isinstance(exc, HTTPException) and exc.headers:  # e.g. `Allow` of a 405
        response.headers.update(exc.headers)
    security_headers(response)  # a 500 is built outside the middleware
    return response


async def _login_required(request: Request, exc: Exception) -> Response:
    return RedirectResponse("/anmelden", status_code=303)


async def _prefect_down(request: Request, exc: Exception) -> Response:
    return render(
        request,
        "error.html",
        status_code=503,
        title="Prefect-Server nicht erreichbar",
        detail="Die Abläufe können gerade nicht angezeigt oder gestartet werden. Bitte "
        "versuchen Sie es in einigen Minuten erneut; hält die Störung an, informieren Sie "
        "den IT-Dienstleister.",
    )


class SecurityHeaders(BaseHTTPMiddleware):
    """Adds the security headers to every response."""

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """Add the headers after the page is built."""
        response = await call_next(request)
        security_headers(response)
        return response


ROUTES = [
    Route("/", home),
    Route("/health", health),
    Route("/barrierefreiheit", accessibility),
    Route("/anmelden", auth_pages.login_form, methods=["GET"]),
    Route("/anmelden", auth_pages.login_submit, methods=["POST"]),
    Route("/abmelden", auth_pages.logout_submit, methods=["POST"]),
    Route("/prozesse", process_pages.process_list),
    Route("/prozesse/{deployment_id}/starten", process_pages.start_form, methods=["GET"]),
    Route("/prozesse/{deployment_id}/starten", process_pages.start_submit, methods=["POST"]),
    Route("/laeufe", run_pages.run_list),
    Route("/laeufe/{run_id}", run_pages.run_detail),
    Route("/laeufe/{run_id}/ausgaben/{part}/{name}", run_pages.download_agenda_output),
    Route("/vorgaenge", case_pages.case_list),
    Route("/vorgaenge/{case_id:int}/bestaetigung", run_pages.download_acknowledgement),
    Route("/quarantaene", quarantine_pages.quarantine_list),
    Route("/quarantaene/{entry_id:int}/original", quarantine_pages.download_original),
    Route("/pruefen", review_pages.review_queue),
    Route("/pruefen/{review_id:int}", review_pages.review_decide, methods=["POST"]),
    Route("/pruefen/{review_id:int}/original", review_pages.download_reviewed),
    Route("/pruefen/tagesordnung/{flow_run_id}", review_pages.agenda_decide, methods=["POST"]),
    Route("/benutzer", user_pages.user_list, methods=["GET"]),
    Route("/benutzer", user_pages.user_create, methods=["POST"]),
    Route("/benutzer/{user_id:int}/sperren", user_pages.user_deactivate, methods=["POST"]),
    Route("/benutzer/{user_id:int}/passwort", user_pages.user_reset_password, methods=["POST"]),
    Route("/benutzer/{user_id:int}/entsperren", user_pages.user_unlock, methods=["POST"]),
    Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
]


def create_app(
    engine: Engine, api_url: str, home: Path, settings: WebSettings | None = None
) -> Starlette:
    """Build the application for one database, one Prefect API and one data folder."""
    settings = settings or WebSettings()
    gateway = PrefectGateway(
        api_url,
        timeout_s=settings.prefect_timeout_s,
        cache_s=settings.deployments_cache_s,
        list_cache_s=settings.list_cache_s,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        gateway.close()

    app = Starlette(
        routes=ROUTES,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={
            HTTPException: _http_error,
            LoginRequired: _login_required,
            PrefectUnavailableError: _prefect_down,
            500: _http_error,
        },
        lifespan=lifespan,
    )
    app.state.web = WebContext(engine=engine, gateway=gateway, settings=settings, home=home)
    return app


def app_from_environment() -> Starlette:
    """The application configured by `AMTSFLOW_*` and Prefect's settings (PREFECT_API_URL)."""
    from prefect.settings import PREFECT_API_URL

    from connectors.database import ensure_schema, make_engine
    from models.settings import Settings

    settings = Settings()
    api_url = PREFECT_API_URL.value()
    if not api_url:
        raise RuntimeError("PREFECT_API_URL ist nicht gesetzt (Adresse des Prefect-Servers)")
    engine = make_engine(settings.effective_database_url)
    ensure_schema(engine)
    return create_app(engine, str(api_url), settings.home.resolve())


def serve(host: str, port: int) -> None:
    """Run the application with uvicorn (blocking)."""
    import uvicorn

    uvicorn.run(app_from_environment(), host=host, port=port, log_level="info", access_log=False)
