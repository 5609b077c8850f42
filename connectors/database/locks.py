"""One writer at a time for a piece of a tenant's work, across processes and machines.

Runs of one municipality may overlap (the nightly run, a clerk's run from the
dashboard, a second worker): where a step reads "what is still to do" and then writes
it, the two must not interleave. PostgreSQL gets a transaction-scoped advisory lock;
SQLite has one writer per database anyway, and a write as the transaction's first
statement takes that lock before the step reads (it waits up to the busy timeout).
Both are released by the transaction's commit or rollback.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for `name` (PostgreSQL's advisory lock space)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)


def hold_write_lock(session: Session, name: str) -> None:
    """Take the lock `name` for the rest of the session's current transaction.

    Call it before the transaction's first read of the state it will change.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})
    else:  # SQLite: a write (changing nothing) starts the transaction as the writer
        session.execute(text("UPDATE review_items SET id = id WHERE 1 = 0"))
