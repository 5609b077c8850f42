"""`amtsflow web` (the clerks' pages) and `amtsflow users` (accounts, for the operator).

Mounted by `app/cli.py`. Passwords come from a hidden prompt or, with `--password-stdin`,
from the first line of standard input; never from the command line (it would show in the
process list and the shell history).
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from app.cli_output import JsonOpt, TenantOpt, emit, fail

users_app = typer.Typer(help="Benutzerkonten der Weboberfläche", no_args_is_help=True)


def web_command(
    host: Annotated[str, typer.Option(help="Adresse, an der der Server lauscht")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port")] = 8400,
) -> None:
    """Die Weboberfläche für Sachbearbeitung starten (braucht PREFECT_API_URL)."""
    from app.web.server import serve

    try:
        serve(host, port)
    except RuntimeError as exc:
        fail(str(exc), False)


def _engine_for(tenant: str, as_json: bool) -> Any:
    from app.web.accounts import ensure_tenant_row
    from connectors.catalogue import TenantConfigError, TenantNotFoundError, load_tenant
    from connectors.database import ensure_schema, make_engine
    from models.settings import Settings

    settings = Settings()
    try:
        config = load_tenant(tenant, settings.tenants)
    except (TenantNotFoundError, TenantConfigError) as exc:
        fail(str(exc), as_json)
    engine = make_engine(settings.effective_database_url)
    ensure_schema(engine)
    ensure_tenant_row(engine, config)
    return engine


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt("Passwort", hide_input=True)
    again = typer.prompt("Passwort wiederholen", hide_input=True)
    if first != again:
        fail("Die Passwörter stimmen nicht überein", False)
    return str(first)


@users_app.command("add")
def users_add(
    tenant: TenantOpt,
    username: Annotated[str, typer.Option("--username", "-u", help="Benutzername")],
    role: Annotated[
        list[str], typer.Option("--role", "-r", help="clerk, reviewer oder admin (mehrfach)")
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Passwort als erste Zeile von stdin")
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="Bestehendes Konto: Passwort und Rollen neu setzen")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Ein Konto anlegen (z. B. die Verwaltung der Gemeinde: --role admin)."""
    from app.web.accounts import AccountError, save_user
    from connectors.database import tenant_session

    engine = _engine_for(tenant, as_json)
    password = _read_password(password_stdin)
    try:
        with tenant_session(engine, tenant) as session:
            user = save_user(
                session, username, password, role, actor="cli:operator", replace=replace
            )
            data = {"tenant": tenant, "id": user.id, "username": user.username}
            data["roles"] = list(user.roles)
    except AccountError as exc:
        fail(f"{exc.field}: {exc.message}", as_json)
    finally:
        engine.dispose()
    emit(data, as_json, f"Konto {username} ({', '.join(role)}) für {tenant} gespeichert.")


@users_app.command("list")
def users_list(tenant: TenantOpt, as_json: JsonOpt = False) -> None:
    """Die Konten einer Gemeinde (ohne Passwörter)."""
    from app.web.accounts import list_users
    from connectors.database import tenant_session

    engine = _engine_for(tenant, as_json)
    with tenant_session(engine, tenant) as session:
        rows = list_users(session)
    engine.dispose()
    lines = [
        f"{r['username']:<24} {','.join(r['roles']):<24} {'aktiv' if r['active'] else 'gesperrt'}"
        for r in rows
    ]
    emit(rows, as_json, "\n".join(lines) or "Keine Konten.")
