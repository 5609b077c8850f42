"""An e-mail carrying a file whose reader was stopped is never handed out by the pages.

Found in review, one after another: the stopped attachment got no quarantine entry of
its own, so the `.eml` holding it was offered; then a forwarded mail holding it, the
same file attached again later (a duplicate, not read again), and an e-mail whose
decision failed and was given up (the record was rolled back with the decision).
Built by real intake runs: the reader's limit is 0.5 s, the PDF takes seconds.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import select

from app.web import queries
from connectors.documents import ParserPool
from connectors.dropfolder import scan
from models.db import Document
from models.settings import Settings
from tasks.docx_template import DocxTemplate
from tasks.intake_batch import process_batch
from tasks.intake_context import FileResult, IntakeContext
from tasks.intake_setup import open_context
from tests.conftest import SAMPLE_INBOX
from tests.conftest_documents import slow_pdf
from tests.test_intake_failures import BrokenTemplate

VALID_FORM = (SAMPLE_INBOX / "eingang-0002.json").read_bytes()
FAULTY_FORM = (SAMPLE_INBOX / "eingang-0003.json").read_bytes()  # an invalid IBAN
SLOW = slow_pdf()


def mail(text: str, *files: tuple[str, bytes]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = "Antrag"
    message.set_content(text)
    for name, data in files:
        subtype = "pdf" if name.endswith(".pdf") else "json"
        message.add_attachment(data, maintype="application", subtype=subtype, filename=name)
    return message


def run(drop: Path, template: BrokenTemplate | None = None) -> list[FileResult]:
    with ParserPool(workers=1, timeout_s=0.5, memory_mb=512, max_bytes=2**22) as parser:
        ctx: IntakeContext = open_context(Settings(), "musterstadt", parser, None)
        if template is not None:
            ctx.template = cast(DocxTemplate, template)
        try:
            return process_batch(ctx, scan(drop))
        finally:
            ctx.engine.dispose()


def withheld(name: str) -> bool:
    with ParserPool(workers=1) as parser:
        ctx = open_context(Settings(), "musterstadt", parser, None)
        try:
            with ctx.session() as session:
                doc = session.scalars(select(Document).where(Document.source_name == name))
                return queries.withheld(session, doc.one().id)
        finally:
            ctx.engine.dispose()


@pytest.fixture
def drop(amtsflow_env: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


def test_a_forwarded_mail_holding_the_stopped_file_is_withheld(drop: Path) -> None:
    outer = mail("Weitergeleitet.")
    outer.add_attachment(
        mail("Anbei.", ("b.pdf", SLOW), ("a.json", FAULTY_FORM)), filename="fw.eml"
    )
    (drop / "post.eml").write_bytes(outer.as_bytes())
    run(drop)
    assert withheld("post.eml")
    assert withheld("fw.eml")  # has a quarantine entry of its own (its invalid form)


def test_the_same_file_attached_again_is_withheld_too(drop: Path) -> None:
    (drop / "e1.eml").write_bytes(mail("eins", ("b.pdf", SLOW)).as_bytes())
    run(drop)
    (drop / "e1.eml").unlink()
    (drop / "e2.eml").write_bytes(mail("zwei", ("b.pdf", SLOW)).as_bytes())
    run(drop)  # b.pdf is a duplicate now: not read again
    assert withheld("e1.eml") and withheld("e2.eml")


def test_an_email_given_up_keeps_the_record(drop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMTSFLOW_INTAKE_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AMTSFLOW_INTAKE_GIVE_UP_AFTER_H", "0")
    (drop / "e3.eml").write_bytes(mail("drei", ("a.json", VALID_FORM), ("b.pdf", SLOW)).as_bytes())
    [result] = run(drop, BrokenTemplate(failures=100))
    assert result.reason_code == "internal_error"  # parked: retryable, listed, offered?
    assert withheld("e3.eml")


def test_an_email_without_a_stopped_part_is_offered(drop: Path) -> None:
    (drop / "e4.eml").write_bytes(mail("vier", ("a.json", FAULTY_FORM)).as_bytes())
    run(drop)
    assert not withheld("e4.eml")
