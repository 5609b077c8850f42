"""`amtsflow classify`: train, evaluate and apply document classifiers on JSONL files.

Mounted by `app/cli.py`. `--json` prints exactly one JSON document on stdout; `predict`
and `audit` print one JSON line per document (to stdout or `--out`); messages go to stderr.
scikit-learn and the Ollama client are imported only by the commands that need them.
"""

from __future__ import annotations

import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli_output import JsonOpt, emit, fail

if TYPE_CHECKING:
    from connectors.trained_model import LabelledDocument
    from models.classification import Classifier

classify_app = typer.Typer(help="Dokumente klassifizieren", no_args_is_help=True)


class Backend(StrEnum):
    """Which classifier answers."""

    trained = "trained"
    ollama = "ollama"
    hybrid = "hybrid"


DataOpt = Annotated[Path, typer.Option("--data", help="JSONL-Datei (auch gzip) mit „text“")]
ModelOpt = Annotated[Path, typer.Option("--model", help="Ordner eines trainierten Modells")]
BackendOpt = Annotated[Backend, typer.Option("--backend", help="Verfahren")]
TitleOpt = Annotated[
    bool, typer.Option("--title/--no-title", help="„title“ (falls vorhanden) als erste Zeile")
]
ThresholdOpt = Annotated[
    float | None,
    typer.Option("--threshold", min=0.0, max=1.0, help="Schwelle des Modells (sonst Vorgabe)"),
]
LlmThresholdOpt = Annotated[
    float, typer.Option("--llm-threshold", min=0.0, max=1.0, help="Schwelle des LLM")
]


def _documents(path: Path, require_label: bool, as_json: bool) -> list[LabelledDocument]:
    from connectors.trained_model import DatasetError, load_documents

    try:
        return load_documents(path, require_label=require_label)
    except DatasetError as exc:
        fail(str(exc), as_json)


def _sharing_slots(llm: Classifier, as_json: bool) -> Classifier:
    """The LLM behind the global `ollama` limit, where a Prefect server is configured.

    An evaluation of thousands of documents against the production LLM server would
    otherwise crowd out every municipality's nightly run. Without `PREFECT_API_URL`
    there is nobody to share with, and asking would start a temporary Prefect server.
    A configured server that does not answer is said at once, not mid-batch.
    """
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        return llm
    with get_client(sync_client=True) as client:
        problem = client.api_healthcheck()
    if problem is not None:
        fail(
            f"Prefect-Server {url} antwortet nicht ({type(problem).__name__}); über ihn "
            "teilen sich alle Läufe die Ollama-Plätze. Server starten oder PREFECT_API_URL "
            "leeren",
            as_json,
        )
    from tasks.classification.setup import OllamaSlot

    return OllamaSlot(llm)


def _classifier(
    model: Path, backend: Backend, threshold: float | None, llm_threshold: float, as_json: bool
) -> Classifier:
    from connectors.trained_model import ModelFileError, load_classifier
    from tasks.classification.hybrid import HybridClassifier

    try:
        trained = load_classifier(model, threshold=threshold)
    except ModelFileError as exc:
        fail(str(exc), as_json)
    if backend is Backend.trained:
        return trained
    try:
        from connectors.ollama import make_classifier

        llm: Classifier = _sharing_slots(make_classifier(trained.taxonomy), as_json)
    except (ImportError, ValueError) as exc:
        fail(f"Ollama-Anbindung nicht einsatzbereit ({exc})", as_json)
    return HybridClassifier(  # the LLM alone: its threshold applies all the same
        trained if backend is Backend.hybrid else None,
        llm,
        llm_threshold=llm_threshold,
        labels=trained.model.labels,
    )


@classify_app.command("train")
def train_command(
    data: DataOpt,
    out: Annotated[Path, typer.Option("--out", help="Ordner für das Modell")],
    force: Annotated[bool, typer.Option("--force", help="vorhandenes Modell ersetzen")] = False,
    title: TitleOpt = True,
    as_json: JsonOpt = False,
) -> None:
    """Modell aus beschrifteten Dokumenten trainieren und als Ordner speichern."""
    from connectors.trained_model import ModelFileError, TrainingError, save_model, train

    docs = _documents(data, True, as_json)
    try:
        model = train(
            [d.classification_text(use_title=title) for d in docs], [str(d.label) for d in docs]
        )
        meta = save_model(model, out, overwrite=force)
    except (TrainingError, ModelFileError) as exc:
        fail(str(exc), as_json)
    figures = {k: v for k, v in meta.metrics.items() if k != "per_label"}
    data_out = {
        "model": str(out),
        "examples": meta.examples,
        "labels": meta.examples_per_label,
        "threshold": round(meta.threshold, 6),
        "train_seconds": meta.train_seconds,
        "training_set_sha256": meta.training_set_sha256,
        "validation": meta.validation,
        "metrics": figures,
    }
    human = (
        f"Modell gespeichert: {out}\n{meta.examples} Beispiele, {len(meta.labels)} Kategorien, "
        f"{meta.train_seconds:.1f} s\nSchwelle {meta.threshold:.4f}; Kreuzvalidierung: "
        + ", ".join(f"{k} {v}" for k, v in figures.items())
    )
    emit(data_out, as_json, human)


@classify_app.command("audit")
def audit_command(
    data: DataOpt,
    out: Annotated[Path | None, typer.Option("--out", help="JSONL-Ausgabe (sonst stdout)")] = None,
    min_confidence: Annotated[
        float | None,
        typer.Option(
            "--min-confidence", min=0.0, max=1.0, help="Mindestsicherheit (sonst: Modellschwelle)"
        ),
    ] = None,
    title: TitleOpt = True,
) -> None:
    """Zweifelhafte Beschriftungen finden: je Dokument eine JSON-Zeile, sicherste zuerst.

    Trains in memory (nothing is saved) and lists the documents whose label a model that
    had not seen them contradicts at least as surely as it files documents without a
    clerk. Lines carry the document's position and id, never its text.
    """
    from connectors.trained_model import TrainingError, doubtful_labels, train_with_out_of_fold

    docs = _documents(data, True, False)
    labels = [str(d.label) for d in docs]
    try:
        model, out_of_fold = train_with_out_of_fold(
            [d.classification_text(use_title=title) for d in docs], labels
        )
    except TrainingError as exc:
        fail(str(exc))
    floor = model.threshold if min_confidence is None else min_confidence
    found = doubtful_labels(labels, out_of_fold, model.labels, floor)
    lines = []
    for doubt in found:
        row: dict[str, Any] = {"document": doubt.index + 1}
        if docs[doubt.index].id is not None:
            row["id"] = docs[doubt.index].id
        row.update(
            label=doubt.label, suggested=doubt.suggested, confidence=round(doubt.confidence, 6)
        )
        lines.append(json.dumps(row, ensure_ascii=False) + "\n")
    if out is None:
        sys.stdout.writelines(lines)
    else:
        out.write_text("".join(lines), encoding="utf-8")
    typer.echo(
        f"{len(found)} von {len(docs)} Beschriftungen zweifelhaft (Mindestsicherheit {floor:.4f})",
        err=True,
    )


@classify_app.command("evaluate")
def evaluate_command(
    model: ModelOpt,
    data: DataOpt,
    backend: BackendOpt = Backend.trained,
    threshold: ThresholdOpt = None,
    llm_threshold: LlmThresholdOpt = 0.9,
    title: TitleOpt = True,
    as_json: JsonOpt = False,
) -> None:
    """Verfahren an beschrifteten Dokumenten messen (Genauigkeit, Anteil ohne Prüfung)."""
    from connectors.trained_model import quality
    from models.classification import ClassificationError

    docs = _documents(data, True, as_json)
    classifier = _classifier(model, backend, threshold, llm_threshold, as_json)
    texts = [d.classification_text(use_title=title) for d in docs]
    started = time.perf_counter()
    try:
        predictions = classifier.classify(texts)
    except ClassificationError as exc:
        fail(str(exc), as_json)
    seconds = time.perf_counter() - started
    result = {"backend": backend.value, **quality([str(d.label) for d in docs], predictions)}
    result["failed"] = sum(p.failed for p in predictions)  # no answer: counted as wrong
    result["docs_per_s"] = round(len(docs) / seconds, 1) if seconds > 0 else None
    result["seconds"] = round(seconds, 3)
    human = "\n".join(f"{k}: {v}" for k, v in result.items() if k != "per_label")
    emit(result, as_json, human)


@classify_app.command("predict")
def predict_command(
    model: ModelOpt,
    data: DataOpt,
    backend: BackendOpt = Backend.trained,
    out: Annotated[Path | None, typer.Option("--out", help="JSONL-Ausgabe (sonst stdout)")] = None,
    threshold: ThresholdOpt = None,
    llm_threshold: LlmThresholdOpt = 0.9,
    title: TitleOpt = True,
) -> None:
    """Je Dokument eine JSON-Zeile: Kategorie (leer = zur Prüfung), Sicherheit, Verfahren."""
    from models.classification import ClassificationError

    docs = _documents(data, False, False)
    classifier = _classifier(model, backend, threshold, llm_threshold, False)
    try:
        predictions = classifier.classify([d.classification_text(use_title=title) for d in docs])
    except ClassificationError as exc:
        fail(str(exc))
    lines = []
    for doc, p in zip(docs, predictions, strict=True):
        row: dict[str, Any] = {"id": doc.id} if doc.id is not None else {}
        row.update(
            label=p.label,
            candidate=p.candidate,
            confidence=round(p.confidence, 6),
            backend=p.backend,
            reasons=p.reasons,
        )
        if p.failed:  # no answer for it (the LLM failed mid-batch): neither label nor review
            row["failed"] = True
        lines.append(json.dumps(row, ensure_ascii=False) + "\n")
    if out is None:
        sys.stdout.writelines(lines)
    else:
        out.write_text("".join(lines), encoding="utf-8")
    review = sum(p.label is None and not p.failed for p in predictions)
    failed = sum(p.failed for p in predictions)
    unanswered = f", {failed} ohne Antwort des Sprachmodells" if failed else ""
    typer.echo(f"{len(docs)} Dokumente, davon {review} zur Prüfung{unanswered}", err=True)
