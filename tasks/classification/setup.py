"""Choose and load a tenant's classifier: trained model, Ollama, or the hybrid of both."""

from __future__ import annotations

from collections.abc import Sequence

from prefect.concurrency.sync import concurrency

from connectors.catalogue import load_tenant
from connectors.database import ensure_schema, make_engine, tenant_session
from connectors.documents import DocumentParser
from connectors.ollama import PROMPT_VERSION, make_classifier
from connectors.storage import TenantStorage
from connectors.trained_model import TrainedClassifier, load_classifier
from models.classification import ClassificationError, Classifier, Prediction, Taxonomy
from models.settings import Settings
from models.tenant import Tenant
from tasks.classification.hybrid import HybridClassifier
from tasks.classification.model_store import current_model_dir
from tasks.classification.run import ClassifyContext
from tasks.classification.training import train_tenant_model

OLLAMA_LIMIT = "ollama"


class OllamaSlot:
    """Holds one slot of the global `ollama` concurrency limit per call.

    All tenants share the LLM server; without the limit (the deploy creates it) Prefect
    lets the call pass.
    """

    def __init__(self, inner: Classifier) -> None:
        self.inner = inner
        self.name = inner.name

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        """Classify while holding the slot."""
        with concurrency(OLLAMA_LIMIT, occupy=1, strict=False):
            return self.inner.classify(texts)


def _trained(storage: TenantStorage, tenant: Tenant, engine_url: str) -> TrainedClassifier | None:
    config = tenant.classification
    assert config is not None
    folder = current_model_dir(storage)
    if folder is None:  # first run: learn from the history and the cases there are
        engine = make_engine(engine_url)
        with tenant_session(engine, tenant.slug) as session:
            train_tenant_model(session, storage, tenant, None)
        engine.dispose()
        folder = current_model_dir(storage)
    if folder is None:
        return None
    try:
        return load_classifier(folder, threshold=config.trained_threshold)
    except ClassificationError:
        return None  # e.g. saved by another scikit-learn: LLM or review until retrained


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
    trained = _trained(storage, tenant, settings.effective_database_url)
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
        if trained is None:
            raise ClassificationError("kein trainiertes Modell und kein Sprachmodell verfügbar")
        classifier, described = trained, f"trainiertes Modell; {described_llm}"
    elif chosen == "ollama":
        assert llm is not None
        classifier, described = llm, described_llm
    else:
        classifier = HybridClassifier(
            trained,
            llm,
            trained_threshold=config.trained_threshold,
            llm_threshold=config.llm_threshold,
            labels=taxonomy.names,
        )
        described = f"hybrid: trainiertes Modell + {described_llm}"
    ctx = ClassifyContext(
        tenant=tenant,
        engine=engine,
        storage=storage,
        parser=parser,
        classifier=classifier,
        options=taxonomy.names,
        model_version=current_model_dir(storage).name if trained else None,  # type: ignore[union-attr]
        prompt_version=PROMPT_VERSION if llm is not None else None,
        flow_run_id=flow_run_id,
    )
    return ctx, described
