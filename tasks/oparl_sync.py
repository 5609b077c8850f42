"""Mirror a tenant's council information system into the database, fully or incrementally.

The walk reads every list of every body (or the configured one) and stores each page in
its own transaction, so a failure late in a long run keeps what was read. Only a run whose
lists were all read to the end advances the sync state; the next incremental run asks for
changes since the last such run (minus a margin for clocks that disagree). Single objects
that cannot be read do not stop that: they are asked for again by URL in the next run
(`tasks.oparl_pending`), and nothing deletes their rows meanwhile.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from typing import Any

import httpx
from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from connectors.database import ensure_schema, make_engine, tenant_session
from connectors.oparl import OParlError, OParlSource, make_source
from models.db import utcnow
from models.oparl import OParlSyncState
from models.oparl_sync import KINDS, ObjectCounts, OParlSyncSummary
from models.settings import Settings
from models.tenant_scope import TenantSession
from tasks import oparl_pending
from tasks.oparl_pending import Skipped
from tasks.oparl_rows import RowBatch, add_entry
from tasks.oparl_store import count_stored, dangling_references, store_batch, sweep_unseen
from tasks.secrets import oparl_settings_for


def sync_oparl(
    engine: Engine,
    tenant_id: str,
    source: OParlSource,
    system_url: str,
    *,
    body_id: str | None = None,
    full: bool = False,
    overlap_s: float = 600.0,
) -> OParlSyncSummary:
    """Read the system at `system_url` into the tenant's OParl tables.

    Raises:
        OParlError: the system or its bodies cannot be read at all (lists that fail midway
            are reported in the summary's `errors` instead).

    """
    started = time.perf_counter()
    run_at = utcnow()
    with tenant_session(engine, tenant_id) as session:
        state = session.scalar(
            select(OParlSyncState).where(OParlSyncState.system_url == system_url)
        )
        since = None if full else _modified_since(state, overlap_s)
        summary = OParlSyncSummary(
            tenant=tenant_id, system_url=system_url, full=since is None, modified_since=since
        )
        seen: dict[str, set[str]] = defaultdict(set)
        deleted: dict[str, set[str]] = defaultdict(set)
        system = source.system(system_url)
        bodies = [(b, raw) for b, raw in source.bodies(system) if body_id in (None, b.id)]
        if not bodies:
            raise OParlError(f"{system_url}: Körperschaft {body_id or ''} nicht gefunden")
        summary.bodies = len(bodies)
        batch = RowBatch(body_id="", url=system_url, quirks=source.quirks)
        for body, raw in bodies:
            batch.body_id = body.id
            add_entry(batch, "body", body, raw)
        _store(session, batch, run_at, seen, deleted)
        ours = {body.id for body, _ in bodies}
        earlier = oparl_pending.load(state)
        skipped = Skipped(pending={p for p in earlier if p.body_id not in ours})  # kept as is
        for pending in _by_kind(earlier, ours):  # what the last run missed
            page = source.objects(pending[0].kind, [p.url for p in pending])
            if page.error and not skipped.take(page, pending[0].body_id):
                summary.errors.append(page.error)
            batch = RowBatch(body_id=pending[0].body_id, url=page.url, quirks=source.quirks)
            for obj, raw in page.entries:
                add_entry(batch, page.kind, obj, raw)
            _store(session, batch, run_at, seen, deleted)
        for body, _ in bodies:
            offered = body.list_urls()
            complete = set(offered)
            for page in source.pages(body, since):
                if page.error and not skipped.take(page, body.id):
                    summary.errors.append(page.error)
                    complete.discard(page.kind)
                elif page.error and oparl_pending.whole_objects_skipped(page):
                    complete.discard(page.kind)  # its children were not read: no sweep
                batch = RowBatch(body_id=body.id, url=page.url, quirks=source.quirks)
                for obj, raw in page.entries:
                    add_entry(batch, page.kind, obj, raw)
                _store(session, batch, run_at, seen, deleted)
            if since is None:
                oparl_pending.keep_rows(session, skipped.keep_ids, run_at)
                sweep_unseen(session, body.id, offered, complete, run_at)
                session.commit()
        summary.dangling_references = dangling_references(session, source.quirks)
        stored = count_stored(session)
        summary.objects = {
            kind: ObjectCounts(
                seen=len(seen[kind]), deleted=len(deleted[kind]), stored=stored[kind]
            )
            for kind in KINDS
        }
        summary.quirks = source.quirks.summary()
        summary.unreadable = skipped.texts
        summary.pending = len(skipped.pending)
        summary.seconds = round(time.perf_counter() - started, 3)
        state = _save_state(session, state, summary, run_at)
        oparl_pending.save(state, skipped)
        session.commit()
    return summary


def _by_kind(
    pending: list[oparl_pending.Pending], bodies: set[str]
) -> list[list[oparl_pending.Pending]]:
    """The objects to read again, grouped by kind and body (bodies of this run only)."""
    groups: dict[tuple[str, str], list[oparl_pending.Pending]] = defaultdict(list)
    for item in pending:
        if item.body_id in bodies:
            groups[(item.kind, item.body_id)].append(item)
    return [groups[key] for key in sorted(groups)]


def _modified_since(state: OParlSyncState | None, overlap_s: float) -> dt.datetime | None:
    """Changes since the last successful run, minus the margin; None: never synced."""
    if state is None or state.last_success_at is None:
        return None
    last = state.last_success_at
    last = last if last.tzinfo else last.replace(tzinfo=dt.UTC)  # SQLite drops the zone
    return last - dt.timedelta(seconds=overlap_s)


def _store(
    session: TenantSession,
    batch: RowBatch,
    run_at: dt.datetime,
    seen: dict[str, set[str]],
    deleted: dict[str, set[str]],
) -> None:
    store_batch(session, batch, run_at)
    session.commit()
    for kind, rows in batch.rows.items():
        seen[kind].update(rows)
    for kind, rows in batch.deleted.items():
        deleted[kind].update(rows)


def _save_state(
    session: TenantSession,
    state: OParlSyncState | None,
    summary: OParlSyncSummary,
    run_at: dt.datetime,
) -> OParlSyncState:
    if state is None:
        state = OParlSyncState(system_url=summary.system_url)
        session.add(state)
    state.last_attempt_at = run_at
    state.counts = {k: c.model_dump() for k, c in summary.objects.items()}
    state.last_error = "\n".join([*summary.errors, *summary.unreadable])[:4000] or None
    if summary.complete:
        state.last_success_at = run_at
        if summary.full:
            state.last_full_at = run_at
    return state


def retry_on_io_failure(_task: Task[Any, Any], _run: TaskRun, state: State[Any]) -> bool:
    """Retry the whole sync only when the network or the database failed, never on bugs."""
    error = state.data
    if isinstance(error, OParlError):
        return error.transient
    return isinstance(error, httpx.TransportError | OperationalError | ConnectionError)


@task(
    name="sync-oparl-system",
    persist_result=False,
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=60,
    retry_condition_fn=retry_on_io_failure,
)
def sync_oparl_task(
    tenant_id: str, system_url: str, body_id: str | None, full: bool
) -> OParlSyncSummary:
    """The sync as a Prefect task: opens its own engine and client, closes them after."""
    settings = Settings()
    oparl = oparl_settings_for(tenant_id, system_url, settings)  # key only for its system
    engine = make_engine(settings.effective_database_url)
    source = make_source(oparl)
    try:
        ensure_schema(engine)
        return sync_oparl(
            engine,
            tenant_id,
            source,
            system_url,
            body_id=body_id,
            full=full,
            overlap_s=oparl.overlap_s,
        )
    finally:
        source.close()
        engine.dispose()
