"""`amtsflow agenda ...`: council agendas (Sitzungsdienst) on the command line.

`prepare` builds the suggested agenda of one meeting and writes every output at once,
without the clerk's approval pause of the `prepare-agenda` flow (for scripts and tests:
the clerk approves by running it). Prefect is not needed for it.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Annotated

import typer

agenda_app = typer.Typer(help="Tagesordnungen (Sitzungsdienst)", no_args_is_help=True)

from app.cli_output import JsonOpt, TenantOpt  # noqa: E402
from app.cli_output import emit as _emit  # noqa: E402
from app.cli_output import fail as _fail  # noqa: E402


@agenda_app.command("prepare")
def prepare_command(
    tenant: TenantOpt,
    meeting: Annotated[str, typer.Option("--meeting", help="OParl-Adresse der Sitzung")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Ausgaben zusätzlich in diesen Ordner kopieren"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Tagesordnung einer Sitzung vorschlagen und alle Ausgaben sofort schreiben."""
    from connectors.catalogue import TenantConfigError, TenantNotFoundError
    from connectors.pdf_merge import MergeError
    from models.settings import Settings
    from tasks.agenda_outputs import PublicLeakError, TemplateError
    from tasks.agenda_outputs.prepare import (
        build_draft,
        check_templates,
        open_agenda,
        save_draft,
        write_outputs,
    )
    from tasks.agenda_outputs.summary import AgendaSummary

    started = time.monotonic()
    settings = Settings()
    try:
        with open_agenda(settings, tenant) as ctx:
            check_templates(ctx)
            draft = build_draft(ctx, meeting)
            save_draft(ctx.storage, draft)
            result = write_outputs(ctx, draft)
            root = ctx.storage.root / "outputs"
    except (
        TenantNotFoundError,
        TenantConfigError,
        TemplateError,
        PublicLeakError,
        MergeError,
        LookupError,
    ) as exc:
        _fail(str(exc), as_json)
    summary = AgendaSummary.of(draft, "ohne-freigabe").with_outputs(result)
    summary = summary.model_copy(update={"seconds": round(time.monotonic() - started, 2)})
    if out is not None:
        for written in summary.files:
            target = out / written.path.split("/", 2)[-1]  # oeffentlich/… or nichtoeffentlich/…
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / written.path, target)
    lines = [
        f"{summary.items} Punkte: {summary.public_items} öffentlich, "
        f"{summary.nonpublic_items} nichtöffentlich; "
        f"zu prüfen: {', '.join(summary.flagged) or '-'}",
        *(f"  {f.path}  ({f.size} Bytes)" for f in summary.files),
    ]
    if summary.withheld_from_public:
        lines.append(
            "Aus dem öffentlichen Teil zurückgehalten (berührt den nichtöffentlichen Teil): "
            + ", ".join(summary.withheld_from_public)
        )
    _emit(summary.model_dump(mode="json"), as_json, "\n".join(lines))


@agenda_app.command("replay")
def replay_command(
    tenant: TenantOpt,
    meeting: Annotated[
        list[str] | None,
        typer.Option("--meeting", help="Nur diese Sitzung(en) nachbauen (OParl-Adresse)"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Frühere Tagesordnungen aus ihren Vorlagen nachbauen und mit der Wirklichkeit vergleichen."""
    from connectors.catalogue import TenantConfigError, TenantNotFoundError, load_tenant
    from connectors.database import ensure_schema, make_engine, tenant_session
    from models.agenda import AgendaConfig
    from models.settings import Settings
    from tasks.agenda.archive import load_archive
    from tasks.agenda.replay import replay

    settings = Settings()
    try:
        config = load_tenant(tenant, settings.tenants)
    except (TenantNotFoundError, TenantConfigError) as exc:
        _fail(str(exc), as_json)
    engine = make_engine(settings.effective_database_url)
    try:
        ensure_schema(engine)
        with tenant_session(engine, tenant) as session:
            archive = load_archive(session)
    finally:
        engine.dispose()
    unknown = [m for m in meeting or [] if m not in archive.meetings]
    if unknown:
        _fail(f"Sitzung nicht vorhanden: {', '.join(unknown)}", as_json)
    figures = replay(
        archive, config.agenda or AgendaConfig(), meeting_ids=meeting or None, tenant=tenant
    )
    figures = {"tenant": tenant, **figures}
    human = "\n".join(f"{k}: {v}" for k, v in figures.items())
    _emit(figures, as_json, human)
