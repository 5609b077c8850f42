"""The Ollama backend when the server fails: retry what may pass, stop clearly otherwise."""

from __future__ import annotations

import time
from typing import Any

import pytest

from models.classification import ClassificationError
from tests.conftest_ollama import (  # noqa: F401  (the fixtures register by import)
    MODEL,
    classifier_fixture,
    closed_port,
    fake_ollama_fixture,
)
from tests.fake_ollama import FakeOllama, answer, error

pytestmark = pytest.mark.timeout(20)


def test_missing_model_names_ollama_pull_and_is_not_retried(
    fake_ollama: FakeOllama, classifier: Any
) -> None:
    ollama = classifier(fake_ollama.url, model="llama3.2:1b")  # not installed on the fake

    with pytest.raises(ClassificationError, match=r"`ollama pull llama3\.2:1b`"):
        ollama.classify(["Ein Antrag"])

    assert len(fake_ollama.chats) == 1


def test_documented_404_body_for_the_configured_model(
    fake_ollama: FakeOllama, classifier: Any
) -> None:
    fake_ollama.enqueue(error(404, f"model '{MODEL}' not found"))

    with pytest.raises(ClassificationError, match=f"ollama pull {MODEL}"):
        classifier(fake_ollama.url).classify(["Ein Antrag"])


def test_other_4xx_is_not_retried(fake_ollama: FakeOllama, classifier: Any) -> None:
    fake_ollama.enqueue(error(400, "invalid format: schema not supported"))

    with pytest.raises(ClassificationError, match=r"HTTP 400.*invalid format"):
        classifier(fake_ollama.url).classify(["Ein Antrag"])

    assert len(fake_ollama.chats) == 1


def test_500_then_success_is_retried(fake_ollama: FakeOllama, classifier: Any) -> None:
    fake_ollama.enqueue(
        error(500, "the model failed to generate a response"),
        error(502, "bad gateway"),
        answer("Antrag"),
    )
    [prediction] = classifier(fake_ollama.url, max_retries=2).classify(["Ein Antrag"])

    assert prediction.label == "Antrag"
    assert len(fake_ollama.chats) == 3
    assert fake_ollama.chats[0] == fake_ollama.chats[2]  # the very same request again


def test_persistent_503_ends_after_bounded_retries(
    fake_ollama: FakeOllama, classifier: Any
) -> None:
    fake_ollama.enqueue(*[error(503, "server busy, please try again")] * 10)

    started = time.monotonic()
    with pytest.raises(ClassificationError, match=r"3 Versuche, zuletzt: HTTP 503"):
        classifier(fake_ollama.url, max_retries=2, backoff_s=0.05).classify(["Ein Antrag"])

    assert len(fake_ollama.chats) == 3
    assert time.monotonic() - started >= 0.05 + 0.05  # backed off between the tries


def test_timeout_ends_in_a_clear_error(fake_ollama: FakeOllama, classifier: Any) -> None:
    fake_ollama.enqueue(answer("Antrag", delay_s=2.0), answer("Antrag", delay_s=2.0))
    ollama = classifier(fake_ollama.url, timeout_s=0.3, max_retries=1)

    started = time.monotonic()
    with pytest.raises(ClassificationError, match=r"2 Versuche.*timeout after 0\.3 s"):
        ollama.classify(["Ein Antrag"])

    assert time.monotonic() - started < 1.5


def test_timeout_then_answer_is_retried(fake_ollama: FakeOllama, classifier: Any) -> None:
    fake_ollama.enqueue(answer("Antrag", delay_s=2.0), answer("Anfrage"))
    started = time.monotonic()
    [prediction] = classifier(fake_ollama.url, timeout_s=0.3).classify(["Eine Anfrage"])

    assert prediction.label == "Anfrage"  # the second answer: the slow first was given up
    assert len(fake_ollama.chats) == 2
    assert time.monotonic() - started < 1.5


def test_refused_connection_is_retried_then_named(classifier: Any) -> None:
    host = f"http://127.0.0.1:{closed_port()}"
    ollama = classifier(host, max_retries=2, backoff_s=0.2, backoff_max_s=1.0)

    started = time.monotonic()
    with pytest.raises(ClassificationError, match=r"3 Versuche.*connection refused"):
        ollama.classify(["Ein Antrag"])
    assert time.monotonic() - started >= 0.2 + 0.4  # a refusal is instant: two backoffs waited
    status = ollama.check()
    assert not status
    assert "antwortet nicht" in status.detail


def test_a_document_failing_mid_batch_keeps_the_others_answers(
    fake_ollama: FakeOllama, classifier: Any
) -> None:
    fake_ollama.enqueue(answer("Antrag", label_probability=0.99), *[error(500, "boom")] * 3)
    fake_ollama.enqueue(answer("Anfrage", label_probability=0.99))

    first, broken, third = classifier(fake_ollama.url, max_retries=2).classify(
        ["eins", "zwei", "drei"]
    )

    assert (first.label, first.failed) == ("Antrag", False)
    assert broken.failed and broken.label is None and broken.candidate is None
    assert "3 Versuche" in broken.reasons[0] and "HTTP 500" in broken.reasons[0]
    assert (third.label, third.failed) == ("Anfrage", False)
    assert len(fake_ollama.chats) == 5


def test_two_failures_in_a_row_leave_the_rest_of_the_batch_unasked(
    fake_ollama: FakeOllama, classifier: Any
) -> None:
    fake_ollama.enqueue(answer("Antrag", label_probability=0.99), *[error(503, "busy")] * 4)

    results = classifier(fake_ollama.url, max_retries=1).classify(["a", "b", "c", "d", "e"])

    assert results[0].label == "Antrag"
    assert [r.failed for r in results] == [False, True, True, True, True]
    assert len(fake_ollama.chats) == 1 + 2 + 2  # "d" and "e" wait for the next run


def test_a_refusal_after_an_answer_stops_at_once_and_keeps_the_answer(
    fake_ollama: FakeOllama, classifier: Any
) -> None:
    fake_ollama.enqueue(answer("Antrag", label_probability=0.99), error(400, "bad request"))

    results = classifier(fake_ollama.url, max_retries=2).classify(["a", "b", "c"])

    assert [r.failed for r in results] == [False, True, True]
    assert "HTTP 400" in results[2].reasons[0]
    assert len(fake_ollama.chats) == 2


def test_a_batch_without_a_single_answer_still_raises(
    fake_ollama: FakeOllama, classifier: Any
) -> None:
    fake_ollama.enqueue(*[error(500, "boom")] * 4)

    with pytest.raises(ClassificationError, match=r"2 Versuche.*HTTP 500"):
        classifier(fake_ollama.url, max_retries=1).classify(["eins", "zwei", "drei"])

    assert len(fake_ollama.chats) == 4  # two documents tried, the third not
