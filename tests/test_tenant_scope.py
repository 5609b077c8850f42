"""Tenant isolation in the database: no query path ignores the tenant."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors.database import tenant_session
from models.db import Case, Document, Tenant
from models.tenant_scope import TenantScopeError


def _seed(engine: Engine) -> None:
    with Session(engine) as s:
        s.add_all(
            [
                Tenant(slug="a-stadt", name="A", ags="09999001"),
                Tenant(slug="b-dorf", name="B", ags="09999002"),
            ]
        )
        s.commit()
    for slug in ("a-stadt", "b-dorf"):
        with tenant_session(engine, slug) as s:
            doc = Document(sha256=slug[0] * 64, size=1)
            s.add(doc)
            s.flush()
            s.add(
                Case(
                    file_number=f"{slug}-1",
                    form_type="x",
                    department_code="1",
                    document_id=doc.id,
                    data={},
                )
            )
            s.commit()


def test_each_session_sees_only_its_tenant(engine: Engine) -> None:
    _seed(engine)
    with tenant_session(engine, "a-stadt") as s:
        assert [c.file_number for c in s.scalars(select(Case))] == ["a-stadt-1"]
        joined = s.execute(
            select(Case.file_number, Document.sha256).join(
                Document, Document.id == Case.document_id
            )
        ).all()
        assert joined == [("a-stadt-1", "a" * 64)]
        # another tenant's id typed in: not found
        with tenant_session(engine, "b-dorf") as theirs:
            other = theirs.scalar(select(Case.id))
        assert other is not None and s.get(Case, other) is None


def test_bulk_update_and_delete_stay_inside_the_tenant(engine: Engine) -> None:
    _seed(engine)
    with tenant_session(engine, "a-stadt") as s:
        s.execute(update(Case).values(status="erledigt"))
        s.execute(delete(Case).where(Case.file_number == "b-dorf-1"))
        s.commit()
        assert s.scalars(select(Case.status)).all() == ["erledigt"]  # its own: updated
    with tenant_session(engine, "b-dorf") as s:
        case = s.scalars(select(Case)).one()
        assert case.status == "eingegangen"


def test_writing_another_tenants_row_is_refused(engine: Engine) -> None:
    _seed(engine)
    with tenant_session(engine, "a-stadt") as s:
        s.add(Document(tenant_id="b-dorf", sha256="c" * 64, size=1))
        with pytest.raises(TenantScopeError, match="andere Gemeinde"):
            s.flush()


def test_a_session_without_tenant_cannot_query_tenant_rows(engine: Engine) -> None:
    _seed(engine)
    with (
        Session(engine) as s,
        pytest.raises(TenantScopeError, match="Abfrage auf Mandantendaten ohne Gemeinde"),
    ):
        s.scalars(select(Case)).all()


def test_a_failed_write_does_not_quote_its_values(engine: Engine) -> None:
    """Error texts reach the run's log: the citizen's file name must not be in them."""
    _seed(engine)
    with tenant_session(engine, "a-stadt") as s:
        s.add(Document(sha256="a" * 64, size=1, source_name="Antrag_Erika_Mustermann.pdf"))
        with pytest.raises(IntegrityError) as failed:
            s.flush()
    assert "documents" in str(failed.value)  # the statement is named, its values are not
    assert "Mustermann" not in str(failed.value)
