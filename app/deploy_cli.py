"""Operator commands: check the catalogue, deploy it to the Prefect server, set secrets.

`amtsflow deploy` changes nothing while any tenant file has an error, so a typo cannot make
it remove a municipality's deployments. Secret values are read from stdin or a hidden
prompt, never from the command line (argv is visible in `ps` and shell history).
"""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from app.cli_output import JsonOpt, emit, fail
from models.deployment import SECRET_PURPOSES

TenantsOpt = Annotated[
    Path | None,
    typer.Option("--tenants", help="Ordner der Gemeinde-Dateien (Standard: AMTSFLOW_TENANTS)"),
]

secrets_app = typer.Typer(help="Zugangsdaten der Gemeinden (Prefect-Secret-Blöcke)")


def _directory(tenants_dir: Path | None) -> Path:
    from models.settings import Settings

    return tenants_dir if tenants_dir is not None else Settings().tenants


def validate_catalogue(tenants_dir: Path | None, as_json: bool) -> int:
    """`amtsflow tenants validate`: every error of every file; exit code 1 if any."""
    from flows.catalogue_check import check_catalogue

    check = check_catalogue(_directory(tenants_dir))
    data = {
        "valid": [t.slug for t in check.tenants],
        "errors": [p.__dict__ for p in check.errors],
        "warnings": [p.__dict__ for p in check.warnings],
        "deployments": len(check.planned),
    }
    lines = [f"ok  {t.slug}" for t in check.tenants]
    lines += [f"Fehler  {p.file}: {p.field}: {p.message}" for p in check.errors]
    lines += [f"Hinweis {p.file}: {p.field}: {p.message}" for p in check.warnings]
    emit(data, as_json, "\n".join(lines) or "Keine Gemeinde-Dateien gefunden.")
    return 1 if check.errors else 0


def _setting_errors(exc: ValidationError) -> str:
    """Each error with the variable to fix, not pydantic's field name and URL."""
    parts = []
    for error in exc.errors():
        name = str(error["loc"][0]).upper() if error["loc"] else "?"
        if not name.startswith(("OLLAMA_", "AMTSFLOW_")):
            name = f"AMTSFLOW_OLLAMA_{name}"
        parts.append(f"{name}: {error['msg']}")
    return "; ".join(parts)


def deploy_command(
    tenants_dir: TenantsOpt = None,
    project_dir: Annotated[
        str | None,
        typer.Option(
            help="Arbeitsordner der Läufe auf dem Worker (Standard: dieses Projekt); "
            "z. B. '{{ $AMTSFLOW_PROJECT_DIR }}' für Worker auf anderen Rechnern"
        ),
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Anfragen gleichzeitig")] = 8,
    prune: Annotated[
        bool, typer.Option("--prune/--no-prune", help="Nicht mehr Vorgesehenes entfernen")
    ] = True,
    force: Annotated[bool, typer.Option(help="Auch Unveränderte neu schreiben")] = False,
    remove_missing_tenants: Annotated[
        bool,
        typer.Option(
            "--remove-missing-tenants",
            help="Auch Bereitstellungen von Gemeinden ohne Datei im Ordner entfernen",
        ),
    ] = False,
    ollama_slots: Annotated[
        int | None,
        typer.Option(
            "--ollama-slots",
            min=1,
            max=64,
            help="Plätze der globalen Gleichzeitigkeitsgrenze 'ollama': so viele Anfragen "
            "aller Gemeinden an den gemeinsamen Ollama-Server gleichzeitig "
            "(Standard: AMTSFLOW_OLLAMA_SLOTS, sonst 2)",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Alle Abläufe aller Gemeinden auf dem Prefect-Server (PREFECT_API_URL) bereitstellen."""
    from flows.catalogue_check import check_catalogue
    from models.settings import PROJECT_ROOT

    if not os.environ.get("PREFECT_API_URL"):
        from prefect.settings import PREFECT_API_URL

        if not PREFECT_API_URL.value():
            fail("PREFECT_API_URL ist nicht gesetzt (Adresse des Prefect-Servers)", as_json)
    directory = _directory(tenants_dir)
    check = check_catalogue(directory)
    if check.errors:
        errors = [p.__dict__ for p in check.errors]
        if as_json:
            sys.stdout.write(
                json.dumps({"error": "Gemeinde-Dateien fehlerhaft", "errors": errors}) + "\n"
            )
        for p in check.errors:
            typer.echo(f"Fehler  {p.file}: {p.field}: {p.message}", err=True)
        typer.echo("Nichts bereitgestellt: erst die Fehler beheben.", err=True)
        raise typer.Exit(1)
    from connectors.ollama import OLLAMA_LIMIT, OllamaSettings
    from connectors.prefect_api import sync_deployments

    slots = ollama_slots
    if slots is None:
        try:
            slots = OllamaSettings().slots
        except ValidationError as exc:  # e.g. AMTSFLOW_OLLAMA_SLOTS=0: say so, change nothing
            fail(f"Ollama-Einstellungen ungültig: {_setting_errors(exc)}", as_json)
    import httpx
    from prefect.exceptions import PrefectHTTPStatusError

    try:
        report = asyncio.run(
            sync_deployments(
                check.planned,
                check.specs,
                project_dir or str(PROJECT_ROOT),
                concurrency=concurrency,
                prune=prune,
                force=force,
                tenants=[t.slug for t in check.tenants],
                remove_missing_tenants=remove_missing_tenants,
                concurrency_limits={OLLAMA_LIMIT: slots},
            )
        )
    except (httpx.HTTPError, PrefectHTTPStatusError, OSError) as exc:
        # what was deployed before the failure stays; a second deploy completes the rest
        fail(f"Prefect-Server: {type(exc).__name__}: {exc}", as_json)
    data = report.as_dict()
    data["tenants"] = [t.slug for t in check.tenants]
    data["deployments"] = len(check.planned)
    data["warnings"] = [p.__dict__ for p in check.warnings]
    human = (
        f"{len(check.tenants)} Gemeinden, {len(check.planned)} Bereitstellungen: "
        f"{len(report.created)} neu, {len(report.updated)} geändert, "
        f"{len(report.unchanged)} unverändert, {len(report.removed)} entfernt "
        f"({report.seconds:.1f} s)"
    )
    limits = [f"neu {x}" for x in report.limits_created]
    limits += [f"geändert {x}" for x in report.limits_updated]
    if limits:
        human += f"\nGlobale Gleichzeitigkeitsgrenzen: {', '.join(limits)}"
    human += "".join(f"\nKonflikt (fremde Bereitstellung): {c}" for c in report.conflicts)
    if report.orphaned:
        human += (
            f"\nBehalten: {len(report.orphaned)} Bereitstellungen von Gemeinden ohne Datei "
            f"in {directory} ({', '.join(sorted({o.split('/')[-1] for o in report.orphaned}))}); "
            "entfernen mit --remove-missing-tenants"
        )
    emit(data, as_json, human)
    if report.conflicts:
        raise typer.Exit(1)


def _read_value() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Wert (wird nicht angezeigt): ")
    return sys.stdin.read().rstrip("\r\n")


@secrets_app.command("set")
def secrets_set(
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="Kurzname der Gemeinde")],
    purpose: Annotated[str, typer.Option(help="Wofür: " + ", ".join(SECRET_PURPOSES))],
    as_json: JsonOpt = False,
) -> None:
    """Zugangsdaten setzen; der Wert kommt von stdin oder einer verdeckten Eingabe."""
    from pydantic import SecretStr

    from connectors.catalogue import TenantConfigError, TenantNotFoundError
    from tasks.secrets import MissingSecretError, save_secret

    if purpose not in SECRET_PURPOSES:
        fail(f"unbekannter Zweck {purpose!r}; erlaubt: {', '.join(SECRET_PURPOSES)}", as_json)
    value = SecretStr(_read_value())
    if not value.get_secret_value():
        fail("leerer Wert: nichts gespeichert", as_json)
    try:
        name = save_secret(tenant, purpose, value)
    except (TenantNotFoundError, TenantConfigError, MissingSecretError) as exc:
        fail(str(exc), as_json)
    emit(
        {"tenant": tenant, "purpose": purpose, "block": name},
        as_json,
        f"Gespeichert im Secret-Block {name}.",
    )


@secrets_app.command("status")
def secrets_status(tenants_dir: TenantsOpt = None, as_json: JsonOpt = False) -> None:
    """Welche Zugangsdaten die Gemeinden erwarten und ob die Blöcke existieren (ohne Werte)."""
    from connectors.catalogue import load_all
    from tasks.secrets import secret_exists

    tenants, broken = load_all(_directory(tenants_dir))
    for error in broken:  # its secrets are unknown: say so, and do not report "all present"
        typer.echo(f"Fehler  {error}", err=True)
    rows = [
        {"tenant": t.slug, "purpose": purpose, "block": name, "present": secret_exists(name)}
        for t in tenants
        for purpose, name in t.secrets.named().items()
    ]
    lines = [
        f"{r['tenant']:<20} {r['purpose']:<6} {r['block']:<40} "
        f"{'vorhanden' if r['present'] else 'FEHLT'}"
        for r in rows
    ]
    emit(rows, as_json, "\n".join(lines) or "Keine Zugangsdaten eingetragen.")
    if broken or not all(r["present"] for r in rows):
        raise typer.Exit(1)
