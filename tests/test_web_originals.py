"""Originals for the clerk: the Quarantäne page and the document of a review item.

Before, the quarantine reasons (written for the clerk) were only listed by the
operator's command line, and a reviewer had to decide a document's category without
being able to open it. Only the tenant's own; originals are downloads, never pages, and
withheld where the reader was stopped at its limits.
"""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select

from connectors.database import tenant_session
from connectors.documents import ParserPool
from connectors.dropfolder import scan
from connectors.storage import TenantStorage
from models.db import AuditEvent, Document, DocumentStatus, QuarantineEntry
from models.settings import Settings
from tasks.intake_batch import process_batch
from tasks.intake_context import Outcome
from tasks.intake_setup import open_context
from tests.conftest import SAMPLE_INBOX
from tests.conftest_documents import slow_pdf
from tests.conftest_web import (  # noqa: F401
    WebWorld,
    review_letter,
    seed_tenant,
    web_world_fixture,
)

FORM = b'{"formular": "hundesteuer_anmeldung", "name": ""}'


def seed(world: WebWorld, tenant: str) -> dict[str, int]:
    """Three entries: a form with a missing field, a hostile PDF, a file kept out for size."""
    storage = TenantStorage(world.home, tenant)
    ids: dict[str, int] = {}
    with tenant_session(world.engine, tenant) as session:
        for key, data, name, code, reason, stored in [
            (
                "invalid",
                FORM + tenant.encode(),
                f"<b>{tenant}</b>-antrag.json",
                "invalid_fields",
                "Das Formular ist unvollständig.",
                True,
            ),
            (
                "hostile",
                b"%PDF-1.7 " + tenant.encode(),
                f"{tenant}-bombe.pdf",
                "parse_timeout",
                "Das Lesen der Datei (PDF) dauerte zu lange.",
                True,
            ),
            (
                "large",
                b"x" + tenant.encode(),
                f"{tenant}-riesig.pdf",
                "parse_too_large",
                "Die Datei ist größer als 50 MB.",
                False,
            ),
        ]:
            sha = storage.store_bytes(data).sha256 if stored else hashlib.sha256(data).hexdigest()
            doc = Document(
                sha256=sha,
                size=len(data),
                source_name=name,
                kind="json",
                status=DocumentStatus.QUARANTINED,
            )
            session.add(doc)
            session.flush()
            details = (
                [{"field": "name", "message": "Pflichtfeld fehlt"}] if key == "invalid" else []
            )
            entry = QuarantineEntry(
                document_id=doc.id, reason_code=code, reason=reason, details=details
            )
            session.add(entry)
            session.flush()
            ids[key] = entry.id
        session.commit()
    return ids


def test_the_clerk_sees_the_own_quarantine_with_reasons(web_world: WebWorld) -> None:
    own = seed(web_world, "musterstadt")
    seed(web_world, "nebenan")
    anna = web_world.login("anna")
    page = anna.get("/quarantaene")
    assert page.status_code == 200
    assert "3 Dokumente in Quarantäne" in page.text
    assert "&lt;b&gt;musterstadt&lt;/b&gt;-antrag.json" in page.text  # escaped, not markup
    assert "Das Formular ist unvollständig." in page.text and "Pflichtfeld fehlt" in page.text
    assert "nebenan" not in page.text
    assert f'href="/quarantaene/{own["invalid"]}/original"' in page.text
    assert f"/quarantaene/{own['hostile']}/original" not in page.text
    assert "möglicherweise schädlich" in page.text and "nicht gespeichert" in page.text
    assert 'href="/quarantaene" aria-current="page"' in page.text  # in the navigation
    paula = web_world.login("paula")  # a reviewer may look too
    assert paula.get("/quarantaene").status_code == 200


def test_an_original_is_a_download_audited_and_only_the_own(web_world: WebWorld) -> None:
    own = seed(web_world, "musterstadt")
    foreign = seed(web_world, "nebenan")
    anna = web_world.login("anna")
    download = anna.get(f"/quarantaene/{own['invalid']}/original")
    assert download.status_code == 200
    assert download.content == FORM + b"musterstadt"
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "antrag.json" in download.headers["content-disposition"]
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["cache-control"] == "no-store"
    for withheld in (own["hostile"], own["large"], *foreign.values(), 999_999):
        assert anna.get(f"/quarantaene/{withheld}/original").status_code == 404
    with tenant_session(web_world.engine, "musterstadt") as session:
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "document_downloaded")
        ).all()
        assert (event.actor, event.details["document"]) == ("user:anna", "original")
        doc = session.scalars(select(Document).where(Document.source_name.endswith("antrag.json")))
        assert event.document_sha256 == doc.one().sha256


def test_without_login_the_page_leads_to_the_login(web_world: WebWorld) -> None:
    response = web_world.client().get("/quarantaene")
    assert response.status_code == 303 and response.headers["location"].startswith("/anmelden")


def test_the_reviewer_can_open_the_document_to_decide(web_world: WebWorld) -> None:
    [own] = seed_tenant(web_world, "musterstadt")["reviews"]
    [foreign] = seed_tenant(web_world, "nebenan")["reviews"]
    paula = web_world.login("paula")
    queue = paula.get("/pruefen")
    assert f'href="/pruefen/{own}/original"' in queue.text
    download = paula.get(f"/pruefen/{own}/original")
    assert download.status_code == 200 and download.content == review_letter("musterstadt")
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert paula.get(f"/pruefen/{foreign}/original").status_code == 404
    carl = web_world.login("carl")  # a clerk without the reviewer role has no queue
    assert carl.get(f"/pruefen/{own}/original").status_code == 404
    with tenant_session(web_world.engine, "musterstadt") as session:
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "document_downloaded")
        ).all()
        assert (event.actor, event.details) == (
            "user:paula",
            {"document": "original", "review_id": own},
        )


def test_an_email_holding_a_hostile_part_is_not_offered(
    web_world: WebWorld, tmp_path: Path
) -> None:
    """Found in review: the e-mail's reason names its invalid form, and the attachment
    whose reading timed out got no entry of its own, so the `.eml` carrying it was
    offered. Built by a real intake run (reader limit 0.5 s, a PDF that takes seconds)."""
    mail = EmailMessage()
    mail["Subject"] = "Antrag"
    mail.set_content("Anbei.")
    invalid = (SAMPLE_INBOX / "eingang-0003.json").read_bytes()  # an invalid IBAN
    mail.add_attachment(invalid, maintype="application", subtype="json", filename="a.json")
    mail.add_attachment(slow_pdf(), maintype="application", subtype="pdf", filename="b.pdf")
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "post.eml").write_bytes(mail.as_bytes())
    with ParserPool(workers=1, timeout_s=0.5, memory_mb=512, max_bytes=2**22) as parser:
        ctx = open_context(Settings(), "musterstadt", parser, None)
        try:
            [result] = process_batch(ctx, scan(drop))
        finally:
            ctx.engine.dispose()
    assert (result.outcome, result.reason_code) == (Outcome.QUARANTINED, "invalid_fields")
    anna = web_world.login("anna")
    page = anna.get("/quarantaene")
    with tenant_session(web_world.engine, "musterstadt") as session:
        found = session.execute(
            select(QuarantineEntry.id, QuarantineEntry.reason_code, Document.source_name).join(
                Document, Document.id == QuarantineEntry.document_id
            )
        ).all()
    entries = {entry_id: code for entry_id, code, _ in found}
    [mail_entry] = [entry_id for entry_id, _, name in found if name == "post.eml"]
    assert sorted(entries.values()) == ["invalid_fields", "invalid_fields"]  # mail, a.json
    assert f"/quarantaene/{mail_entry}/original" not in page.text
    assert anna.get(f"/quarantaene/{mail_entry}/original").status_code == 404
    others = [i for i in entries if i != mail_entry]
    assert all(f"/quarantaene/{i}/original" in page.text for i in others)  # a.json alone


def test_a_head_request_is_no_audited_download(web_world: WebWorld) -> None:
    own = seed(web_world, "musterstadt")
    [review] = seed_tenant(web_world, "musterstadt")["reviews"]
    anna = web_world.login("anna")
    for path in (f"/quarantaene/{own['invalid']}/original", f"/pruefen/{review}/original"):
        response = anna.head(path)
        assert response.status_code == 405 and response.headers["allow"] == "GET"
    with tenant_session(web_world.engine, "musterstadt") as session:
        downloads = select(AuditEvent).where(AuditEvent.action == "document_downloaded")
        assert session.scalars(downloads).all() == []
