"""Objects a sync could not read: kept by URL, read again first thing in the next run.

One broken object (a paper whose JSON a server botched, an agenda item its meeting embeds
in a form we cannot read) must not hold the whole system's incremental window back, nor
be forgotten once the window moves on: a repaired object need not carry a new `modified`
date. So the sync records the URL that brings it back (the object, or the parent that
embeds it), protects its existing rows from a full sync's sweep, and asks for it again
on every run until it can be read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import update

from connectors.oparl import ListPage
from models.oparl import OPARL_TABLES, OParlSyncState
from models.tenant_scope import TenantSession

#: More objects than this waiting to be read again: the lists count as incomplete as
#: before (the window stays), since something is wrong beyond single objects.
MAX_PENDING = 1000


@dataclass(frozen=True, order=True)
class Pending:
    """One object to read again: its kind (of the list it came in), URL and body."""

    kind: str
    url: str
    body_id: str


@dataclass
class Skipped:
    """What this run could not read and will ask for again."""

    pending: set[Pending] = field(default_factory=set)
    keep_ids: set[str] = field(default_factory=set)  # rows a sweep must not delete
    texts: list[str] = field(default_factory=list)

    def take(self, page: ListPage, body_id: str) -> bool:
        """Record a page whose only fault is objects to read again; False if it is worse."""
        if page.error is None or not page.only_skipped:
            return False
        if len(self.pending) + len(page.retry) > MAX_PENDING:
            return False
        self.pending.update(Pending(page.kind, url, body_id) for url in page.retry)
        self.keep_ids.update(page.invalid)
        self.keep_ids.update(page.retry)
        self.texts.append(page.error)
        return True


def load(state: OParlSyncState | None) -> list[Pending]:
    """The objects the last run left to read again (body, kind, URL), sorted."""
    if state is None or not state.pending:
        return []
    return sorted(Pending(p["kind"], p["url"], p["body_id"]) for p in state.pending)


def save(state: OParlSyncState, skipped: Skipped) -> None:
    """Keep what this run could not read for the next one."""
    state.pending = [
        {"kind": p.kind, "url": p.url, "body_id": p.body_id} for p in sorted(skipped.pending)
    ]


def keep_rows(session: TenantSession, ids: set[str], seen_at: dt.datetime) -> None:
    """Mark the rows of objects that could not be read as seen: no sweep deletes them."""
    wanted = sorted(ids)
    for model in OPARL_TABLES.values():
        for start in range(0, len(wanted), 500):
            session.execute(
                update(model)
                .where(model.oparl_id.in_(wanted[start : start + 500]))
                .values(seen_at=seen_at)
            )
