"""The intake's unit of work: one batch of drop-folder files, end to end.

A Prefect task run costs ~9 ms here, so a task handles a few hundred files: storing
and registering runs in this process while the parser pool reads documents in
parallel worker processes; each document is decided as soon as its parse arrives.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.exc import SQLAlchemyError

from connectors.documents import DocumentKind, ParsedDocument
from connectors.dropfolder import DropFile, open_drop_file
from connectors.storage import StoredObject
from tasks.decision import decide_single
from tasks.decision_failure import after_failure
from tasks.email_intake import decide_email
from tasks.intake_context import FileResult, IntakeContext, Outcome
from tasks.oversize import set_aside
from tasks.registration import Registered, register_many

log = logging.getLogger("amtsflow.intake")


def process_batch(ctx: IntakeContext, files: Sequence[DropFile]) -> list[FileResult]:
    """Store, parse and decide a batch; never raises for a single bad file."""
    results: list[FileResult] = []
    pending: dict[Path, Registered] = {}
    stored_items: list[tuple[StoredObject, str | None]] = []
    limit = ctx.settings.max_file_bytes
    for drop in files:
        try:
            aside = set_aside(ctx, drop) if drop.size > limit else None
            if aside is not None:
                results.append(aside)
                continue
            with open_drop_file(drop) as source:
                stored_items.append((ctx.storage.store_reader(source, limit), drop.name))
        except OSError as exc:  # vanished, unreadable, grew: it stays in the drop folder
            log.warning("Datei nicht lesbar (%s), bleibt im Eingang", type(exc).__name__)
            results.append(FileResult(None, Outcome.UNREADABLE, reason_code="unreadable"))
        except SQLAlchemyError as exc:  # recording an oversize file: it stays, next run
            log.error("Übergroße Datei nicht vermerkt: %s", type(exc).__name__)
            results.append(FileResult(None, Outcome.UNREADABLE, reason_code="internal_error"))
    for reg in register_many(ctx, stored_items):
        if reg.duplicate:
            results.append(FileResult(reg.sha256, Outcome.DUPLICATE, reg.form_type))
        else:
            pending[ctx.storage.path_for(reg.sha256)] = reg
    emails: list[tuple[Registered, ParsedDocument]] = []
    for path, parsed in ctx.parser.parse_many(list(pending)):
        reg = pending[path]
        if parsed.ok and parsed.kind is DocumentKind.EML:
            emails.append((reg, parsed))
        else:
            results.append(_guarded(ctx, reg, parsed))
    for reg, parsed in emails:
        results.append(_guarded(ctx, reg, parsed))
    return results


def _guarded(ctx: IntakeContext, reg: Registered, parsed: ParsedDocument) -> FileResult:
    """Decide one document; an unexpected error is counted (`decision_failure`).

    The document stays `received` for the next run, until it kept failing as long as
    the installation allows; then it goes to quarantine.
    """
    try:
        if parsed.kind is DocumentKind.EML and parsed.ok:
            return decide_email(ctx, reg, parsed)
        return decide_single(ctx, reg, parsed)
    except Exception as exc:
        # The exception's text may quote field values: log its type and frames only.
        frames = "".join(traceback.format_tb(exc.__traceback__))
        kind = type(exc).__name__
        log.error("Entscheidung fehlgeschlagen für %s: %s\n%s", reg.sha256[:12], kind, frames)
        return after_failure(ctx, reg, exc)


@task(name="intake-batch", persist_result=False, cache_policy=NO_CACHE, retries=0)
def intake_batch(ctx: IntakeContext, files: list[DropFile]) -> list[FileResult]:
    """Run `process_batch` as one Prefect task run.

    No retries: the batch is idempotent, and a re-run of the flow picks up whatever a
    failure left `received`.
    """
    return process_batch(ctx, files)
