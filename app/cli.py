"""The `amtsflow` command: a thin layer over flows and queries.

Every command with `--json` prints exactly one JSON document on stdout; logs go to
stderr. Prefect is imported only by commands that run a flow (it costs ~1.3 s).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from app import demo as demo_module

app = typer.Typer(help="Amtsflow – Verwaltungsabläufe für Gemeinden", no_args_is_help=True)
intake_app = typer.Typer(help="Posteingang verarbeiten", no_args_is_help=True)
cases_app = typer.Typer(help="Vorgänge", no_args_is_help=True)
quarantine_app = typer.Typer(help="Quarantäne", no_args_is_help=True)
db_app = typer.Typer(help="Datenbank", no_args_is_help=True)
tenants_app = typer.Typer(help="Gemeinden (Mandanten)", no_args_is_help=True)
for sub, name in [
    (intake_app, "intake"),
    (cases_app, "cases"),
    (quarantine_app, "quarantine"),
    (db_app, "db"),
    (tenants_app, "tenants"),
]:
    app.add_typer(sub, name=name)

from app.cli_output import JsonOpt, TenantOpt  # noqa: E402
from app.cli_output import emit as _emit  # noqa: E402
from app.cli_output import fail as _fail  # noqa: E402


def _session(tenant: str, as_json: bool) -> Any:
    from connectors.catalogue import TenantConfigError, TenantNotFoundError, load_tenant
    from connectors.database import ensure_schema, make_engine, tenant_session
    from models.settings import Settings

    settings = Settings()
    try:
        load_tenant(tenant, settings.tenants)
    except (TenantNotFoundError, TenantConfigError) as exc:
        _fail(str(exc), as_json)
    engine = make_engine(settings.effective_database_url)
    ensure_schema(engine)
    return tenant_session(engine, tenant)


@intake_app.command("run")
def intake_run(
    tenant: TenantOpt,
    source: Annotated[
        str | None, typer.Option(help="Eingangsordner (Pfad) oder Name einer Eingangsquelle")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Alle Dateien eines Eingangsordners verarbeiten."""
    from prefect.exceptions import ParameterTypeError

    from connectors.catalogue import TenantConfigError, TenantNotFoundError
    from connectors.storage import PathEscapeError
    from flows.intake import intake
    from tasks.intake_setup import NoIntakeSourceError

    try:
        summary = intake(tenant=tenant, source=source)
    except (
        TenantNotFoundError,
        TenantConfigError,
        FileNotFoundError,
        NotADirectoryError,
        PathEscapeError,
        NoIntakeSourceError,
        ParameterTypeError,
    ) as exc:
        _fail(str(exc), as_json)
    data = summary.model_dump(mode="json")
    human = demo_module.format_summary(data)
    _emit(data, as_json, human)
    if summary.errors:
        raise typer.Exit(1)


@cases_app.command("list")
def cases_list(
    tenant: TenantOpt,
    form_type: Annotated[str | None, typer.Option(help="Formularart")] = None,
    department: Annotated[str | None, typer.Option(help="Fachbereich (Kennzeichen)")] = None,
    file_number: Annotated[str | None, typer.Option(help="Aktenzeichen (Teil)")] = None,
    limit: int = 1000,
    as_json: JsonOpt = False,
) -> None:
    """Vorgänge der Gemeinde auflisten (neueste zuerst)."""
    from connectors.database.queries import list_cases

    with _session(tenant, as_json) as session:
        rows = list_cases(
            session,
            form_type=form_type,
            department=department,
            file_number=file_number,
            limit=limit,
        )
    lines = [f"{r['file_number']:<22} {r['form_type']:<22} {r['created_at'][:19]}" for r in rows]
    _emit(rows, as_json, "\n".join(lines) or "Keine Vorgänge.")


@quarantine_app.command("list")
def quarantine_list(tenant: TenantOpt, limit: int = 1000, as_json: JsonOpt = False) -> None:
    """Dokumente in Quarantäne mit Grund auflisten."""
    from connectors.database.queries import list_quarantine
    from tasks.reasons import RETRYABLE

    with _session(tenant, as_json) as session:
        rows = list_quarantine(session, limit=limit)
    lines = []
    for r in rows:
        sha = r["sha256"][:12]
        lines.append(f"{sha}  {r['source_name'] or '-'}  [{r['reason_code']}]\n    {r['reason']}")
        lines += [f"      - {f['field']}: {f['message']}" for f in r["fields"]]
        if r["reason_code"] in RETRYABLE:
            lines.append(f"    nach Behebung: amtsflow quarantine retry --tenant {tenant} {sha}")
    _emit(rows, as_json, "\n".join(lines) or "Quarantäne ist leer.")


@quarantine_app.command("retry")
def quarantine_retry(
    tenant: TenantOpt,
    sha256: Annotated[str, typer.Argument(help="Prüfsumme (Anfang, wie `quarantine list`)")],
    source: Annotated[
        str | None, typer.Option(help="Eingangsquelle (Name); leer: die erste der Gemeinde")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Ein geparktes Dokument (interner Fehler, Lese-Grenze) erneut verarbeiten lassen."""
    from connectors.catalogue import load_tenant
    from connectors.storage import TenantStorage
    from models.settings import Settings
    from tasks.requeue import RequeueError, drop_folder_of, requeue

    settings = Settings()
    with _session(tenant, as_json) as session:
        config = load_tenant(tenant, settings.tenants)
        storage = TenantStorage(settings.home, config.slug)
        try:
            folder = drop_folder_of(config, source)
            sources = [s.path for s in config.intake_sources]
            done = requeue(session, storage, folder, sha256, actor="cli:operator", search=sources)
        except RequeueError as exc:
            _fail(str(exc), as_json)
        except OSError as exc:
            _fail(f"Eingangsordner {folder} nicht beschreibbar ({type(exc).__name__})", as_json)
    data = {
        "sha256": done.sha256,
        "drop_folder": str(folder),
        "drop_name": done.drop_name,
        "reason_code": done.reason_code,
        "parts": done.parts,
    }
    human = (
        f"{done.sha256[:12]} liegt wieder im Eingang ({folder}) als „{done.drop_name}“; "
        "der nächste Eingangslauf verarbeitet es."
    )
    _emit(data, as_json, human)


@db_app.command("upgrade")
def db_upgrade(as_json: JsonOpt = False) -> None:
    """Datenbankschema auf den neuesten Stand bringen (Alembic)."""
    from connectors.database import make_engine, upgrade
    from models.settings import Settings

    settings = Settings()
    revision = upgrade(make_engine(settings.effective_database_url))
    url = settings.effective_database_url.split("@")[-1]  # never print credentials
    _emit({"revision": revision, "database": url}, as_json, f"Schema auf Stand {revision}.")


@tenants_app.command("validate")
def tenants_validate(
    tenants_dir: Annotated[
        Path | None, typer.Option("--tenants", help="Ordner der Gemeinde-Dateien")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Alle Gemeinde-Dateien prüfen; jeder Fehler mit Datei und Feld."""
    from app.deploy_cli import validate_catalogue

    code = validate_catalogue(tenants_dir, as_json)
    if code:
        raise typer.Exit(code)


@app.command("demo")
def demo(
    port: Annotated[int, typer.Option(help="Port des lokalen Prefect-Servers")] = 4200,
    web_port: Annotated[int, typer.Option(help="Port der Weboberfläche")] = 8400,
) -> None:
    """Die Demo: Posteingang von Musterstadt, dann Weboberfläche für die Sachbearbeitung."""
    raise typer.Exit(demo_module.run_demo(port, web_port))


EPHEMERAL_STARTUP_S = "120"


def main() -> None:
    """Console entry point.

    Without `PREFECT_API_URL` Prefect starts a temporary server for the flow and gives
    it 20 s by default; on a busy two-core machine its start (imports, migrations of a
    fresh SQLite database) took longer, and the command failed for nothing. Set before
    Prefect is imported (it reads its settings once); an operator's own value wins.
    """
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", EPHEMERAL_STARTUP_S)
    app()


from app.classify_cli import classify_app  # noqa: E402
from app.classify_flows_cli import run_command  # noqa: E402, F401  (registers run/retrain)

app.add_typer(classify_app, name="classify")

review_app = typer.Typer(
    help="Prüfaufträge (Kategorien bestätigen oder korrigieren)", no_args_is_help=True
)
app.add_typer(review_app, name="review")


@review_app.command("list")
def review_list(
    tenant: TenantOpt,
    status: Annotated[str, typer.Option(help="open oder decided")] = "open",
    as_json: JsonOpt = False,
) -> None:
    """Offene Prüfaufträge mit Vorschlag, Sicherheit und Begründung."""
    from tasks.classification.review import STATUSES, list_reviews

    if status not in STATUSES:
        _fail(f"--status: {status!r} gibt es nicht, erlaubt: {', '.join(STATUSES)}", as_json)
    with _session(tenant, as_json) as session:
        rows = list_reviews(session, status=status)
    lines = [
        f"#{r['id']:<5} {r['document_sha256'][:12]}  Vorschlag: {r['suggestion'] or '-'} "
        f"({math.floor(r['confidence'] * 100) / 100:.2f})  {'; '.join(r['reasons'])}"
        for r in rows
    ]
    _emit(rows, as_json, "\n".join(lines) or "Keine Prüfaufträge.")


@review_app.command("decide")
def review_decide(
    tenant: TenantOpt,
    review_id: Annotated[int, typer.Option("--id", help="Nummer des Prüfauftrags")],
    label: Annotated[str, typer.Option(help="Richtige Kategorie")],
    user: Annotated[str, typer.Option(help="Wer entscheidet (Kürzel)")],
    as_json: JsonOpt = False,
) -> None:
    """Eine Kategorie bestätigen oder korrigieren (wird protokolliert und trainiert mit)."""
    from tasks.classification.review import ReviewError, decide

    with _session(tenant, as_json) as session:
        try:
            result = decide(session, review_id, label, user)
        except ReviewError as exc:
            _fail(str(exc), as_json)
    _emit(result, as_json, f"Prüfauftrag {review_id}: {result['status']} ({label})")


oparl_app = typer.Typer(help="Ratsinformationssystem (OParl)", no_args_is_help=True)
app.add_typer(oparl_app, name="oparl")


@oparl_app.command("sync")
def oparl_sync_command(
    tenant: TenantOpt,
    url: Annotated[
        str | None,
        typer.Option("--url", help="Adresse des OParl-Systems (sonst aus der Gemeinde-Datei)"),
    ] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Vollständig abgleichen statt nur Änderungen")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Ratsinformationssystem abgleichen; zeigt die Anzahl je Objektart."""
    from prefect.exceptions import ParameterTypeError

    from connectors.catalogue import TenantConfigError, TenantNotFoundError
    from connectors.oparl import OParlError
    from flows.oparl_sync import oparl_sync
    from models.oparl_sync import TITLES
    from tasks.oparl_setup import OParlNotConfiguredError

    try:
        summary = oparl_sync(tenant=tenant, url=url, full=full)
    except (
        TenantNotFoundError,
        TenantConfigError,
        OParlNotConfiguredError,
        OParlError,
        ParameterTypeError,
    ) as exc:
        _fail(str(exc), as_json)
    lines = [
        f"{TITLES[kind]:<28} {c.seen + c.deleted:>7} gelesen, davon {c.deleted:>5} gelöscht, "
        f"{c.stored:>7} im Bestand"
        for kind, c in summary.objects.items()
    ]
    lines += [f"Fehler: {error}" for error in summary.errors]
    _emit(summary.model_dump(mode="json"), as_json, "\n".join(lines))
    if summary.errors:
        raise typer.Exit(1)


from app.deploy_cli import deploy_command, secrets_app  # noqa: E402

app.command("deploy")(deploy_command)
app.add_typer(secrets_app, name="secrets")

from app.agenda_cli import agenda_app  # noqa: E402

app.add_typer(agenda_app, name="agenda")

from app.web_cli import users_app, web_command  # noqa: E402

app.command("web")(web_command)
app.add_typer(users_app, name="users")
