"""Two runs of one municipality deciding the same waiting document: the first decision holds.

Both runs registered the document as waiting; their verdicts differ (the second run's
parser timed out under load). Without the conditional claim the second run overwrote an
accepted document with `quarantined` beside its case and acknowledgement.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from connectors.documents import DocumentKind, ParsedDocument, ParserPool
from connectors.documents.models import ParseFailure
from models.db import Case, Document, DocumentStatus, QuarantineEntry
from models.settings import Settings
from tasks.decision import decide_single
from tasks.intake_context import Outcome
from tasks.intake_setup import open_context
from tasks.registration import register
from tests.conftest import SAMPLE_INBOX


def test_a_second_run_does_not_overturn_the_first_decision(amtsflow_env: Path) -> None:
    source = SAMPLE_INBOX / "eingang-0002.json"  # a valid Mängelmeldung
    settings = Settings()
    with ParserPool(workers=1, timeout_s=20, memory_mb=512, max_bytes=2**20) as parser:
        ctx = open_context(settings, "musterstadt", parser, None)
        try:
            stored = ctx.storage.store_file(source)
            first = register(ctx, stored, source.name)
            second = first  # the other run's registration found the same waiting row
            assert not first.duplicate and first.status == DocumentStatus.RECEIVED
            parsed = parser.parse(ctx.storage.path_for(stored.sha256))
            timed_out = ParsedDocument(kind=DocumentKind.JSON, failure=ParseFailure.TIMEOUT)
            assert decide_single(ctx, first, parsed).outcome is Outcome.ACCEPTED
            late = decide_single(ctx, second, timed_out)
            assert late.outcome is Outcome.DUPLICATE
            with ctx.session() as session:
                doc = session.scalars(select(Document)).one()
                assert doc.status == DocumentStatus.ACCEPTED and doc.case_id is not None
                assert session.scalar(select(func.count()).select_from(QuarantineEntry)) == 0
                assert session.scalar(select(func.count()).select_from(Case)) == 1
        finally:
            ctx.engine.dispose()
