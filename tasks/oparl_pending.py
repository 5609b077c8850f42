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
        """Record a page whose only fault is objects to read again; False if it is worse.

        Past `MAX_PENDING` the objects are still kept (up to it), but the page counts as
        broken: so many unreadable objects are no longer a matter of single ones.
        """
        if page.error is None or not page.only_skipped:
            return False
        room = MAX_PENDING - len(self.pending)
        self.pending.update(Pending(page.kind, url, body_id) for url in page.retry[:room])
        self.keep_ids.update(page.invalid)
        self.keep_ids.update(page.retry)
        if len(page.retry) > room:
            return False
        self.texts.append(page.error)
        return True


def whole_objects_skipped(page: ListPage) -> bool:
    """Whether the page skipped an object itself, not only a child its parent embeds.

    Such an object's embedded agenda items, consultations and files were not read either,
    so a full sync must not sweep that list's kinds this time (their rows would look gone).
    """
    return bool(set(page.invalid) & set(page.retry))


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
