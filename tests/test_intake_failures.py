"""A document whose decision breaks every time ends in quarantine, not in an endless retry.

The fault here is a municipality's acknowledgement template that cannot be filled (a
fake template that raises, as a broken edit of the real one would): every run that
decides a valid form fails on it. Before the limit the document waited `received`
forever and every intake run reported the same error. A document is parked only after
enough runs *and* hours (`AMTSFLOW_INTAKE_GIVE_UP_AFTER_H`, 0 in most tests here).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import select, update

from connectors.documents import ParserPool
from connectors.dropfolder import scan
from models.db import AuditEvent, Document, DocumentStatus, QuarantineEntry
from models.settings import Settings
from tasks.docx_template import DocxTemplate
from tasks.intake_batch import process_batch
from tasks.intake_context import FileResult, IntakeContext, Outcome
from tasks.intake_setup import open_context
from tests.conftest import SAMPLE_INBOX

VALID_FORM = (SAMPLE_INBOX / "eingang-0002.json").read_bytes()  # a Mängelmeldung


class BrokenTemplate:
    """Fails to render its first `failures` acknowledgements, then renders nothing much."""

    def __init__(self, failures: int, error: type[Exception] = KeyError) -> None:
        self.failures = failures
        self.error = error

    def render(self, values: Mapping[str, str]) -> bytes:
        if self.failures > 0:
            self.failures -= 1
            raise self.error("platzhalter")
        return b"PK"


@contextmanager
def intake_context(template: BrokenTemplate) -> Iterator[IntakeContext]:
    with ParserPool(workers=1, timeout_s=20, memory_mb=512, max_bytes=2**22) as parser:
        ctx = open_context(Settings(), "musterstadt", parser, None)
        ctx.template = cast(DocxTemplate, template)
        try:
            yield ctx
        finally:
            ctx.engine.dispose()


def run_once(template: BrokenTemplate, drop: Path) -> list[FileResult]:
    """One intake run over the drop folder (a new context, as a new flow run has)."""
    with intake_context(template) as ctx:
        return process_batch(ctx, scan(drop))


def drop_with(tmp_path: Path, *names: str) -> Path:
    drop = tmp_path / "drop"
    drop.mkdir()
    for name in names:
        shutil.copy(SAMPLE_INBOX / name, drop / name)
    return drop


def documents(template: BrokenTemplate) -> list[Document]:
    with intake_context(template) as ctx, ctx.session() as session:
        return list(session.scalars(select(Document).order_by(Document.id)))


def test_a_document_failing_every_run_goes_to_quarantine_at_the_limit(
    amtsflow_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMTSFLOW_INTAKE_GIVE_UP_AFTER_H", "0")
    drop = drop_with(tmp_path, "eingang-0002.json")  # a valid Mängelmeldung
    template = BrokenTemplate(failures=100)
    for attempt in (1, 2):
        [result] = run_once(template, drop)
        assert (result.outcome, result.reason_code) == (Outcome.UNREADABLE, "internal_error")
        [doc] = documents(template)
        assert (doc.status, doc.failed_attempts) == (DocumentStatus.RECEIVED, attempt)
    [result] = run_once(template, drop)
    assert (result.outcome, result.reason_code) == (Outcome.QUARANTINED, "internal_error")
    [doc] = documents(template)
    assert (doc.status, doc.failed_attempts) == (DocumentStatus.QUARANTINED, 3)
    with intake_context(template) as ctx, ctx.session() as session:
        entry = session.scalars(select(QuarantineEntry)).one()
        assert entry.reason_code == "internal_error"
        assert "in 3 Läufen" in entry.reason and "KeyError" in entry.reason
        failed = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "decision_failed")
        ).all()
        assert [e.details for e in failed] == [
            {"error": "KeyError", "attempt": n} for n in (1, 2, 3)
        ]
        note = json.loads(ctx.storage.quarantine_note(doc.sha256).read_text("utf-8"))
        assert note["grund_code"] == "internal_error"
    [result] = run_once(template, drop)  # decided now: the next night passes it by
    assert result.outcome is Outcome.DUPLICATE


def test_a_passing_fault_is_retried_and_the_document_accepted(
    amtsflow_env: Path, tmp_path: Path
) -> None:
    drop = drop_with(tmp_path, "eingang-0002.json")
    template = BrokenTemplate(failures=1)
    [first] = run_once(template, drop)
    assert first.outcome is Outcome.UNREADABLE
    [second] = run_once(template, drop)
    assert second.outcome is Outcome.ACCEPTED and second.file_numbers
    [doc] = documents(template)
    assert (doc.status, doc.failed_attempts) == (DocumentStatus.ACCEPTED, 1)


def test_an_email_given_up_takes_its_attachments_with_it(
    amtsflow_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMTSFLOW_INTAKE_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AMTSFLOW_INTAKE_GIVE_UP_AFTER_H", "0")
    drop = tmp_path / "drop"
    drop.mkdir()
    citizen = EmailMessage()  # a citizen's mail with a form, forwarded by a clerk
    citizen["Subject"] = "Antrag"
    citizen.set_content("Anbei mein Antrag.")
    citizen.add_attachment(VALID_FORM, maintype="application", subtype="json", filename="a.json")
    clerk = EmailMessage()
    clerk["Subject"] = "Zur Bearbeitung"
    clerk.set_content("Weitergeleitet.")
    clerk.add_attachment(citizen, filename="weitergeleitet.eml")
    (drop / "post.eml").write_bytes(clerk.as_bytes())
    template = BrokenTemplate(failures=100)
    [result] = run_once(template, drop)
    assert (result.outcome, result.reason_code) == (Outcome.QUARANTINED, "internal_error")
    docs = documents(template)
    email = next(d for d in docs if d.parent_id is None)
    assert email.status == DocumentStatus.QUARANTINED
    inner = [d for d in docs if d.parent_id is not None and d.parent_id != email.id]
    assert inner, "the forwarded mail's attachment was registered under the forwarded mail"
    assert [d.status for d in docs if d.id != email.id] == [DocumentStatus.ATTACHMENT] * (
        len(docs) - 1
    )


def test_failures_within_the_waiting_hours_do_not_park(amtsflow_env: Path, tmp_path: Path) -> None:
    """Three failed runs in a morning leave the form waiting; a day later it is parked."""
    drop = drop_with(tmp_path, "eingang-0002.json")
    template = BrokenTemplate(failures=100)
    for _ in range(4):
        [result] = run_once(template, drop)
        assert result.outcome is Outcome.UNREADABLE
    [doc] = documents(template)
    assert (doc.status, doc.failed_attempts) == (DocumentStatus.RECEIVED, 4)
    with intake_context(template) as ctx, ctx.session() as session:
        session.execute(
            update(Document).values(first_failed_at=datetime.now(UTC) - timedelta(hours=25))
        )
        session.commit()
    [result] = run_once(template, drop)
    assert (result.outcome, result.reason_code) == (Outcome.QUARANTINED, "internal_error")


def test_errors_of_the_surroundings_are_not_counted(
    amtsflow_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk or a blinking share is not the document's fault: it waits, uncounted."""
    monkeypatch.setenv("AMTSFLOW_INTAKE_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AMTSFLOW_INTAKE_GIVE_UP_AFTER_H", "0")
    drop = drop_with(tmp_path, "eingang-0002.json")
    template = BrokenTemplate(failures=2, error=OSError)
    for _ in range(2):
        [result] = run_once(template, drop)
        assert (result.outcome, result.reason_code) == (Outcome.UNREADABLE, "internal_error")
    [doc] = documents(template)
    assert (doc.status, doc.failed_attempts) == (DocumentStatus.RECEIVED, 0)
    [result] = run_once(template, drop)
    assert result.outcome is Outcome.ACCEPTED
