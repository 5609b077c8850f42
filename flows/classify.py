"""Classify a municipality's documents; the hybrid asks a clerk only where it is unsure."""

from __future__ import annotations

import time
from collections import Counter
from typing import Annotated, Literal

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from connectors.documents import ParserPool
from models.classification import ClassificationError, ClassifySummary
from models.parameter_field import TenantSlug, parameter
from models.settings import Settings
from tasks.classification.run import pending_documents
from tasks.classification.setup import open_classify_context
from tasks.classification.tasks import classify_documents, publish_classify_summary
from tasks.tenant_guard import guard_run

BATCH = 200


@flow(name="classify", flow_run_name="classify-{tenant}", persist_result=False)
def classify(
    tenant: TenantSlug,
    backend: Annotated[
        Literal["hybrid", "trained", "ollama"] | None,
        parameter(
            "Verfahren",
            "hybrid: trainiertes Modell, bei Unsicherheit das "
            "Sprachmodell (Ollama); leer: Einstellung der Gemeinde",
        ),
    ] = None,
    limit: Annotated[
        int,
        parameter(
            "Höchstens so viele Dokumente",
            "Obergrenze je Lauf; der Rest wird beim nächsten Lauf eingeordnet",
            ge=1,
            le=1_000_000,
        ),
    ] = 50_000,
) -> ClassifySummary:
    """Label every document that has no label yet; unsure ones go to the review queue."""
    guard_run(tenant)
    logger = get_run_logger()
    started = time.perf_counter()
    settings = Settings()
    with ParserPool(
        workers=settings.parse_workers,
        timeout_s=settings.parse_timeout_s,
        memory_mb=settings.parse_memory_mb,
        max_bytes=settings.max_file_bytes,
    ) as parser:
        ctx, described = open_classify_context(settings, tenant, parser, backend, flow_run.id)
        try:
            docs = pending_documents(ctx, limit)
            logger.info("%d Dokumente ohne Kategorie; Verfahren: %s", len(docs), described)
            counts: Counter[str] = Counter()
            for start in range(0, len(docs), BATCH):
                batch = docs[start : start + BATCH]
                counts += classify_documents(quote(ctx), batch, return_state=False)
        finally:
            ctx.engine.dispose()
    summary = ClassifySummary(
        tenant=tenant,
        backend=described,
        flow_run_id=flow_run.id,
        documents=len(docs),
        auto=counts["auto"],
        review=counts["review"],
        needs_ocr=counts["needs_ocr"],
        unreadable=counts["unreadable"],
        failed=counts["failed"],
        elsewhere=counts["elsewhere"],
        by_label={k[6:]: v for k, v in sorted(counts.items()) if k.startswith("label:")},
        by_backend={k[8:]: v for k, v in sorted(counts.items()) if k.startswith("backend:")},
        seconds=round(time.perf_counter() - started, 3),
    )
    publish_classify_summary(summary)
    errors = {k[6:]: v for k, v in counts.items() if k.startswith("error:")}
    if errors:
        for where, batches in errors.items():
            logger.error("%d Stapel abgebrochen: %s", batches, where)
        raise ClassificationError(
            f"{sum(errors.values())} Stapel mit internem Fehler ({', '.join(errors)}); "
            "ihre Dokumente sind als nicht beantwortet vermerkt, der nächste Lauf "
            "versucht es erneut"
        )
    return summary
