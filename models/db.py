"""The SQLAlchemy schema. Every table except `tenants` belongs to a tenant.

Tenant isolation is enforced by the session (see `models.tenant_scope`), not by the
discipline of each query: every mapped class here derives from `TenantScoped`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements only INTEGER


def utcnow() -> datetime:
    """Timestamps are stored in UTC; pages convert to Europe/Berlin."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base with deterministic constraint names (stable migrations)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Tenant(Base):
    """A municipality known to this installation (mirrors its tenant file)."""

    __tablename__ = "tenants"

    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    ags: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TenantScoped(Base):
    """Abstract base: a row that belongs to exactly one tenant."""

    __abstract__ = True

    tenant_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("tenants.slug", ondelete="RESTRICT"), index=True
    )


class DocumentStatus:
    """Where a stored document ended; every input ends in one of the final states."""

    RECEIVED = "received"  # stored, not yet decided (a crash leaves this; re-run resumes)
    ACCEPTED = "accepted"  # became (or carried) a case
    QUARANTINED = "quarantined"
    ATTACHMENT = "attachment"  # supporting file of an e-mail, kept with its parent
    DUPLICATE = "duplicate"  # new bytes, but its only form was already received elsewhere
    FINAL = frozenset({ACCEPTED, QUARANTINED, ATTACHMENT, DUPLICATE})


class Document(TenantScoped):
    """An original as received, addressed by its SHA-256 in the document store."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("tenant_id", "sha256", name="uq_documents_tenant_sha"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    source_name: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str | None] = mapped_column(String(16))
    form_type: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default=DocumentStatus.RECEIVED)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", use_alter=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Runs whose decision of this document broke on an unforeseen error, and since
    #: when; at the installation's limits it goes to quarantine (`decision_failure`).
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Case(TenantScoped):
    """A Vorgang: one validated submission, with its file number and department."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("tenant_id", "file_number", name="uq_cases_tenant_file_number"),
        UniqueConstraint("tenant_id", "document_id", name="uq_cases_tenant_document"),
        Index("ix_cases_tenant_form_created", "tenant_id", "form_type", "created_at"),
        # the clerks' pages (issue 5): newest first, by department, by producing run
        Index("ix_cases_tenant_created", "tenant_id", "created_at"),
        Index("ix_cases_tenant_dept_created", "tenant_id", "department_code", "created_at"),
        Index("ix_cases_tenant_flow_run", "tenant_id", "flow_run_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    file_number: Mapped[str] = mapped_column(String(60))
    form_type: Mapped[str] = mapped_column(String(40))
    department_code: Mapped[str] = mapped_column(String(20))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    status: Mapped[str] = mapped_column(String(20), default="eingegangen")
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    acknowledgement: Mapped[str | None] = mapped_column(String(300))
    flow_run_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FileNumberCounter(TenantScoped):
    """Last sequence number given per department and year (row-locked on allocation)."""

    __tablename__ = "file_number_counters"

    tenant_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("tenants.slug", ondelete="RESTRICT"), primary_key=True
    )
    department_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class QuarantineEntry(TenantScoped):
    """A document that could not become a case, with the reason a clerk reads."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("tenant_id", "document_id", name="uq_quarantine_doc"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    reason_code: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[list[Any]] = mapped_column(JSON, default=list)
    flow_run_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(TenantScoped):
    """What happened, when, to which input (hash) and in which flow run.

    `details` holds codes, counts, hashes and file numbers only: never personal data.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_tenant_sha", "tenant_id", "document_sha256"),
        # a run is started once: two presses racing in the web app record one event
        Index(
            "uq_audit_run_started",
            "tenant_id",
            "flow_run_id",
            unique=True,
            sqlite_where=text("action = 'run_started'"),
            postgresql_where=text("action = 'run_started'"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(80))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(BigInteger)
    flow_run_id: Mapped[str | None] = mapped_column(String(36))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DocumentText(TenantScoped):
    """Text extracted for classification (bounded); kept so retraining needs no re-parse."""

    __tablename__ = "document_texts"
    __table_args__ = (UniqueConstraint("tenant_id", "document_id", name="uq_texts_doc"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    text: Mapped[str] = mapped_column(Text)
    needs_ocr: Mapped[bool] = mapped_column(default=False)
    extracted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ClassificationStatus:
    """Where a document's label came from."""

    AUTO = "auto"  # accepted without a clerk
    REVIEW = "review"  # waits for a clerk
    CONFIRMED = "confirmed"  # a clerk confirmed the suggestion
    CORRECTED = "corrected"  # a clerk chose another label
    NEEDS_OCR = "needs_ocr"  # no text layer: not classified from nothing
    UNREADABLE = "unreadable"  # the parser could not read it (damaged, encrypted, ...)
    FAILED = "failed"  # no backend could answer (e.g. Ollama down); retried next run
    DECIDED = frozenset({CONFIRMED, CORRECTED})


class Classification(TenantScoped):
    """A document's label, who or what gave it, and how sure it was."""

    __tablename__ = "classifications"
    __table_args__ = (UniqueConstraint("tenant_id", "document_id", name="uq_class_doc"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    status: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(80))
    suggestion: Mapped[str | None] = mapped_column(String(80))
    confidence: Mapped[float] = mapped_column(default=0.0)
    backend: Mapped[str] = mapped_column(String(20))
    model_version: Mapped[str | None] = mapped_column(String(80))
    prompt_version: Mapped[str | None] = mapped_column(String(40))
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    flow_run_id: Mapped[str | None] = mapped_column(String(36))
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewItem(TenantScoped):
    """Something a clerk must decide (a document's label, later an agenda's approval)."""

    __tablename__ = "review_items"
    __table_args__ = (
        Index("ix_review_tenant_status", "tenant_id", "status", "kind"),
        Index(  # one open review per subject: overlapping runs must not open a second
            "uq_review_open_subject",
            "tenant_id",
            "kind",
            "subject_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    suggestion: Mapped[str | None] = mapped_column(String(200))
    confidence: Mapped[float] = mapped_column(default=0.0)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    options: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="open")
    decision: Mapped[str | None] = mapped_column(String(200))
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flow_run_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
