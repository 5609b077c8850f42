"""Train a tenant's model from its history, its cases and its clerks' decisions."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import sklearn  # type: ignore[import-untyped]

from connectors.storage import TenantStorage
from connectors.trained_model import (
    DatasetError,
    ModelFileError,
    TrainingError,
    doubtful_labels,
    load_documents,
    read_meta,
    save_model,
    train_with_out_of_fold,
    training_set_sha256,
)
from models.classification import TrainSummary
from models.tenant import Tenant
from models.tenant_scope import TenantSession
from tasks import audit
from tasks.classification.model_store import activate, current_model_dir, new_version_dir
from tasks.classification.second_look import request_second_looks
from tasks.classification.training_data import TrainingSet, from_database


def _not_anothers(storage: TenantStorage, tenant: Tenant, path: Path) -> None:
    """Refuse a history inside another municipality's data folder.

    A model keeps its training vocabulary (words, names among them): trained on another
    municipality's documents, it would carry their words into this one's folder. A
    shared history file outside the data folders (like the demo's samples) is fine.
    """
    data = storage.root.parent  # <home>/tenants
    resolved = path.resolve()
    if resolved.is_relative_to(data) and not resolved.is_relative_to(storage.root):
        raise DatasetError(
            f"Gemeinde {tenant.slug}: die Bestandsdatei (seed_data) liegt im Datenordner "
            "einer anderen Gemeinde und wird nicht gelesen"
        )


def gather(
    session: TenantSession, tenant: Tenant, storage: TenantStorage | None = None
) -> TrainingSet:
    """All examples: the tenant's own documents, then its shipped history.

    History lines whose label is not in the municipality's list are left out (a model
    must only learn labels it may give) but counted in `history_skipped`: many of them
    mean a renamed label or an export from another system, which the operator should see.

    Raises:
        DatasetError: when the configured history (`seed_data`) is missing or cannot be
            read. Training on without it would quietly give a model that knows only the
            few documents clerks decided so far, and nothing would show why. Also when
            it lies in another municipality's data folder (with `storage` given).

    """
    config = tenant.classification
    assert config is not None
    examples = from_database(session, config)
    allowed = {label.name for label in config.labels}
    if config.seed_data is None:
        return examples
    if storage is not None:
        _not_anothers(storage, tenant, config.seed_data)
    if not config.seed_data.is_file():
        raise DatasetError(
            f"Gemeinde {tenant.slug}: die eingetragene Bestandsdatei (seed_data) "
            f"{config.seed_data} fehlt"
        )
    try:
        history = load_documents(config.seed_data)
    except DatasetError as exc:
        raise DatasetError(f"Gemeinde {tenant.slug}: Bestandsdatei (seed_data): {exc}") from None
    for doc in history:
        if doc.label in allowed:
            # title line first, as the intake hands documents to the classifier
            examples.add(doc.classification_text(), doc.label, "history")
        else:
            examples.history_skipped += 1
    return examples


def unchanged_version(storage: TenantStorage, digest: str) -> str | None:
    """The current model's version when it was trained on exactly this set, else None.

    Retraining on the same examples gives the same model, costs ~30 s per municipality
    every night and fills the model folder; a model saved by another program state
    (format, scikit-learn) is retrained all the same, because it would not load.
    """
    folder = current_model_dir(storage)
    if folder is None:
        return None
    try:
        meta = read_meta(folder)
    except ModelFileError:
        return None
    if meta.training_set_sha256 != digest or meta.sklearn_version != sklearn.__version__:
        return None
    return folder.name


def train_tenant_model(
    session: TenantSession,
    storage: TenantStorage,
    tenant: Tenant,
    flow_run_id: str | None,
    *,
    force: bool = False,
) -> TrainSummary:
    """Fit, save as a new version, switch to it, audit.

    Also counts, per source, the examples whose label the new model contradicts when it
    had not seen them, as surely as the municipality's threshold for filing without a
    clerk (`connectors.trained_model.audit`): a clerk's decision or a filed history
    document the model is sure is wrong deserves a second look; a clerk's decision gets
    one in the review queue (`second_look`).

    Skips (with the reason in the summary) when there are too few examples, or when the
    current model was trained on exactly these examples (unless `force`).

    The new model is switched on after its audit event and second looks are committed:
    switched on first, a crash in between left a model in use whose second looks were
    never asked for, and the next run, seeing its training set unchanged, skipped.

    Raises:
        DatasetError: when the configured history cannot be read (see `gather`).

    """
    started = time.perf_counter()
    examples = gather(session, tenant, storage)
    digest = training_set_sha256(examples.texts, examples.labels)
    counts: dict[str, int] = {}
    for label in examples.labels:
        counts[label] = counts.get(label, 0) + 1
    summary = TrainSummary(
        tenant=tenant.slug,
        examples=len(examples.texts),
        labels=dict(sorted(counts.items())),
        from_clerks=examples.sources.get("clerks", 0),
        from_cases=examples.sources.get("cases", 0),
        from_history=examples.sources.get("history", 0),
        history_skipped=examples.history_skipped,
        training_set_sha256=digest,
    )
    current = None if force else unchanged_version(storage, digest)
    if current is not None:
        summary.model_version = current
        summary.skipped_reason = "Trainingsdaten unverändert: das aktuelle Modell bleibt"
        return summary
    try:
        model, out_of_fold = train_with_out_of_fold(examples.texts, examples.labels)
    except TrainingError as exc:
        summary.skipped_reason = str(exc)
        return summary
    config = tenant.classification
    assert config is not None
    floor = model.threshold if config.trained_threshold is None else config.trained_threshold
    doubts = doubtful_labels(examples.labels, out_of_fold, model.labels, floor)
    summary.doubtful_labels = dict(
        sorted(Counter(examples.origins[d.index] for d in doubts).items())
    )
    version, folder = new_version_dir(storage)
    meta = save_model(model, folder)
    options = [label.name for label in config.labels]
    summary.second_looks = request_second_looks(
        session, examples, doubts, options, version, flow_run_id
    )
    summary.model_version = version
    summary.metrics = {k: float(v) for k, v in meta.metrics.items() if isinstance(v, int | float)}
    summary.metrics["threshold"] = meta.threshold
    summary.seconds = round(time.perf_counter() - started, 3)
    audit.record(
        session,
        "model_trained",
        actor="flow:retrain",
        flow_run_id=flow_run_id,
        model_version=version,
        examples=summary.examples,
        from_clerks=summary.from_clerks,
        history_skipped=summary.history_skipped,
        doubtful_labels=summary.doubtful_labels,
        second_looks=summary.second_looks,
        training_set_sha256=summary.training_set_sha256,
    )
    session.commit()
    activate(storage, version)  # only now: a crash before it retrains next time, loses nothing
    return summary
