"""Prefect tasks of the classification flows (thin wrappers over the plain steps)."""

from __future__ import annotations

from collections import Counter

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from models.classification import ClassifySummary, TrainSummary
from tasks.classification.run import ClassifyContext, classify_batch_guarded


@task(name="classify-batch", persist_result=False, cache_policy=NO_CACHE)
def classify_documents(ctx: ClassifyContext, docs: list[tuple[int, str]]) -> Counter[str]:
    """Classify a batch (no retries: a failed backend marks documents for the next run)."""
    return classify_batch_guarded(ctx, docs)


@task(name="publish-classify-summary", persist_result=False, cache_policy=NO_CACHE)
def publish_classify_summary(summary: ClassifySummary) -> None:
    """Counts per outcome and label; no document contents."""
    rows = [
        {"Ergebnis": "automatisch zugeordnet", "Anzahl": summary.auto},
        {"Ergebnis": "zur Prüfung (Sachbearbeitung)", "Anzahl": summary.review},
        {"Ergebnis": "braucht Texterkennung (OCR)", "Anzahl": summary.needs_ocr},
        {"Ergebnis": "nicht lesbar (Grund beim Dokument)", "Anzahl": summary.unreadable},
        {"Ergebnis": "nicht beantwortet (nächster Lauf)", "Anzahl": summary.failed},
    ]
    if summary.elsewhere:
        rows.append({"Ergebnis": "von einem anderen Lauf zugeordnet", "Anzahl": summary.elsewhere})
    rows += [{"Ergebnis": f"Kategorie: {k}", "Anzahl": v} for k, v in summary.by_label.items()]
    create_table_artifact(
        key=f"klassifikation-{summary.tenant}",
        table=rows,
        description=f"Klassifikation {summary.tenant}: {summary.documents} Dokumente, "
        f"Verfahren: {summary.backend}",
    )


SOURCE_NAMES = {"clerks": "Sachbearbeitung", "cases": "Vorgänge", "history": "Bestand"}
HISTORY_SKIPPED = "Bestandszeilen mit Kategorie außerhalb der Liste (nicht genutzt)"
"""Shown with the count wherever the sources are counted (artifact, command line)."""


@task(name="publish-train-summary", persist_result=False, cache_policy=NO_CACHE)
def publish_train_summary(summary: TrainSummary) -> None:
    """The new model's figures for the operator."""
    rows = [{"Kennzahl": k, "Wert": v} for k, v in summary.metrics.items()]
    rows += [{"Kennzahl": f"Beispiele: {k}", "Wert": v} for k, v in summary.labels.items()]
    rows += [
        {"Kennzahl": f"Zweifelhafte Beschriftungen: {SOURCE_NAMES.get(k, k)}", "Wert": v}
        for k, v in summary.doubtful_labels.items()
    ]
    if summary.second_looks:
        rows.append({"Kennzahl": "Zur zweiten Prüfung vorgelegt", "Wert": summary.second_looks})
    if summary.history_skipped:
        rows.append({"Kennzahl": HISTORY_SKIPPED, "Wert": summary.history_skipped})
    create_table_artifact(
        key=f"training-{summary.tenant}",
        table=rows,
        description=f"Training {summary.tenant}: Modell {summary.model_version or '-'}, "
        f"{summary.examples} Beispiele ({summary.from_clerks} von Sachbearbeitung, "
        f"{summary.from_cases} aus Vorgängen, {summary.from_history} aus dem Bestand)"
        + (f"; {summary.history_skipped} {HISTORY_SKIPPED}" if summary.history_skipped else "")
        + (f"; übersprungen: {summary.skipped_reason}" if summary.skipped_reason else ""),
    )
