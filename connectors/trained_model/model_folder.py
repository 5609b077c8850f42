"""A saved model is a folder: `model.joblib` (the fitted stack) and `meta.json`.

Unpickling runs code, so the model file's SHA-256 recorded in meta.json is checked
before anything is unpickled; a model saved by another scikit-learn version, another
model format or with labels that do not match its meta is refused, with what to do.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import joblib  # type: ignore[import-untyped]
import sklearn  # type: ignore[import-untyped]
from pydantic import ValidationError

from connectors.trained_model.model import META_FILE, MODEL_FILE, ModelMeta, TrainedModel
from connectors.trained_model.stack import StackedModel
from models.classification import ClassificationError

RETRAIN = "neu trainieren: amtsflow classify train"


class ModelFileError(ClassificationError):
    """A model folder that must not or cannot be used; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(model: TrainedModel, folder: Path, *, overwrite: bool = False) -> ModelMeta:
    """Write the model into `folder` (created; must not hold a model unless `overwrite`).

    Written into a temporary sibling first and renamed, so a reader never sees half a
    model. Returns the meta as saved (with the model file's hash).
    """
    folder = folder.resolve()
    if folder.exists() and not folder.is_dir():
        raise ModelFileError(f"{folder} ist kein Ordner")
    if folder.exists() and any(folder.iterdir()) and not overwrite:
        raise ModelFileError(f"{folder} ist nicht leer (überschreiben: --force)")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        joblib.dump(model.stack.state, staging / MODEL_FILE, compress=3)
        meta = model.meta.model_copy(update={"model_sha256": _sha256(staging / MODEL_FILE)})
        (staging / META_FILE).write_text(
            json.dumps(meta.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return meta


def read_meta(folder: Path) -> ModelMeta:
    """The meta of a saved model, validated (without touching the model file)."""
    path = folder / META_FILE
    try:
        return ModelMeta.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ModelFileError(f"{folder}: kein gespeichertes Modell ({META_FILE} fehlt)") from None
    except (ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
        first = str(exc).splitlines()[0]
        raise ModelFileError(f"{path}: ungültig ({first}); {RETRAIN}") from None


def load_model(folder: Path, expected_labels: Sequence[str] | None = None) -> TrainedModel:
    """Load a saved model after checking its meta, file hash, version and labels.

    Args:
        folder: the model folder.
        expected_labels: the tenant's taxonomy; a model with other labels is refused.

    Raises:
        ModelFileError: whenever the model must not be used.

    """
    meta = read_meta(folder)
    if meta.sklearn_version != sklearn.__version__:
        raise ModelFileError(
            f"{folder}: mit scikit-learn {meta.sklearn_version} trainiert, installiert ist "
            f"{sklearn.__version__}; {RETRAIN}"
        )
    if expected_labels is not None and sorted(expected_labels) != sorted(meta.labels):
        raise ModelFileError(f"{folder}: Modell kennt andere Kategorien als erwartet; {RETRAIN}")
    path = folder / MODEL_FILE
    if not path.is_file():
        raise ModelFileError(f"{path} fehlt")
    if meta.model_sha256 is None or _sha256(path) != meta.model_sha256:
        raise ModelFileError(f"{path}: Prüfsumme stimmt nicht mit {META_FILE} überein")
    state: Any = joblib.load(path)
    try:
        stack = StackedModel(state if isinstance(state, dict) else {})
    except (KeyError, AttributeError, ValueError) as exc:
        raise ModelFileError(f"{path}: kein Modell dieses Formats ({exc}); {RETRAIN}") from None
    if stack.labels != meta.labels:
        raise ModelFileError(f"{path}: Kategorien passen nicht zu {META_FILE}; {RETRAIN}")
    return TrainedModel(stack=stack, meta=meta)
