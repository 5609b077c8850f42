"""Remember which e-mails carry a file whose reader was stopped at the limits.

The clerks' pages hand out originals, but never a file built to hang or exhaust a
program, nor an e-mail carrying one. An unreadable attachment gets no quarantine entry
of its own, and an attachment seen before is not read again (a duplicate), so intake
records `read_stopped` on the stopped file itself and on every mail holding it (the
e-mail and a forwarded mail in between), in its own transaction before the decision:
a decision that fails and is given up must not lose it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from connectors.documents import ParsedDocument, ParseFailure
from models.db import AuditEvent, QuarantineEntry
from models.tenant_scope import TenantSession
from tasks import audit
from tasks.intake_context import IntakeContext
from tasks.reasons import STOPPED_CODES
from tasks.registration import Registered

STOPPED_AT_LIMITS = frozenset({ParseFailure.TIMEOUT, ParseFailure.MEMORY, ParseFailure.CRASHED})


@dataclass(frozen=True, slots=True)
class Held:
    """A part as read in this run, and the mail it came in."""

    reg: Registered
    parsed: ParsedDocument | None
    within: str  # SHA-256 of the mail holding it


def record(ctx: IntakeContext, email_sha: str, parts: Iterable[Held]) -> int:
    """Record `read_stopped` for stopped parts and the mails holding them; how many parts.

    Most e-mails hold neither a stopped nor a known part: they cost no database work.
    """
    held = [p for p in parts if p.reg.duplicate or _stopped(p)]
    if not held:
        return 0
    with ctx.session() as session:
        marked: set[str] = set()
        stopped = 0
        for part in held:
            if _stopped(part) or (part.reg.duplicate and _stopped_before(session, part.reg)):
                stopped += 1
                marked |= {part.reg.sha256, part.within, email_sha}
        known = set(
            session.scalars(
                select(AuditEvent.document_sha256).where(
                    AuditEvent.action == "read_stopped",
                    AuditEvent.document_sha256.in_(sorted(marked)),
                )
            )
        )
        for sha in sorted(marked - known):
            audit.record(
                session, "read_stopped", actor=ctx.actor, sha256=sha, flow_run_id=ctx.flow_run_id
            )
        session.commit()
    return stopped


def _stopped(part: Held) -> bool:
    return part.parsed is not None and part.parsed.failure in STOPPED_AT_LIMITS


def _stopped_before(session: TenantSession, reg: Registered) -> bool:
    """Whether a file seen before was stopped then (as a part, or on its own)."""
    event = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "read_stopped", AuditEvent.document_sha256 == reg.sha256
    )
    entry = select(func.count(QuarantineEntry.id)).where(
        QuarantineEntry.document_id == reg.document_id,
        QuarantineEntry.reason_code.in_(STOPPED_CODES),
    )
    return bool(session.scalar(event)) or bool(session.scalar(entry))
