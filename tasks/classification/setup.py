"""Choose and load a tenant's classifier: trained model, Ollama, or the hybrid of both."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import NamedTuple

from prefect import get_run_logger
from prefect.concurrency.sync import concurrency
from prefect.exceptions import MissingContextError

from connectors.catalogue import load_tenant
from connectors.database import ensure_schema, make_engine, tenant_session
from connectors.documents import DocumentParser
from connectors.ollama import OLLAMA_LIMIT, PROMPT_VERSION, make_classifier
from connectors.storage import PathEscapeError, TenantStorage
from connectors.trained_model import DatasetError, TrainedClassifier, load_classifier
from models.classification import ClassificationError, Classifier, Prediction, Taxonomy
from models.settings import Settings
from models.tenant import Tenant
from tasks.classification.hybrid import HybridClassifier
from tasks.classification.model_store import current_model_dir
from tasks.classification.run import ClassifyContext
from tasks.classification.training import train_tenant_model

log = logging.getLogger(__name__)


class OllamaSlot:
    """Holds one slot of the global `ollama` concurrency limit per call.

    All tenants share the LLM server; `amtsflow deploy` creates the limit with
    `AMTSFLOW_OLLAMA_SLOTS` slots (`--ollama-slots`). Where it is missing, e.g. on a
    server nobody deployed to, Prefect lets the call pass (`strict=False`).
    """

    def __init__(self, inner: Classifier) -> None:
        self.inner = inner
        self.name = inner.name

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        """Classify while holding the slot."""
        with concurrency(OLLAMA_LIMIT, occupy=1, strict=False):
            return self.inner.classify(texts)


class TrainedChoice(NamedTuple):
    """The municipality's trained model as this run can use it, or why it cannot."""

    classifier: TrainedClassifier | None
    version: str | None
    """The model's version (folder name), recorded with every label it gives."""
    problem: str | None
    """Why there is no usable model, in German for the operator; None when there is."""


def _warn(message: str) -> None:
    """Warn in the flow run's log when in a run (the operator reads it in the UI).

    Outside a run (a script, a test) Prefect has no run logger; the module's logger
    keeps the warning from being lost.
    """
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger]
    try:
        logger = get_run_logger()
    except MissingContextError:
        logger = log
    logger.warning("%s", message)


def _trained(storage: TenantStorage, tenant: Tenant, engine_url: str) -> TrainedChoice:
    """Load the municipality's current model, training the first one if there is none.

    A model that must not be used is left out, never loaded half-checked: one whose
    labels are not all in the municipality's list (it would file documents under a label
    no longer in use), one whose file does not match its checksum, was saved by another
    scikit-learn, or whose pointer leads out of the municipality's folder. The run then
    goes on with the LLM or the clerks, so it says why, in the run's log and in the
    backend it reports: silently, nobody would retrain or look at the folder.
    """
    config = tenant.classification
    assert config is not None
    folder = None
    # the reasons below name files, versions and labels, never a document's content
    try:
        folder = current_model_dir(storage)
        if folder is None:  # first run: learn from the history and the cases there are
            engine = make_engine(engine_url)
            try:
                with tenant_session(engine, tenant.slug) as session:
                    summary = train_tenant_model(session, storage, tenant, None)
            finally:
                engine.dispose()
            folder = current_model_dir(storage)
            if folder is None:  # too few examples: not a fault, the reason says so
                return TrainedChoice(
                    None, None, f"kein trainiertes Modell ({summary.skipped_reason})"
                )
        classifier = load_classifier(
            folder,
            threshold=config.trained_threshold,
            allowed_labels=[label.name for label in config.labels],
        )
    except DatasetError as exc:  # the configured history cannot be read: no first model
        _warn(f"Gemeinde {tenant.slug}: kein trainiertes Modell: {exc}")
        return TrainedChoice(None, None, f"kein trainiertes Modell: {exc}")
    except (ClassificationError, PathEscapeError) as exc:
        model = f"Modell {folder.name}" if folder is not None else "Modell"
        _warn(f"Gemeinde {tenant.slug}: trainiertes {model} nicht nutzbar: {exc}")
        return TrainedChoice(None, None, f"trainiertes Modell nicht nutzbar: {exc}")
    return TrainedChoice(classifier, folder.name, None)


def open_classify_context(
    settings: Settings,
    tenant_slug: str,
    parser: DocumentParser,
    backend: str | None,
    flow_run_id: str | None,
) -> tuple[ClassifyContext, str]:
    """The run's context and, in words, which backend decides."""
    tenant = load_tenant(tenant_slug, settings.tenants)
    config = tenant.classification
    if config is None:
        raise ValueError(
            f"Gemeinde {tenant.slug} hat keine Kategorien (classification) eingetragen"
        )
    engine = make_engine(settings.effective_database_url)
    ensure_schema(engine)
    storage = TenantStorage(settings.home, tenant.slug)
    chosen = backend or config.backend
    taxonomy = Taxonomy(labels=tuple(config.labels))
    # the LLM alone: no model is loaded (nor trained first), none is named in the records
    trained = (
        TrainedChoice(None, None, None)
        if chosen == "ollama"
        else _trained(storage, tenant, settings.effective_database_url)
    )
    described_model = trained.problem or "trainiertes Modell"
    llm = None
    described_llm = "Ollama nicht genutzt"
    if chosen in ("hybrid", "ollama"):
        ollama = make_classifier(taxonomy)
        status = ollama.check()
        if status.available:
            llm = OllamaSlot(ollama)
            described_llm = f"Ollama {ollama.settings.model}"
        elif chosen == "ollama":
            raise ClassificationError(status.detail)
        else:
            described_llm = f"Ollama nicht erreichbar ({status.detail})"
    classifier: Classifier
    if chosen == "trained" or (chosen == "hybrid" and llm is None):
        if trained.classifier is None:
            raise ClassificationError(
                f"kein trainiertes Modell und kein Sprachmodell verfügbar "
                f"({described_model}; {described_llm})"
            )
        classifier, described = trained.classifier, f"{described_model}; {described_llm}"
    else:  # the LLM alone is the hybrid without a model: its threshold still applies
        classifier = HybridClassifier(
            trained.classifier if chosen == "hybrid" else None,
            llm,
            trained_threshold=config.trained_threshold,
            llm_threshold=config.llm_threshold,
            labels=taxonomy.names,
        )
        described = (
            f"hybrid: {described_model} + {described_llm}" if chosen == "hybrid" else described_llm
        )
    ctx = ClassifyContext(
        tenant=tenant,
        engine=engine,
        storage=storage,
        parser=parser,
        classifier=classifier,
        options=taxonomy.names,
        model_version=trained.version,
        prompt_version=PROMPT_VERSION if llm is not None else None,
        flow_run_id=flow_run_id,
    )
    return ctx, described
