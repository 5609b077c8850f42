"""`amtsflow classify run|retrain --tenant`: the tenant's classification flows."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from app.classify_cli import classify_app
from app.cli_output import JsonOpt, TenantOpt


@classify_app.command("run")
def run_command(
    tenant: TenantOpt,
    backend: Annotated[str | None, typer.Option(help="hybrid, trained oder ollama")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Alle Dokumente der Gemeinde ohne Kategorie klassifizieren (Prefect-Flow)."""
    from flows.classify import classify
    from models.classification import ClassificationError

    try:
        summary = classify(tenant=tenant, backend=backend)  # type: ignore[arg-type]
    except (ClassificationError, ValueError, LookupError) as exc:
        if as_json:
            sys.stdout.write(json.dumps({"error": str(exc)}, ensure_ascii=False) + "\n")
        typer.echo(f"Fehler: {exc}", err=True)
        raise typer.Exit(2) from None
    data = summary.model_dump(mode="json")
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        typer.echo(
            f"{summary.documents} Dokumente klassifiziert ({summary.backend}): "
            f"{summary.auto} automatisch, {summary.review} zur Prüfung, "
            f"{summary.needs_ocr} brauchen OCR, {summary.unreadable} nicht lesbar, "
            f"{summary.failed} nicht beantwortet"
        )


@classify_app.command("retrain")
def retrain_command(
    tenant: TenantOpt,
    as_json: JsonOpt = False,
    force: Annotated[
        bool, typer.Option("--force", help="auch trainieren, wenn die Daten unverändert sind")
    ] = False,
) -> None:
    """Das Modell der Gemeinde neu trainieren (Bestand, Vorgänge, Entscheidungen)."""
    from app.cli_output import fail
    from connectors.storage import PathEscapeError
    from flows.retrain import retrain

    try:
        summary = retrain(tenant=tenant, force=force)
    except (ValueError, LookupError, PathEscapeError) as exc:  # e.g. a missing history file
        fail(str(exc), as_json)  # the operator's mistake, said in one line, not a traceback
    data = summary.model_dump(mode="json")
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        from tasks.classification.tasks import HISTORY_SKIPPED, SOURCE_NAMES

        doubts = ", ".join(
            f"{SOURCE_NAMES.get(k, k)} {v}" for k, v in summary.doubtful_labels.items()
        )
        skipped = summary.history_skipped
        typer.echo(
            f"Modell {summary.model_version or '-'}: {summary.examples} Beispiele"
            + (f" (übersprungen: {summary.skipped_reason})" if summary.skipped_reason else "")
            + (f"; {skipped} {HISTORY_SKIPPED}" if skipped else "")
            + (f"; zweifelhafte Beschriftungen: {doubts}" if doubts else "")
            + (f"; zur zweiten Prüfung: {summary.second_looks}" if summary.second_looks else "")
        )
