"""E-mails: a form may be in the body (a form-mailer's `Label: value` lines) or attached.

The e-mail is the unit the clerk sees: it ends accepted when at least one form in it
became a case, duplicate when its forms were all received before, else quarantined
with the reason of its faulty form(s) (or "no form"). Attachments are stored as
documents of their own (parent = the e-mail); the ones that are no form are kept with
the case as supporting files. Every faulty form is quarantined on its own document (an
attachment's, or for the body the e-mail's), found by document id and never by file
name, since two attachments may share a name. Everything is decided in one
transaction, so a crash makes the next run repeat the whole e-mail, never half of it.

An attached e-mail (a citizen's mail a clerk forwarded as attachment) counts as an
attachment whose form is its body, and its own attachments are searched like the
e-mail's (stored with the forwarded mail as parent), down to `MAX_FORWARD_DEPTH`
forwarded mails inside each other. Attachments of a mail nested deeper are not searched:
they stay inside the stored mail, and the audit and the clerk's reasons say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.documents import DocumentKind, ParsedDocument
from models.db import Document, DocumentStatus, utcnow
from tasks import audit, reasons, stopped_parts
from tasks.decision import (
    Evaluation,
    accept,
    claim,
    evaluate,
    filing_year,
    prepare_counter,
    quarantine,
)
from tasks.intake_context import FileResult, IntakeContext, Outcome
from tasks.reasons import Reason
from tasks.registration import Registered, register, shown_name
from tasks.stopped_parts import Held

#: How many forwarded mails inside each other have their attachments searched for forms
#: (a citizen's mail forwarded by a clerk, forwarded again by the front office: 2).
MAX_FORWARD_DEPTH = 3
#: How many attachments of forwarded mails one e-mail may add in all, over every level:
#: the parser's limit of 50 holds per mail, and a mail of many tiny forwarded mails must
#: not turn into thousands of documents. The rest stays inside the stored mails, noted.
MAX_FORWARDED_PARTS = 100


@dataclass
class _Budget:
    """What is left of `MAX_FORWARDED_PARTS` for this e-mail."""

    left: int = field(default_factory=lambda: MAX_FORWARDED_PARTS)


@dataclass
class _Part:
    reg: Registered
    name: str
    within: str  # SHA-256 of the mail holding it
    parsed: ParsedDocument | None = None
    verdict: Evaluation | None = None
    searched: bool = False  # a forwarded mail whose attachments became parts themselves


@dataclass(frozen=True, slots=True)
class _Fault:
    """A faulty form: where it is (`part` None = the e-mail's body) and why."""

    label: str
    reason: Reason
    form_type: str | None
    part: _Part | None


def _attachments(
    ctx: IntakeContext,
    email: Registered,
    parsed: ParsedDocument,
    depth: int = 0,
    within: str = "",
    budget: _Budget | None = None,
) -> list[_Part]:
    """The e-mail's attachments as parts, each stored, parsed and judged.

    A forwarded mail's attachments follow it as parts of their own, named after it
    ("mail.eml › anlage.pdf") so the clerk's reasons say where a faulty form sits.
    """
    parts: list[_Part] = []
    for number, attachment in enumerate(parsed.attachments, start=1):
        stored = ctx.storage.store_bytes(attachment.content)
        # the name reaches reasons and audit rows: NUL or a control character in a crafted
        # header made PostgreSQL refuse them, and the e-mail stuck night after night
        name = within + (shown_name(attachment.filename) or f"Anhang {number}")
        reg = register(ctx, stored, name, parent_id=email.document_id)
        parts.append(_Part(reg, name, email.sha256))
    fresh = {ctx.storage.path_for(p.reg.sha256): p for p in parts if not p.reg.duplicate}
    for path, result in ctx.parser.parse_many(list(fresh)):
        fresh[path].parsed = result
    nested: list[_Part] = []
    budget = budget or _Budget()
    for part in parts:
        if part.parsed is None:
            continue
        if part.parsed.kind != DocumentKind.EML:
            part.verdict = evaluate(ctx, part.parsed)
            continue
        if part.parsed.ok and part.parsed.fields:
            # a forwarded mail's body is judged like the e-mail's own body: lines that
            # are no form are no fault (the mail stays a supporting file, as before)
            verdict = evaluate(ctx, part.parsed)
            part.verdict = verdict if verdict.form_type is not None else None
        found = len(part.parsed.attachments)
        if part.parsed.ok and depth < MAX_FORWARD_DEPTH and found <= budget.left:
            budget.left -= found
            part.searched = True
            within_part = f"{part.name} › "
            nested += _attachments(ctx, part.reg, part.parsed, depth + 1, within_part, budget)
    return parts + nested


def _unsearched(part: _Part) -> int:
    """How many attachments of a forwarded mail were not searched for forms.

    A forwarded mail nested deeper than `MAX_FORWARD_DEPTH`, or past the e-mail's
    `MAX_FORWARDED_PARTS`, keeps its attachments inside the stored mail, as do the parts
    its parser left out; a clerk must be told to look.
    """
    parsed = part.parsed
    if parsed is None or parsed.kind != DocumentKind.EML:
        return 0
    return (0 if part.searched else len(parsed.attachments)) + parsed.dropped_parts


def _read(part: _Part) -> bool:
    return part.parsed is not None and part.parsed.ok


def decide_email(ctx: IntakeContext, reg: Registered, parsed: ParsedDocument) -> FileResult:
    """Decide an e-mail and everything attached to it.

    Valid forms become cases; every faulty form (body and each attachment) is
    quarantined with its own reason, so none is lost beside a case or hidden behind the
    first fault; parts the parser left out are recorded (audit, and the clerk's reason).
    """
    parts = _attachments(ctx, reg, parsed)
    body = evaluate(ctx, parsed) if parsed.fields else None
    if body is not None and body.form_type is None:
        body = None  # the body's lines are no form: not a fault of the e-mail
    forms = [p for p in parts if p.verdict is not None and p.verdict.form_type is not None]
    for verdict in [body, *(p.verdict for p in forms)]:
        if verdict is not None and verdict.form is not None and verdict.form_type is not None:
            prepare_counter(ctx, verdict.form_type, filing_year())
    duplicates = [p for p in parts if p.reg.duplicate and p.reg.form_type is not None]
    unsearched = sum(_unsearched(p) for p in parts)
    stopped_parts.record(ctx, reg.sha256, [Held(p.reg, p.parsed, p.within) for p in parts])
    with ctx.session() as session:
        if not claim(session, reg.document_id):  # another run decided it meanwhile
            session.rollback()
            return FileResult(reg.sha256, Outcome.DUPLICATE, reg.form_type)
        email = session.get_one(Document, reg.document_id)
        email.kind = DocumentKind.EML.value
        common: dict[str, Any] = {"actor": ctx.actor, "flow_run_id": ctx.flow_run_id}
        audit.record(
            session,
            "parsed",
            **common,
            sha256=email.sha256,
            kind="eml",
            attachments=len(parts),
            form_in_body=body is not None,
            dropped_parts=parsed.dropped_parts,
            unsearched_forwarded_attachments=unsearched,
        )
        cases = []
        faults: list[_Fault] = []
        if body is not None:
            if body.form is not None and body.form_type is not None:
                cases.append(accept(session, ctx, email, body.form_type, body.form))
            elif body.reason is not None:
                faults.append(_Fault(reasons.EMAIL_TEXT, body.reason, body.form_type, None))
        for part in forms:
            assert part.verdict is not None
            doc = session.get_one(Document, part.reg.document_id)
            doc.kind = part.parsed.kind.value if part.parsed else None
            if part.verdict.form is not None and part.verdict.form_type is not None:
                cases.append(accept(session, ctx, doc, part.verdict.form_type, part.verdict.form))
            elif part.verdict.reason is not None:
                faults.append(_Fault(part.name, part.verdict.reason, part.verdict.form_type, part))
        part_codes: list[str] = []  # the run's tally counts these besides the e-mail
        for fault in faults:  # each faulty attachment on its own document, found by id
            if fault.part is not None:
                doc = session.get_one(Document, fault.part.reg.document_id)
                reason = reasons.with_unsearched(fault.reason, _unsearched(fault.part))
                quarantine(session, ctx, doc, reason, fault.form_type)
                part_codes.append(reason.code)
        for part in parts:
            if part.reg.duplicate:
                continue
            doc = session.get_one(Document, part.reg.document_id)
            if doc.status == DocumentStatus.RECEIVED:
                doc.status, doc.decided_at = DocumentStatus.ATTACHMENT, utcnow()
                doc.case_id = cases[0].id if cases else None
                if doc.kind is None and part.parsed is not None:
                    doc.kind = part.parsed.kind.value
        numbers = tuple(c.file_number for c in cases)
        body_fault = next((f for f in faults if f.part is None), None)
        if cases:
            if email.status == DocumentStatus.RECEIVED:
                email.status, email.decided_at = DocumentStatus.ACCEPTED, utcnow()
                email.case_id = cases[0].id
                email.form_type = cases[0].form_type
                audit.record(
                    session,
                    "accepted",
                    **common,
                    sha256=email.sha256,
                    case_id=cases[0].id,
                    file_numbers=list(numbers),
                )
            if body_fault is not None:  # the body's form failed: park it on the e-mail
                reason = reasons.with_dropped_parts(
                    reasons.email_body(body_fault.reason, numbers), parsed.dropped_parts
                )
                reason = reasons.with_unsearched(reason, unsearched)
                quarantine(session, ctx, email, reason, body_fault.form_type)
                part_codes.append(reason.code)
            result = FileResult(
                email.sha256,
                Outcome.ACCEPTED,
                cases[0].form_type,
                numbers,
                part_reasons=tuple(part_codes),
            )
        elif duplicates and not faults:
            email.status, email.decided_at = DocumentStatus.DUPLICATE, utcnow()
            email.form_type = duplicates[0].reg.form_type
            audit.record(session, "duplicate", **common, sha256=email.sha256, status="forms_known")
            result = FileResult(email.sha256, Outcome.DUPLICATE, email.form_type)
        else:
            reason, form_type = _email_reason(faults, parts)
            reason = reasons.with_dropped_parts(reason, parsed.dropped_parts)
            reason = reasons.with_unsearched(reason, unsearched)
            quarantine(session, ctx, email, reason, form_type)
            result = FileResult(
                email.sha256,
                Outcome.QUARANTINED,
                form_type,
                (),
                reason.code,
                part_reasons=tuple(part_codes),
            )
        session.commit()
    return result


def _email_reason(faults: list[_Fault], parts: list[_Part]) -> tuple[Reason, str | None]:
    """The reason of an e-mail that made no case: its faults, else why nothing was read.

    One fault keeps its own wording; several are all named, so no fault hides behind
    the first. Without a faulty form, an unreadable attachment is the likely form.
    """
    if len(faults) > 1:
        return reasons.email_faults([(f.label, f.reason) for f in faults]), faults[0].form_type
    if faults:
        fault = faults[0]
        if fault.part is None:
            return fault.reason, fault.form_type
        return reasons.email_attachment(fault.label, fault.reason), fault.form_type
    unreadable = next((p for p in parts if p.verdict and p.verdict.reason and not _read(p)), None)
    if unreadable is not None and unreadable.verdict is not None:
        assert unreadable.verdict.reason is not None
        return reasons.email_attachment(unreadable.name, unreadable.verdict.reason), None
    return reasons.email_without_form(len(parts)), None
