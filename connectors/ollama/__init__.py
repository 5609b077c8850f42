"""Document classification by a local LLM behind Ollama.

`make_classifier` is the door: it reads `OLLAMA_HOST` and `AMTSFLOW_OLLAMA_*` and returns
an `OllamaClassifier`, which serves the `models.classification.Classifier` protocol; its
`check()` tells whether the configured model answers at all (the demo's choice of backend).
"""

from __future__ import annotations

from connectors.ollama.client import OllamaClassifier
from connectors.ollama.models import OllamaStatus
from connectors.ollama.prompt import PROMPT_VERSION
from connectors.ollama.settings import OLLAMA_LIMIT, OllamaSettings
from models.classification import Taxonomy


def make_classifier(taxonomy: Taxonomy, settings: OllamaSettings | None = None) -> OllamaClassifier:
    """An Ollama classifier for `taxonomy`, configured from the environment by default."""
    return OllamaClassifier(taxonomy, settings or OllamaSettings())


__all__ = [
    "OLLAMA_LIMIT",
    "PROMPT_VERSION",
    "OllamaClassifier",
    "OllamaSettings",
    "OllamaStatus",
    "make_classifier",
]
