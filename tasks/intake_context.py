"""What one intake run carries through its steps, and what each input ended as."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import Engine

from connectors.database import tenant_session
from connectors.documents import DocumentParser
from connectors.storage import TenantStorage
from models.settings import Settings
from models.tenant import Tenant
from models.tenant_scope import TenantSession
from tasks.docx_template import DocxTemplate


class Outcome(StrEnum):
    """How an input file ended in this run."""

    ACCEPTED = "accepted"
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"
    UNREADABLE = "unreadable"  # could not be read from the drop folder; stays there


@dataclass(frozen=True, slots=True)
class FileResult:
    """One input's result; hashes, codes and file numbers only (it reaches logs/artifacts)."""

    sha256: str | None
    outcome: Outcome
    form_type: str | None = None
    file_numbers: tuple[str, ...] = ()
    reason_code: str | None = None
    #: Reason codes of faulty forms inside the input (an e-mail's attachments, forwarded
    #: mails, or the text of an e-mail that made a case) quarantined on their own
    #: documents besides the input's own outcome.
    part_reasons: tuple[str, ...] = ()


@dataclass
class IntakeContext:
    """Everything the steps of one run share."""

    tenant: Tenant
    storage: TenantStorage
    engine: Engine
    parser: DocumentParser
    template: DocxTemplate
    settings: Settings
    flow_run_id: str | None = None
    actor: str = "flow:intake"
    seen: set[str] = field(default_factory=set)  # hashes already handled in this run
    counters: set[tuple[str, int]] = field(default_factory=set)  # counter rows known to exist

    def session(self) -> TenantSession:
        """A session that sees only this tenant's rows."""
        return tenant_session(self.engine, self.tenant.slug)
