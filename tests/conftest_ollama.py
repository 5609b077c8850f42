"""Shared material for the Ollama backend tests: the fake server fixture and a taxonomy.

Not a pytest conftest (the lead owns tests/conftest.py); the test modules import it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.ollama import OllamaClassifier, OllamaSettings
from models.classification import Label, Taxonomy
from tests.fake_ollama import FakeOllama

MODEL = "qwen2.5:3b-instruct"

TAXONOMY = Taxonomy(
    labels=(
        Label(
            name="Beschlussvorlage", description="Vorlage mit Beschlussvorschlag für ein Gremium"
        ),
        Label(name="Anfrage", description="Fragen einer Fraktion oder eines Ratsmitglieds"),
        Label(name="Antrag", description="Antrag einer Fraktion an ein Gremium"),
        Label(name="Mitteilungsvorlage", description="Information ohne Beschluss"),
    )
)


@pytest.fixture(name="fake_ollama")
def fake_ollama_fixture() -> Iterator[FakeOllama]:
    """A fresh fake Ollama server on an ephemeral port of 127.0.0.1."""
    with FakeOllama(models=(MODEL,)) as server:
        yield server


def fast_settings(host: str, **overrides: Any) -> OllamaSettings:
    """Settings for tests: short timeouts and millisecond backoff, nothing from the environment."""
    values: dict[str, Any] = {
        "host": host,
        "model": MODEL,
        "timeout_s": 2.0,
        "connect_timeout_s": 1.0,
        "check_timeout_s": 1.0,
        "num_ctx": 4096,
        "answer_tokens": 256,
        "chars_per_token": 3.0,
        "max_retries": 2,
        "backoff_s": 0.01,
        "backoff_max_s": 0.05,
        "seed": 42,
        "keep_alive": "10m",
        "logprobs": True,
        "self_reported_cap": 0.7,
    }
    return OllamaSettings(**(values | overrides))


@pytest.fixture(name="classifier")
def classifier_fixture() -> Iterator[Any]:
    """Build classifiers against any host; closes their connections afterwards."""
    made: list[OllamaClassifier] = []

    def build(host: str, taxonomy: Taxonomy = TAXONOMY, **overrides: Any) -> OllamaClassifier:
        classifier = OllamaClassifier(taxonomy, fast_settings(host, **overrides))
        made.append(classifier)
        return classifier

    yield build
    for classifier in made:
        classifier.close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
