"""The intake flow end to end: real Prefect server, real databases, real documents."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import docx
import pytest
from prefect.client.orchestration import get_client
from sqlalchemy import func, select

from connectors.database import make_engine, tenant_session
from flows.intake import intake
from models.db import AuditEvent, Case, Document, DocumentStatus, QuarantineEntry
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
