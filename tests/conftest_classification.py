"""A real, stratified subset of the Karlsruhe council papers and a model trained on it once.

1,500 papers (proportional per label, chosen by the hash of their id, so the same ones
every run); 1,200 train the session's model, 300 stay unseen for checks.
"""

from __future__ import annotations

import atexit
import functools
import gzip
import hashlib
import json
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from connectors.catalogue import load_tenant
from connectors.trained_model import LabelledDocument, TrainedModel, load_documents, train
from connectors.trained_model import save_model as save
from models.tenant import Label, Tenant
from tests.conftest import FIXTURES

KARLSRUHE = FIXTURES / "classification" / "karlsruhe-papers.jsonl.gz"
SUBSET = 1500


def _key(doc: LabelledDocument) -> str:
    return hashlib.sha256(str(doc.id).encode()).hexdigest()


@dataclass(frozen=True)
class Subset:
    """The papers of the subset, split for training and checking."""

    train: list[LabelledDocument]
    unseen: list[LabelledDocument]

    @property
    def texts(self) -> list[str]:
        return [d.classification_text() for d in self.train]

    @property
    def labels(self) -> list[str]:
        return [str(d.label) for d in self.train]


@dataclass(frozen=True)
class Saved:
    """The session's model, in memory and as a folder."""

    model: TrainedModel
    folder: Path


@functools.cache
def _subset() -> Subset:
    docs = load_documents(KARLSRUHE)
    by_label: dict[str, list[LabelledDocument]] = defaultdict(list)
    for doc in sorted(docs, key=_key):
        by_label[str(doc.label)].append(doc)
    chosen = [
        doc
        for group in by_label.values()
        for doc in group[: max(10, round(SUBSET * len(group) / len(docs)))]
    ]
    chosen.sort(key=_key)
    unseen = [d for d in chosen if int(_key(d)[-4:], 16) % 5 == 0]
    ids = {d.id for d in unseen}
    return Subset(train=[d for d in chosen if d.id not in ids], unseen=unseen)


@functools.cache
def _saved() -> Saved:
    """Trained once per test process, whichever module asks first (~6 s)."""
    subset = _subset()
    model = train(subset.texts, subset.labels)
    root = Path(tempfile.mkdtemp(prefix="amtsflow-model-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    save(model, root / "karlsruhe")
    return Saved(model, root / "karlsruhe")


@pytest.fixture(name="karlsruhe")
def karlsruhe_fixture() -> Subset:
    return _subset()


@pytest.fixture(name="saved_model")
def saved_model_fixture() -> Saved:
    """Shared and read-only: tests that change a model work on a copy."""
    return _saved()


def write_jsonl(path: Path, docs: list[LabelledDocument], *, zipped: bool = False) -> Path:
    """Docs as JSONL lines (gzip-compressed when asked, whatever the file is called)."""
    lines = "".join(
        json.dumps(
            {"id": d.id, "title": d.title, "text": d.text, "label": d.label}, ensure_ascii=False
        )
        + "\n"
        for d in docs
    ).encode("utf-8")
    path.write_bytes(gzip.compress(lines) if zipped else lines)
    return path


def karlsruhe_tenant(
    subset: Subset, folder: Path, tenants_dir: Path, *, threshold: float | None = None
) -> Tenant:
    """Musterstadt with the subset's first 400 training papers as its shipped history.

    Karlsruhe's paper types become its labels; `threshold` its own auto-accept threshold.
    """
    history = write_jsonl(folder / "history.jsonl.gz", subset.train[:400], zipped=True)
    base = load_tenant("musterstadt", tenants_dir)
    assert base.classification is not None
    config = base.classification.model_copy(
        update={
            "seed_data": history,
            "form_labels": {},
            "trained_threshold": threshold,
            "labels": [Label(name=n, description=n) for n in sorted(set(subset.labels))],
        }
    )
    return base.model_copy(update={"classification": config})
