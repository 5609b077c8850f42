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
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import joblib  # type: ignore[import-untyped]
import sklearn  # type: ignore[import-untyped]
from pydantic import ValidationError

from connectors.trained_model.model import META_FILE, MODEL_FILE, ModelMeta, TrainedModel
from connectors.trained_model.stack import StackedModel
from models.classification import ClassificationError

RETRAIN = "neu trainieren: amtsflow classify train"
_SHOWN_FIELDS = 5
_FIELD_PROBLEMS = {"missing": "fehlt", "extra_forbidden": "nicht vorgesehen"}


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


def _failing_fields(exc: ValidationError) -> str:
    """The fields of meta.json that failed, e.g. "threshold fehlt, format ungültig".

    Pydantic's own first line ("12 validation errors for ModelMeta") names no field, so
    whoever fixes a hand-edited or half-copied meta.json would have to guess. At most
    `_SHOWN_FIELDS` are named (the rest counted) to keep the message one readable line.
    """
    problems: list[str] = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        if field:
            problems.append(f"{field} {_FIELD_PROBLEMS.get(error['type'], 'ungültig')}")
        else:  # a check of the whole file (e.g. duplicate labels) has no field
            problems.append(error["msg"].removeprefix("Value error, "))
    shown = ", ".join(problems[:_SHOWN_FIELDS])
    rest = len(problems) - _SHOWN_FIELDS
    if rest > 0:
        shown += " und 1 weiterer Fehler" if rest == 1 else f" und {rest} weitere Fehler"
    return shown


def read_meta(folder: Path) -> ModelMeta:
    """The meta of a saved model, validated (without touching the model file)."""
    path = folder / META_FILE
    try:
        return ModelMeta.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ModelFileError(f"{folder}: kein gespeichertes Modell ({META_FILE} fehlt)") from None
    except ValidationError as exc:  # before ValueError: pydantic's error is one, too
        raise ModelFileError(f"{path}: ungültig ({_failing_fields(exc)}); {RETRAIN}") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        first = str(exc).splitlines()[0]
        raise ModelFileError(f"{path}: ungültig ({first}); {RETRAIN}") from None


def load_model(
    folder: Path,
    expected_labels: Sequence[str] | None = None,
    *,
    allowed_labels: Collection[str] | None = None,
) -> TrainedModel:
    """Load a saved model after checking its meta, file hash, version and labels.

    Args:
        folder: the model folder.
        expected_labels: exactly the labels the model must know; a model with other
            labels is refused.
        allowed_labels: the labels a municipality files under now. A model that knows
            any other label is refused, because it would file documents under a label
            that is no longer in use; one that lacks some is not, because a label added
            to the list has no examples until clerks file the first documents under it.

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
    unknown = sorted(set(meta.labels) - set(allowed_labels)) if allowed_labels is not None else []
    if unknown:
        raise ModelFileError(
            f"{folder}: Modell kennt Kategorien, die nicht (mehr) in der Liste der Gemeinde "
            f"stehen ({', '.join(unknown)}); {RETRAIN}"
        )
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
