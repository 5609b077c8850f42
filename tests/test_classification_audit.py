"""The label audit: training labels a model that had not seen the document contradicts."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from app.classify_cli import classify_app
from connectors.database import tenant_session
from connectors.storage import TenantStorage
from connectors.trained_model import (
    DatasetError,
    LabelledDocument,
    doubtful_labels,
    train,
    train_with_out_of_fold,
)
from models.db import AuditEvent
from tasks.classification.model_store import current_model_dir
from tasks.classification.training import train_tenant_model
from tasks.tenant_row import mirror_tenant
from tests.conftest_classification import (  # noqa: F401  (the fixtures register by import)
    Subset,
    karlsruhe_fixture,
    karlsruhe_tenant,
    write_jsonl,
)

CLASSES = ["Anfrage", "Antrag", "Haushalt"]


def test_doubtful_labels_are_confident_disagreements_surest_first() -> None:
    proba = np.array(
        [
            [0.98, 0.01, 0.01],  # agrees
            [0.97, 0.02, 0.01],  # disagrees, sure
            [0.50, 0.45, 0.05],  # disagrees, unsure
            [0.01, 0.01, 0.99],  # disagrees, surest
        ]
    )
    labels = ["Anfrage", "Antrag", "Antrag", "Anfrage"]
    found = doubtful_labels(labels, proba, CLASSES, min_confidence=0.9)
    assert [(d.index, d.label, d.suggested) for d in found] == [
        (3, "Anfrage", "Haushalt"),
        (1, "Antrag", "Anfrage"),
    ]
    assert found[0].confidence == pytest.approx(0.99)
    assert len(doubtful_labels(labels, proba, CLASSES, min_confidence=0.5)) == 3
    assert doubtful_labels([], np.zeros((0, 3)), CLASSES, 0.9) == []
    with pytest.raises(ValueError, match="Zeilen"):
        doubtful_labels(labels[:3], proba, CLASSES, 0.9)


def _misfiled(karlsruhe: Subset, count: int) -> tuple[list[LabelledDocument], set[str]]:
    """The training papers, with `count` papers headed "ANFRAGE" filed as Haushalt."""
    docs = list(karlsruhe.train)
    headed = [
        i
        for i, d in enumerate(docs)
        if d.label == "Anfrage" and "ANFRAGE" in " ".join(d.text[:300].split())
    ][:count]
    assert len(headed) == count
    for i in headed:
        docs[i] = dataclasses.replace(docs[i], label="Haushalt")
    return docs, {str(docs[i].id) for i in headed}


def test_training_returns_the_same_model_and_unseen_probabilities(
    karlsruhe: Subset, tmp_path: Path
) -> None:
    texts, labels = karlsruhe.texts[:400], karlsruhe.labels[:400]
    model, out_of_fold = train_with_out_of_fold(texts, labels)
    plain = train(texts, labels)
    assert model.labels == plain.labels and model.threshold == plain.threshold
    assert out_of_fold.shape == (400, len(model.labels))
    assert np.allclose(out_of_fold.sum(axis=1), 1.0)
    correct = np.asarray(model.labels)[out_of_fold.argmax(axis=1)] == np.asarray(labels)
    assert model.meta.metrics["accuracy"] == pytest.approx(correct.mean(), abs=1e-4)

    # the command line's default: as sure as the model must be to file without a clerk
    data = write_jsonl(tmp_path / "history.jsonl", karlsruhe.train[:400])
    result = CliRunner().invoke(classify_app, ["audit", "--data", str(data)])
    assert result.exit_code == 0, result.stderr
    expected = doubtful_labels(labels, out_of_fold, model.labels, model.threshold)
    assert expected  # one of these 400 real papers (the comparison below is not empty)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["document"], r["suggested"]) for r in rows] == [
        (d.index + 1, d.suggested) for d in expected
    ]
    assert f"Mindestsicherheit {model.threshold:.4f}" in result.stderr


def test_audit_finds_misfiled_real_papers(karlsruhe: Subset, tmp_path: Path) -> None:
    docs, misfiled = _misfiled(karlsruhe, 6)
    data = write_jsonl(tmp_path / "history.jsonl.gz", docs, zipped=True)
    out = tmp_path / "doubtful.jsonl"
    result = CliRunner().invoke(
        classify_app, ["audit", "--data", str(data), "--out", str(out), "--min-confidence", "0.8"]
    )
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    flagged = {r["id"]: r for r in rows}
    # trained on 1,200 papers the model is not sure of every Anfrage; most it is
    caught = [flagged[paper] for paper in misfiled & flagged.keys()]
    assert len(caught) >= 4, rows
    assert all(row["label"] == "Haushalt" for row in caught)
    assert sum(row["suggested"] == "Anfrage" for row in caught) >= 3
    assert [r["confidence"] for r in rows] == sorted((r["confidence"] for r in rows), reverse=True)
    for row in rows:
        assert row["confidence"] >= 0.8 and row["label"] != row["suggested"]
        assert docs[row["document"] - 1].id == row["id"]
        assert set(row) == {"document", "id", "label", "suggested", "confidence"}  # no text
    assert len(rows) < len(docs) // 20  # a list for a clerk, not half the history
    assert f"{len(rows)} von {len(docs)} Beschriftungen zweifelhaft" in result.stderr


def test_audit_names_the_file_and_line_of_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "history.jsonl"
    bad.write_text('{"text": "Anfrage zur Straße", "label": "Anfrage"}\n{"text": ""}\n')
    result = CliRunner().invoke(classify_app, ["audit", "--data", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}, Zeile 2" in result.stderr and "text" in result.stderr


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_retraining_counts_doubtful_labels_per_source(
    karlsruhe: Subset, tmp_path: Path, tenants_dir: Path, engine: Engine
) -> None:
    docs = karlsruhe.train[:400]
    tenant = karlsruhe_tenant(karlsruhe, tmp_path, tenants_dir)
    config = tenant.classification
    assert config is not None
    mirror_tenant(engine, tenant)  # what the retrain flow does first
    storage = TenantStorage(tmp_path / "home", "musterstadt")
    with tenant_session(engine, "musterstadt") as session:
        summary = train_tenant_model(session, storage, tenant, None)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "model_trained")
        ).one()
    labels = [str(d.label) for d in docs]
    model, out_of_fold = train_with_out_of_fold([d.classification_text() for d in docs], labels)
    expected = doubtful_labels(labels, out_of_fold, model.labels, model.threshold)
    assert expected and summary.from_history == 400
    assert summary.doubtful_labels == {"history": len(expected)}
    assert event.details["doubtful_labels"] == {"history": len(expected)}

    # a municipality that files more without a clerk gets more labels to look at
    lenient = tenant.model_copy(
        update={"classification": config.model_copy(update={"trained_threshold": 0.6})}
    )
    with tenant_session(engine, "musterstadt") as session:
        again = train_tenant_model(session, storage, lenient, None, force=True)
    more = doubtful_labels(labels, out_of_fold, model.labels, 0.6)
    assert again.doubtful_labels == {"history": len(more)} and len(more) > len(expected)


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_retraining_counts_history_outside_the_list_and_needs_its_history_file(
    karlsruhe: Subset, tmp_path: Path, tenants_dir: Path, engine: Engine
) -> None:
    tenant = karlsruhe_tenant(karlsruhe, tmp_path, tenants_dir)
    config = tenant.classification
    assert config is not None
    mirror_tenant(engine, tenant)
    storage = TenantStorage(tmp_path / "home", "musterstadt")

    # Haushalt is no longer in the list: its history lines are left out, and counted
    kept = [label for label in config.labels if label.name != "Haushalt"]
    narrower = tenant.model_copy(
        update={"classification": config.model_copy(update={"labels": kept})}
    )
    dropped = sum(d.label == "Haushalt" for d in karlsruhe.train[:400])
    with tenant_session(engine, "musterstadt") as session:
        summary = train_tenant_model(session, storage, narrower, None)
        trained = select(AuditEvent).where(AuditEvent.action == "model_trained")
        assert session.scalars(trained).one().details["history_skipped"] == dropped
    assert summary.history_skipped == dropped > 0
    assert summary.from_history == summary.examples == 400 - dropped
    assert "Haushalt" not in summary.labels and summary.model_version

    # the history file it names is gone, or damaged: no training without it
    gone = tmp_path / "verschoben.jsonl.gz"
    damaged = tmp_path / "kaputt.jsonl"
    damaged.write_text("kein JSON\n", encoding="utf-8")
    assert config.seed_data is not None
    theirs = tmp_path / "home" / "tenants" / "nebenan" / "bestand.jsonl.gz"
    theirs.parent.mkdir(parents=True)
    shutil.copy(config.seed_data, theirs)  # readable, but another municipality's data
    for seed, message in [
        (gone, f"Gemeinde musterstadt: die eingetragene Bestandsdatei (seed_data) {gone} fehlt"),
        (damaged, f"Gemeinde musterstadt: Bestandsdatei (seed_data): {damaged}, Zeile 1: "),
        (
            theirs,
            "Gemeinde musterstadt: die Bestandsdatei (seed_data) liegt im Datenordner "
            "einer anderen Gemeinde",
        ),
    ]:
        moved = tenant.model_copy(
            update={"classification": config.model_copy(update={"seed_data": seed})}
        )
        with (
            tenant_session(engine, "musterstadt") as session,
            pytest.raises(DatasetError) as caught,
        ):
            train_tenant_model(session, storage, moved, None, force=True)
        assert str(caught.value).startswith(message)
    current = current_model_dir(storage)
    assert current is not None and current.name == summary.model_version  # the model stays
