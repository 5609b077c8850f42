"""`amtsflow quarantine retry`: a parked document goes through intake again once mended.

The fault is the broken acknowledgement template of `test_intake_failures` (a defect an
IT provider fixes with a release): the form is parked as `internal_error`, the night
archives its drop file, and after the fix the operator sends it through again. Before,
nothing but editing the database by hand could do that: registering the same bytes
again made them a duplicate of the parked document.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import app
from connectors.storage import TenantStorage
from models.db import AuditEvent, Case, Document, DocumentStatus, QuarantineEntry
from tasks import requeue as requeue_module
from tasks.intake_context import Outcome
from tasks.requeue import RequeueError, requeue
from tests.conftest import SAMPLE_INBOX
from tests.test_intake_failures import (
    VALID_FORM,
    BrokenTemplate,
    documents,
    intake_context,
    run_once,
)


@pytest.fixture
def drop(
    amtsflow_env: Path, tenants_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Musterstadt's drop folder, its own for this test; documents park at the first fault."""
    folder = tmp_path / "drop"
    folder.mkdir()
    config = tenants_dir / "musterstadt.yaml"
    text = config.read_text(encoding="utf-8").replace(str(SAMPLE_INBOX), str(folder))
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("AMTSFLOW_INTAKE_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AMTSFLOW_INTAKE_GIVE_UP_AFTER_H", "0")
    return folder


def retry(*args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(app, ["quarantine", "retry", "--tenant", "musterstadt", *args])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def park(drop: Path, name: str, data: bytes) -> Document:
    """Intake with the broken template parks the file; the night takes its drop file away."""
    (drop / name).write_bytes(data)
    [result] = run_once(BrokenTemplate(failures=100), drop)
    assert (result.outcome, result.reason_code) == (Outcome.QUARANTINED, "internal_error")
    (drop / name).unlink()
    return next(d for d in documents(BrokenTemplate(0)) if d.parent_id is None)


def mail_with_form() -> bytes:
    mail = EmailMessage()
    mail["Subject"] = "Antrag"
    mail.set_content("Anbei mein Antrag.")
    mail.add_attachment(VALID_FORM, maintype="application", subtype="json", filename="a.json")
    return mail.as_bytes()


def events(action: str) -> list[AuditEvent]:
    with intake_context(BrokenTemplate(0)) as ctx, ctx.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_parked_form_is_decided_again_after_the_fix(drop: Path, amtsflow_env: Path) -> None:
    doc = park(drop, "eingang-0002.json", VALID_FORM)
    note = TenantStorage(amtsflow_env, "musterstadt").quarantine_note(doc.sha256)
    assert note.exists()
    answer = retry(doc.sha256[:12], "--json")
    assert answer == {
        "sha256": doc.sha256,
        "drop_folder": str(drop),
        "drop_name": "eingang-0002.json",
        "reason_code": "internal_error",
        "parts": 0,
    }
    assert (drop / "eingang-0002.json").read_bytes() == VALID_FORM
    assert sorted(p.name for p in drop.iterdir()) == ["eingang-0002.json"]  # no staged copy
    assert not note.exists()
    [again] = documents(BrokenTemplate(0))
    assert (again.status, again.failed_attempts, again.first_failed_at) == ("received", 0, None)
    [event] = events("requeued")
    assert (event.actor, event.document_sha256) == ("cli:operator", doc.sha256)
    assert event.details == {"reason_code": "internal_error", "parts": 0}

    [result] = run_once(BrokenTemplate(failures=0), drop)  # the fixed release
    assert result.outcome is Outcome.ACCEPTED and result.file_numbers
    with intake_context(BrokenTemplate(0)) as ctx, ctx.session() as session:
        assert session.scalars(select(QuarantineEntry)).all() == []
        [case] = session.scalars(select(Case)).all()
        assert case.document_id == doc.id


def test_an_email_is_decided_again_with_the_parts_parked_with_it(drop: Path) -> None:
    email = park(drop, "post.eml", mail_with_form())
    parts = [d for d in documents(BrokenTemplate(0)) if d.parent_id == email.id]
    assert [p.status for p in parts] == [DocumentStatus.ATTACHMENT]

    assert retry(email.sha256[:10], "--json")["parts"] == 1
    assert {d.status for d in documents(BrokenTemplate(0))} == {DocumentStatus.RECEIVED}
    [result] = run_once(BrokenTemplate(failures=0), drop)
    assert result.outcome is Outcome.ACCEPTED and result.file_numbers


def test_a_part_of_an_email_is_sent_back_with_its_email(drop: Path) -> None:
    email = park(drop, "post.eml", mail_with_form())
    [part] = [d for d in documents(BrokenTemplate(0)) if d.parent_id == email.id]
    error = retry(part.sha256, "--json", code=2)["error"]
    assert f"E-Mail {email.sha256[:12]}" in error
    assert list(drop.iterdir()) == []


def test_reasons_of_the_document_itself_are_refused(drop: Path) -> None:
    (drop / "notiz.txt").write_text("Bitte um Rückruf.", encoding="utf-8")
    [result] = run_once(BrokenTemplate(0), drop)
    assert (result.outcome, result.reason_code) == (Outcome.QUARANTINED, "parse_unsupported")
    (drop / "notiz.txt").unlink()
    [doc] = documents(BrokenTemplate(0))
    error = retry(doc.sha256[:12], "--json", code=2)["error"]
    assert "„parse_unsupported“" in error and "ergäbe dasselbe" in error
    assert list(drop.iterdir()) == []
    assert documents(BrokenTemplate(0))[0].status == DocumentStatus.QUARANTINED
    assert events("requeued") == []


@pytest.mark.parametrize(
    ("given", "says"),
    [("abc", "mindestens 8 Zeichen"), ("xyz12345", "kein Prüfsummen-Anfang")],
)
def test_a_malformed_checksum_is_refused(drop: Path, given: str, says: str) -> None:
    park(drop, "eingang-0002.json", VALID_FORM)
    assert says in retry(given, "--json", code=2)["error"]


def test_another_municipalitys_document_is_not_found(drop: Path, tmp_path: Path) -> None:
    doc = park(drop, "eingang-0002.json", VALID_FORM)
    with intake_context(BrokenTemplate(0)) as ctx:
        elsewhere = tmp_path / "nebenan-eingang"
        elsewhere.mkdir()
        with ctx.session() as mine:  # the tenant's own session finds it ...
            assert mine.get(Document, doc.id) is not None
        from connectors.database import tenant_session

        with tenant_session(ctx.engine, "nebenan") as theirs, pytest.raises(RequeueError) as err:
            requeue(
                theirs,
                TenantStorage(ctx.settings.home, "nebenan"),
                elsewhere,
                doc.sha256,
                actor="cli:operator",
            )
    assert "Kein Dokument dieser Gemeinde" in str(err.value)
    assert list(elsewhere.iterdir()) == []
    assert documents(BrokenTemplate(0))[0].status == DocumentStatus.QUARANTINED


def test_a_name_in_use_is_kept_and_the_copy_named_beside_it(drop: Path) -> None:
    doc = park(drop, "eingang-0002.json", VALID_FORM)
    (drop / "eingang-0002.json").write_bytes(b"ein anderer Antrag mit demselben Namen")
    assert retry(doc.sha256[:12], "--json")["drop_name"] == "eingang-0002 (erneut 2).json"
    assert (drop / "eingang-0002.json").read_bytes() == b"ein anderer Antrag mit demselben Namen"
    assert (drop / "eingang-0002 (erneut 2).json").read_bytes() == VALID_FORM


def test_a_missing_drop_folder_changes_nothing(drop: Path) -> None:
    doc = park(drop, "eingang-0002.json", VALID_FORM)
    drop.rmdir()
    error = retry(doc.sha256[:12], "--json", code=2)["error"]
    assert "nicht beschreibbar" in error and str(drop) in error
    [still] = documents(BrokenTemplate(0))
    assert still.status == DocumentStatus.QUARANTINED
    assert events("requeued") == []


def test_a_crash_before_the_copy_was_placed_is_mended_by_the_same_command(drop: Path) -> None:
    """Lifted and audited, then the process died before naming the copy: not stuck."""
    doc = park(drop, "eingang-0002.json", VALID_FORM)
    with intake_context(BrokenTemplate(0)) as ctx, ctx.session() as session:
        found = requeue_module.find_document(session, doc.sha256)
        entry = requeue_module._check(session, found)
        requeue_module._lift(session, found, entry, "cli:operator")  # the crash point
    [waiting] = documents(BrokenTemplate(0))
    assert waiting.status == DocumentStatus.RECEIVED and list(drop.iterdir()) == []
    answer = retry(doc.sha256[:12], "--json")
    assert (answer["drop_name"], answer["reason_code"]) == ("eingang-0002.json", None)
    [result] = run_once(BrokenTemplate(failures=0), drop)
    assert result.outcome is Outcome.ACCEPTED
    assert retry(doc.sha256[:12], "--json", code=2)["error"].endswith("(Status accepted)")


def test_a_second_request_while_the_copy_waits_is_refused(drop: Path) -> None:
    doc = park(drop, "eingang-0002.json", VALID_FORM)
    retry(doc.sha256[:12], "--json")
    error = retry(doc.sha256[:12], "--json", code=2)["error"]
    assert f"wartet schon im Eingang: {drop / 'eingang-0002.json'}" in error
    assert sorted(p.name for p in drop.iterdir()) == ["eingang-0002.json"]  # one copy only
    assert [e.action for e in events("requeue_placed")] == ["requeue_placed"]


def test_a_placed_copy_that_went_missing_is_placed_again(drop: Path) -> None:
    """The share is others' too: a copy deleted before intake ran must not strand it."""
    doc = park(drop, "eingang-0002.json", VALID_FORM)
    retry(doc.sha256[:12], "--json")
    (drop / "eingang-0002.json").rename(drop / "umbenannt.txt")  # a clerk tidied up
    (drop / "umbenannt.txt").write_bytes(b"etwas anderes")
    answer = retry(doc.sha256[:12], "--json")
    assert (answer["drop_name"], answer["reason_code"]) == ("eingang-0002.json", None)
    outcomes = sorted(r.outcome for r in run_once(BrokenTemplate(0), drop))
    assert Outcome.ACCEPTED in outcomes  # the form; the tidied file is no form
    assert documents(BrokenTemplate(0))[0].status == DocumentStatus.ACCEPTED


def test_a_document_waiting_as_usual_keeps_its_count(
    drop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not parked: a retry must not reset the failure count that decides when to give up."""
    monkeypatch.setenv("AMTSFLOW_INTAKE_MAX_ATTEMPTS", "3")
    (drop / "eingang-0002.json").write_bytes(VALID_FORM)
    run_once(BrokenTemplate(failures=100), drop)
    [doc] = documents(BrokenTemplate(0))
    assert (doc.status, doc.failed_attempts) == (DocumentStatus.RECEIVED, 1)
    error = retry(doc.sha256[:12], "--json", code=2)["error"]
    assert f"wartet schon im Eingang: {drop / 'eingang-0002.json'}" in error
    (drop / "eingang-0002.json").unlink()  # lost from the share: placed, count kept
    assert retry(doc.sha256[:12], "--json")["reason_code"] is None
    [waiting] = documents(BrokenTemplate(0))
    assert (waiting.status, waiting.failed_attempts) == (DocumentStatus.RECEIVED, 1)


def test_a_copy_that_cannot_be_named_leaves_the_document_in_quarantine(
    drop: Path, amtsflow_env: Path
) -> None:
    """Every name in use (a real failure after the database agreed): put back as it was."""
    doc = park(drop, "eingang-0002.json", VALID_FORM)
    with intake_context(BrokenTemplate(0)) as ctx, ctx.session() as session:
        before = session.scalars(select(QuarantineEntry)).one()
    taken = ["eingang-0002.json", *(f"eingang-0002 (erneut {n}).json" for n in range(2, 100))]
    for name in [*taken, f"{doc.sha256[:12]}.json"]:
        (drop / name).write_bytes(b"belegt")
    error = retry(doc.sha256[:12], "--json", code=2)["error"]
    assert "bleibt in Quarantäne" in error and "FileExistsError" in error
    assert not any(p.name.startswith(".amtsflow-") for p in drop.iterdir())  # no staged copy
    [still] = documents(BrokenTemplate(0))
    assert (still.status, still.failed_attempts) == (DocumentStatus.QUARANTINED, 1)
    with intake_context(BrokenTemplate(0)) as ctx, ctx.session() as session:
        after = session.scalars(select(QuarantineEntry)).one()
        assert (after.reason_code, after.reason) == (before.reason_code, before.reason)
    assert TenantStorage(amtsflow_env, "musterstadt").quarantine_note(doc.sha256).exists()
    assert [e.details for e in events("requeue_failed")] == [{"restored": True}]
    (drop / "eingang-0002.json").unlink()  # room again: the same command now succeeds
    assert retry(doc.sha256[:12], "--json")["drop_name"] == "eingang-0002.json"


def test_the_quarantine_list_names_the_command_that_sends_it_again(drop: Path) -> None:
    doc = park(drop, "eingang-0002.json", VALID_FORM)
    listed = CliRunner().invoke(app, ["quarantine", "list", "--tenant", "musterstadt"])
    assert listed.exit_code == 0 and "[internal_error]" in listed.stdout
    [hint] = [line for line in listed.stdout.splitlines() if "nach Behebung:" in line]
    command = hint.split("amtsflow ", 1)[1].split()
    assert command == ["quarantine", "retry", "--tenant", "musterstadt", doc.sha256[:12]]
    assert CliRunner().invoke(app, [*command, "--json"]).exit_code == 0  # as printed
    assert (drop / "eingang-0002.json").read_bytes() == VALID_FORM


def test_a_crash_then_a_copy_that_cannot_be_named_can_be_mended_later(drop: Path) -> None:
    """Found in review: this left the document waiting without file or entry, for good."""
    doc = park(drop, "eingang-0002.json", VALID_FORM)
    with intake_context(BrokenTemplate(0)) as ctx, ctx.session() as session:
        found = requeue_module.find_document(session, doc.sha256)
        requeue_module._lift(session, found, requeue_module._check(session, found), "op")
    taken = ["eingang-0002.json", *(f"eingang-0002 (erneut {n}).json" for n in range(2, 100))]
    for name in [*taken, f"{doc.sha256[:12]}.json"]:
        (drop / name).write_bytes(b"belegt")
    error = retry(doc.sha256[:12], "--json", code=2)["error"]
    assert "derselbe Befehl legt es erneut ab" in error and "Quarantäne" not in error
    (drop / "eingang-0002.json").unlink()
    assert retry(doc.sha256[:12], "--json")["drop_name"] == "eingang-0002.json"


def test_a_file_waiting_in_another_source_is_found_first(
    drop: Path, tenants_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found in review: only the first source was searched, so a second copy was placed."""
    web = tmp_path / "web"
    web.mkdir()
    config = tenants_dir / "musterstadt.yaml"
    text = config.read_text(encoding="utf-8")
    entry = f"  - name: postfach\n    path: {drop}\n"
    assert entry in text
    config.write_text(text.replace(entry, f"{entry}  - name: web\n    path: {web}\n"), "utf-8")
    monkeypatch.setenv("AMTSFLOW_INTAKE_MAX_ATTEMPTS", "3")
    (web / "antrag.json").write_bytes(VALID_FORM)
    run_once(BrokenTemplate(failures=100), web)  # waits as usual, its file in `web`
    [doc] = documents(BrokenTemplate(0))
    error = retry(doc.sha256[:12], "--json", code=2)["error"]
    assert f"wartet schon im Eingang: {web / 'antrag.json'}" in error
    assert list(drop.iterdir()) == []
