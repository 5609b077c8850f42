"""The intake flow end to end: real Prefect server, real databases, real documents."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prefect.client.orchestration import get_client
from sqlalchemy import func, select

from connectors.database import make_engine, tenant_session
from flows.intake import intake
from models.db import AuditEvent, Case, Document, DocumentStatus, QuarantineEntry
from models.intake import IntakeSummary
from tasks import email_intake
from tasks.email_intake import MAX_FORWARD_DEPTH
from tasks.registration import shown_name
from tests.conftest import DOCUMENTS, SAMPLE_INBOX


def _db(env_home: Path, url: str):  # type: ignore[no-untyped-def]
    return tenant_session(make_engine(url), "musterstadt")


def test_sample_inbox_becomes_cases_and_quarantine(
    prefect_api: str, amtsflow_env: Path, database_url: str
) -> None:
    files = sorted(p for p in SAMPLE_INBOX.iterdir() if p.is_file())
    summary = intake(tenant="musterstadt", source=str(SAMPLE_INBOX))
    assert summary.errors == 0
    assert summary.files == len(files)
    # the expected outcomes are listed in samples/musterstadt/README.md
    assert (summary.accepted, summary.quarantined, summary.duplicates) == (9, 6, 0)
    assert summary.quarantine_reasons == {
        "invalid_fields": 2,
        "parse_damaged": 1,
        "parse_empty": 1,
        "parse_encrypted": 1,
        "unknown_form": 1,
    }
    assert summary.by_form_type["maengelmeldung"].accepted == 3
    assert summary.accepted + summary.quarantined + summary.duplicates == summary.files
    with _db(amtsflow_env, database_url) as s:
        cases = s.scalars(select(Case).order_by(Case.id)).all()
        assert len(cases) == summary.cases_created
        numbers = [c.file_number for c in cases]
        assert len(set(numbers)) == len(numbers)
        for case in cases:
            dept, year, seq = case.file_number.rsplit("-", 2)
            assert dept == case.department_code and len(seq) == 5 and year.isdigit()
            ack = amtsflow_env / "tenants" / "musterstadt" / case.acknowledgement  # type: ignore[operator]
            text = "\n".join(
                c.text for t in docx.Document(str(ack)).tables for r in t.rows for c in r.cells
            )
            assert case.file_number in text
        docs = s.scalars(select(Document).where(Document.parent_id.is_(None))).all()
        assert all(d.status in DocumentStatus.FINAL for d in docs)
        quarantined = s.scalars(select(QuarantineEntry)).all()
        assert all(q.reason for q in quarantined)
        flow_run = str(summary.flow_run_id)
        for doc in docs:
            actions = set(
                s.scalars(
                    select(AuditEvent.action).where(
                        AuditEvent.document_sha256 == doc.sha256, AuditEvent.flow_run_id == flow_run
                    )
                )
            )
            assert {"stored", "parsed"} <= actions
            assert actions & {"case_created", "accepted", "quarantined"}
        # every original is in the store under its hash
        for path in files:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            stored = amtsflow_env / "tenants" / "musterstadt" / "store" / sha[:2] / sha
            assert stored.read_bytes() == path.read_bytes()

    again = intake(tenant="musterstadt", source=str(SAMPLE_INBOX))
    assert (again.accepted, again.quarantined, again.duplicates) == (0, 0, summary.files)
    with _db(amtsflow_env, database_url) as s:
        assert s.scalar(select(func.count()).select_from(Case)) == len(cases)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_run_publishes_table_artifact(prefect_api: str, amtsflow_env: Path) -> None:
    summary = intake(tenant="musterstadt")

    async def read() -> list[object]:
        from prefect.client.schemas.filters import (
            ArtifactFilter,
            ArtifactFilterFlowRunId,
            ArtifactFilterKey,
        )

        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    key=ArtifactFilterKey(any_=["intake-musterstadt"]),
                    flow_run_id=ArtifactFilterFlowRunId(any_=[summary.flow_run_id]),
                )
            )

    import asyncio

    artifacts = asyncio.run(read())
    assert artifacts, "no artifact"
    assert len(artifacts) == 1
    rows = json.loads(artifacts[0].data)  # type: ignore[attr-defined]
    total = rows[-1]
    assert total["Formular"] == "Summe"
    assert (total["Angenommen"], total["Quarantäne"], total["Duplikate"]) == (
        summary.accepted,
        summary.quarantined,
        summary.duplicates,
    )
    table = artifacts[0].data  # type: ignore[attr-defined]
    assert "@" not in str(table)  # no e-mail addresses or other contact data


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_shared_fixture_document_ends_somewhere(
    prefect_api: str, amtsflow_env: Path, tmp_path: Path, database_url: str
) -> None:
    inbox = amtsflow_env / "tenants" / "musterstadt" / "eingang"  # a path of its own tenant
    shutil.copytree(DOCUMENTS, inbox)
    files = [p for p in inbox.rglob("*") if p.is_file()]
    summary = intake(tenant="musterstadt", source=str(inbox))
    assert summary.files == len(files) and summary.errors == 0
    assert summary.accepted + summary.quarantined + summary.duplicates == len(files)
    with _db(amtsflow_env, database_url) as s:
        by_sha = {d.sha256: d for d in s.scalars(select(Document))}
        reasons = {
            doc.sha256: q.reason_code
            for q, doc in s.execute(
                select(QuarantineEntry, Document).join(
                    Document, Document.id == QuarantineEntry.document_id
                )
            )
        }
    for path in files:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        assert by_sha[sha].status in DocumentStatus.FINAL, path.name

    def reason(name: str) -> str:
        return reasons[hashlib.sha256((inbox / "pdf" / name).read_bytes()).hexdigest()]

    for name in (
        "encrypted-file.pdf",
        "libreoffice-writer-password.pdf",
        "r4-user-password.pdf",
        "crazyones-encrypted-256.pdf",
    ):
        assert reason(name) == "parse_encrypted", name
    assert reason("imagemagick-images.pdf") == "unknown_form"
    assert reason("form.pdf") == "unknown_form"


# --- E-mails with several forms: every fault quarantined on its own document ----------

VALID_JSON = (SAMPLE_INBOX / "eingang-0002.json").read_bytes()  # Mängelmeldung, 66.20
FAULTY_JSON = (SAMPLE_INBOX / "eingang-0003.json").read_bytes()  # Hundesteuer, IBAN wrong
FAULTY_JSON_2 = FAULTY_JSON.replace(b'"plz": "12345"', b'"plz": "1234"')  # IBAN and PLZ
_MAILER = (SAMPLE_INBOX / "eingang-0005.eml").read_text(encoding="utf-8").split("\n\n", 1)[1]
FAULTY_BODY = _MAILER.replace("PLZ: 12345", "PLZ: 1234")  # Sondernutzung, PLZ wrong


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _message(body: str, *attachments: tuple[str, bytes]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "formular@musterstadt.example"
    message["To"] = "posteingang@musterstadt.example"
    message["Subject"] = "Anträge"
    message.set_content(body)
    for name, data in attachments:
        message.add_attachment(data, maintype="application", subtype="json", filename=name)
    return message


def _mail(body: str, *attachments: tuple[str, bytes]) -> bytes:
    return _message(body, *attachments).as_bytes()


def _run_mail(env: Path, raw: bytes) -> IntakeSummary:
    """One intake run over an inbox holding just this e-mail."""
    inbox = env / "tenants" / "musterstadt" / "eingang"  # a path of its own tenant
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "post.eml").write_bytes(raw)
    return intake(tenant="musterstadt", source=str(inbox))


def _quarantine(env: Path, url: str) -> dict[str, QuarantineEntry]:
    """The quarantine entries by their document's SHA-256."""
    with _db(env, url) as s:
        rows = s.execute(
            select(QuarantineEntry, Document.sha256).join(
                Document, Document.id == QuarantineEntry.document_id
            )
        ).all()
        s.expunge_all()
        return {sha: entry for entry, sha in rows}


def _parsed_details(env: Path, url: str, raw: bytes) -> dict[str, Any]:
    """The details of the `parsed` audit event of an input (counts and codes only)."""
    with _db(env, url) as s:
        event = s.scalars(
            select(AuditEvent).where(
                AuditEvent.document_sha256 == _sha(raw), AuditEvent.action == "parsed"
            )
        ).one()
        return dict(event.details)


def _docs(env: Path, url: str) -> dict[str, Document]:
    with _db(env, url) as s:
        docs = {d.sha256: d for d in s.scalars(select(Document))}
        s.expunge_all()
        return docs


def test_same_named_attachments_quarantine_the_faulty_one(
    prefect_api: str, amtsflow_env: Path, database_url: str
) -> None:
    raw = _mail("Anbei zwei Anträge.", ("antrag.json", VALID_JSON), ("antrag.json", FAULTY_JSON))
    summary = _run_mail(amtsflow_env, raw)
    assert (summary.accepted, summary.quarantined, summary.cases_created) == (1, 0, 1)
    # the faulty form beside the case is in the run's tally, not only in the quarantine
    assert (summary.quarantined_parts, summary.part_reasons) == (1, {"invalid_fields": 1})
    docs = _docs(amtsflow_env, database_url)
    valid, faulty = docs[_sha(VALID_JSON)], docs[_sha(FAULTY_JSON)]
    assert valid.status == DocumentStatus.ACCEPTED and valid.form_type == "maengelmeldung"
    assert faulty.status == DocumentStatus.QUARANTINED
    assert faulty.form_type == "hundesteuer_anmeldung"
    quarantined = _quarantine(amtsflow_env, database_url)
    assert set(quarantined) == {faulty.sha256}  # not the valid one, though named alike
    assert quarantined[faulty.sha256].reason_code == "invalid_fields"
    assert "Hundesteuer" in quarantined[faulty.sha256].reason
    with _db(amtsflow_env, database_url) as s:
        case = s.scalars(select(Case)).one()
        assert case.document_id == valid.id and case.file_number.startswith("66.20-")
    assert docs[_sha(raw)].status == DocumentStatus.ACCEPTED

    again = _run_mail(amtsflow_env, raw)  # idempotent: nothing decided twice
    assert (again.accepted, again.quarantined, again.duplicates) == (0, 0, 1)
    assert set(_quarantine(amtsflow_env, database_url)) == {faulty.sha256}


def test_two_faulty_attachments_are_both_quarantined(
    prefect_api: str, amtsflow_env: Path, database_url: str
) -> None:
    raw = _mail("Anbei.", ("a.json", FAULTY_JSON), ("b.json", FAULTY_JSON_2))
    summary = _run_mail(amtsflow_env, raw)
    assert (summary.accepted, summary.quarantined, summary.cases_created) == (0, 1, 0)
    quarantined = _quarantine(amtsflow_env, database_url)
    # the tally counts every quarantine entry the run made: the e-mail and its two forms
    assert summary.quarantined + summary.quarantined_parts == len(quarantined) == 3
    first, second = quarantined[_sha(FAULTY_JSON)], quarantined[_sha(FAULTY_JSON_2)]
    assert first.reason_code == second.reason_code == "invalid_fields"
    assert "IBAN" in first.reason and "Postleitzahl" not in first.reason
    assert "Postleitzahl" in second.reason  # each with its own reason
    email = quarantined[_sha(raw)]  # the e-mail names both faults, not only the first
    assert "2 fehlerhaften Formularen" in email.reason
    assert "„a.json“" in email.reason and "„b.json“" in email.reason
    docs = _docs(amtsflow_env, database_url)
    assert all(d.status == DocumentStatus.QUARANTINED for d in docs.values())

    again = _run_mail(amtsflow_env, raw)
    assert (again.accepted, again.quarantined, again.duplicates) == (0, 0, 1)
    assert len(_quarantine(amtsflow_env, database_url)) == 3


def test_faulty_body_beside_a_valid_attachment_is_recorded(
    prefect_api: str, amtsflow_env: Path, database_url: str
) -> None:
    raw = _mail(FAULTY_BODY, ("maengel.json", VALID_JSON))
    summary = _run_mail(amtsflow_env, raw)
    assert (summary.accepted, summary.cases_created) == (1, 1)
    assert (summary.quarantined, summary.quarantined_parts) == (0, 1)  # the text's form
    with _db(amtsflow_env, database_url) as s:
        number = s.scalars(select(Case.file_number)).one()
    quarantined = _quarantine(amtsflow_env, database_url)
    assert set(quarantined) == {_sha(raw)}  # the body's form lives in the e-mail itself
    entry = quarantined[_sha(raw)]
    assert entry.reason_code == "invalid_fields"
    assert entry.reason.startswith("E-Mail-Text: Formular „Antrag auf Sondernutzung")
    assert number in entry.reason  # the clerk sees which case the e-mail already made
    assert [d["field"] for d in entry.details] == ["Postleitzahl (Antragsteller)"]
    docs = _docs(amtsflow_env, database_url)
    assert docs[_sha(VALID_JSON)].status == DocumentStatus.ACCEPTED
    assert docs[_sha(raw)].status == DocumentStatus.QUARANTINED
    assert docs[_sha(raw)].case_id is not None


def test_parts_left_out_of_an_email_are_recorded(
    prefect_api: str, amtsflow_env: Path, database_url: str
) -> None:
    inner = EmailMessage()
    inner.add_attachment(b"%PDF-1.7", maintype="application", subtype="pdf", filename="t.pdf")
    for _ in range(22):  # deeper than the parser follows MIME nesting
        outer = EmailMessage()
        outer.make_mixed()
        outer.attach(inner)
        inner = outer
    message = _message("Kein Formular.")
    message.make_mixed()
    message.attach(inner)
    raw = message.as_bytes()
    summary = _run_mail(amtsflow_env, raw)
    assert (summary.quarantined, summary.quarantine_reasons) == (1, {"email_no_form": 1})
    entry = _quarantine(amtsflow_env, database_url)[_sha(raw)]
    assert "1 Anhang/Anhänge bzw. Teil(e) der E-Mail wurden nicht übernommen" in entry.reason
    assert _parsed_details(amtsflow_env, database_url, raw)["dropped_parts"] == 1


# --- A forwarded e-mail (attached as message/rfc822): its body is a form --------------


def _forwarded(inner: EmailMessage) -> bytes:
    """A clerk's mail to the intake with a citizen's mail attached as message/rfc822."""
    outer = _message("Zur Bearbeitung weitergeleitet.")
    outer.add_attachment(inner, filename="weitergeleitet.eml")
    return outer.as_bytes()


def _forwarded_doc(env: Path, url: str, outer_sha: str) -> Document:
    """The attached mail's document: found by its parent, since its bytes are re-encoded."""
    docs = _docs(env, url)
    parent = docs[outer_sha]
    (doc,) = [d for d in docs.values() if d.parent_id == parent.id and d.kind == "eml"]
    return doc


def _row_counts(env: Path, url: str) -> list[int]:
    """Documents, cases and quarantine entries (a re-run only adds audit events)."""
    with _db(env, url) as s:
        return [
            s.scalar(select(func.count()).select_from(table)) or 0
            for table in (Document, Case, QuarantineEntry)
        ]


def test_forwarded_mail_with_a_valid_form_becomes_a_case(
    prefect_api: str, amtsflow_env: Path, database_url: str
) -> None:
    raw = _forwarded(_message(_MAILER))
    summary = _run_mail(amtsflow_env, raw)
    assert (summary.accepted, summary.quarantined, summary.cases_created) == (1, 0, 1)
    forwarded = _forwarded_doc(amtsflow_env, database_url, _sha(raw))
    assert forwarded.status == DocumentStatus.ACCEPTED
    assert forwarded.form_type == "sondernutzung"
    with _db(amtsflow_env, database_url) as s:
        case = s.scalars(select(Case)).one()
        assert case.document_id == forwarded.id  # the case is the forwarded mail's form
    outer = _docs(amtsflow_env, database_url)[_sha(raw)]
    assert outer.status == DocumentStatus.ACCEPTED and outer.case_id == case.id
    assert _quarantine(amtsflow_env, database_url) == {}
    rows = _row_counts(amtsflow_env, database_url)

    again = _run_mail(amtsflow_env, raw)  # idempotent: nothing decided twice
    assert (again.accepted, again.quarantined, again.duplicates) == (0, 0, 1)
    assert _row_counts(amtsflow_env, database_url) == rows


def test_forwarded_mail_with_a_faulty_form_is_quarantined_on_its_document(
    prefect_api: str, amtsflow_env: Path, database_url: str
) -> None:
    # the citizen's mail: a faulty form in its text, a valid one attached
    raw = _forwarded(_message(FAULTY_BODY, ("anlage.json", VALID_JSON)))
    summary = _run_mail(amtsflow_env, raw)
    assert (summary.accepted, summary.quarantined, summary.cases_created) == (1, 0, 1)
    assert (summary.quarantined_parts, summary.part_reasons) == (1, {"invalid_fields": 1})
    forwarded = _forwarded_doc(amtsflow_env, database_url, _sha(raw))
    assert forwarded.status == DocumentStatus.QUARANTINED
    assert forwarded.form_type == "sondernutzung"
    quarantined = _quarantine(amtsflow_env, database_url)
    assert set(quarantined) == {forwarded.sha256}  # the fault on the forwarded mail itself
    entry = quarantined[forwarded.sha256]
    assert entry.reason_code == "invalid_fields"
    assert [d["field"] for d in entry.details] == ["Postleitzahl (Antragsteller)"]
    assert "nicht nach Formularen durchsucht" not in entry.reason  # its attachment was
    docs = _docs(amtsflow_env, database_url)
    attached = docs[_sha(VALID_JSON)]  # the forwarded mail's attachment became the case
    assert attached.parent_id == forwarded.id and attached.status == DocumentStatus.ACCEPTED
    assert attached.source_name == "weitergeleitet.eml › anlage.json"
    with _db(amtsflow_env, database_url) as s:
        case = s.scalars(select(Case)).one()
        assert (case.document_id, case.form_type) == (attached.id, "maengelmeldung")
    assert _parsed_details(amtsflow_env, database_url, raw)["unsearched_forwarded_attachments"] == 0
    assert docs[_sha(raw)].status == DocumentStatus.ACCEPTED
    rows = _row_counts(amtsflow_env, database_url)

    again = _run_mail(amtsflow_env, raw)
    assert (again.accepted, again.quarantined, again.duplicates) == (0, 0, 1)
    assert _row_counts(amtsflow_env, database_url) == rows
    assert set(_quarantine(amtsflow_env, database_url)) == {forwarded.sha256}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("forwards", [MAX_FORWARD_DEPTH, MAX_FORWARD_DEPTH + 1])
def test_forwarded_mails_are_searched_down_to_the_depth_limit(
    prefect_api: str, amtsflow_env: Path, database_url: str, forwards: int
) -> None:
    inner = _message("Siehe Anlage.", ("anlage.json", VALID_JSON))
    for _ in range(forwards - 1):  # forwarded again and again, as attachments
        outer = _message("Zur Kenntnis.")
        outer.add_attachment(inner, filename="weitergeleitet.eml")
        inner = outer
    raw = _forwarded(inner)
    summary = _run_mail(amtsflow_env, raw)
    if forwards <= MAX_FORWARD_DEPTH:
        assert (summary.accepted, summary.cases_created) == (1, 1)
        assert _docs(amtsflow_env, database_url)[_sha(VALID_JSON)].status == "accepted"
        return
    # one level too deep: the form is not searched, nothing is lost, the clerk is told
    assert (summary.accepted, summary.quarantined) == (0, 1)
    assert _sha(VALID_JSON) not in _docs(amtsflow_env, database_url)
    entry = _quarantine(amtsflow_env, database_url)[_sha(raw)]
    assert entry.reason_code == "email_no_form"
    assert "1 Anhang/Anhänge einer weitergeleiteten (angehängten) E-Mail" in entry.reason


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_forwarded_mails_share_one_budget_of_parts(
    prefect_api: str, amtsflow_env: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(email_intake, "MAX_FORWARDED_PARTS", 1)
    outer = _message("Zwei weitergeleitete Mails.")
    for attached in (VALID_JSON, FAULTY_JSON):
        outer.add_attachment(_message("Siehe Anlage.", ("anlage.json", attached)))
    raw = outer.as_bytes()
    summary = _run_mail(amtsflow_env, raw)
    assert (summary.accepted, summary.cases_created, summary.quarantined_parts) == (1, 1, 0)
    docs = _docs(amtsflow_env, database_url)
    assert docs[_sha(VALID_JSON)].status == DocumentStatus.ACCEPTED  # within the budget
    assert _sha(FAULTY_JSON) not in docs  # past it: left inside the stored mail, noted
    assert _parsed_details(amtsflow_env, database_url, raw)["unsearched_forwarded_attachments"] == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_file_still_being_written_waits_for_the_next_run(
    prefect_api: str, amtsflow_env: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMTSFLOW_INTAKE_SETTLE_S", "60")
    inbox = amtsflow_env / "tenants" / "musterstadt" / "eingang"
    inbox.mkdir(parents=True)
    done, copying = inbox / "fertig.json", inbox / "kopie.json"
    done.write_bytes(VALID_JSON)
    old = time.time() - 3600
    os.utime(done, (old, old))
    copying.write_bytes(FAULTY_JSON[: len(FAULTY_JSON) // 2])  # half copied, just now
    first = intake(tenant="musterstadt", source=str(inbox))
    assert (first.files, first.accepted, first.still_writing) == (1, 1, 1)
    assert _sha(copying.read_bytes()) not in _docs(amtsflow_env, database_url)
    copying.write_bytes(FAULTY_JSON)  # the copy finished a while ago
    os.utime(copying, (old, old))
    second = intake(tenant="musterstadt", source=str(inbox))
    assert (second.files, second.duplicates, second.still_writing) == (2, 1, 0)
    assert _sha(FAULTY_JSON) in _docs(amtsflow_env, database_url)


def test_a_file_name_the_database_cannot_hold_does_not_stop_the_intake(
    prefect_api: str, amtsflow_env: Path, database_url: str
) -> None:
    # a Latin-1 name from an old SMB client: undecodable bytes in the name
    inbox = amtsflow_env / "tenants" / "musterstadt" / "eingang"
    inbox.mkdir(parents=True)
    (inbox / os.fsdecode(b"Antrag_M\xfcller.json")).write_bytes(VALID_JSON)
    (inbox / "zweites.json").write_bytes(FAULTY_JSON)
    summary = intake(tenant="musterstadt", source=str(inbox))
    assert (summary.files, summary.accepted, summary.quarantined) == (2, 1, 1)
    docs = _docs(amtsflow_env, database_url)
    assert docs[_sha(VALID_JSON)].source_name == "Antrag_M\ufffdller.json"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_shown_names_are_always_storable(name: str) -> None:
    shown = shown_name(name)
    if shown is not None:
        shown.encode("utf-8")  # no lone surrogates left
        assert "\x00" not in shown and len(shown) <= 255
        assert all(ch.isprintable() for ch in shown)


def test_an_attachment_name_with_a_nul_is_shown_not_fatal(
    prefect_api: str, amtsflow_env: Path, database_url: str
) -> None:
    raw = _mail("Anbei.", ("fehlerXXhaft.json", FAULTY_JSON))
    raw = raw.replace(b"XX", b"\x00")  # a crafted header: NUL in the file name
    summary = _run_mail(amtsflow_env, raw)
    assert summary.errors == 0 and summary.quarantined == 1  # the e-mail names its part
    entry = _quarantine(amtsflow_env, database_url)[_sha(raw)]
    assert "fehler\ufffdhaft.json" in str(entry.reason)
