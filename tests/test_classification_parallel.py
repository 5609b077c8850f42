"""The trained model's work spread over processes gives the same numbers as in one.

Real worker processes (joblib's loky pool) and the session's model trained on real
Karlsruhe papers; the fast TF-IDF path is checked against scikit-learn's own, on real
papers and on generated text.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from connectors.trained_model import parallel
from connectors.trained_model.stack import StackedModel, first_stage
from connectors.trained_model.vectorize import _wb_grams, tfidf_transform
from connectors.trained_model.views import VIEWS, normalise
from tests.conftest_classification import (  # noqa: F401  (the fixtures register by import)
    Saved,
    Subset,
    _saved,
    karlsruhe_fixture,
    saved_model_fixture,
)


def _batch(karlsruhe: Subset, size: int) -> list[str]:
    texts = [d.classification_text() for d in karlsruhe.unseen + karlsruhe.train]
    return (texts * (size // len(texts) + 1))[:size]


def test_worker_processes_predict_what_one_process_predicts(
    saved_model: Saved, karlsruhe: Subset
) -> None:
    texts = _batch(karlsruhe, parallel.PARALLEL_MIN_DOCUMENTS + 7)
    stack = StackedModel(saved_model.model.stack.state)
    alone = stack.predict_proba(texts, workers=1)
    spread = stack.predict_proba(texts, workers=2)
    assert spread.shape == (len(texts), len(stack.labels))
    assert np.array_equal(alone, spread)
    assert np.array_equal(stack.predict_proba(texts, workers=2), spread)  # warm pool, same model


def test_first_stage_in_workers_fits_what_one_process_fits(karlsruhe: Subset) -> None:
    texts = [normalise(t) for t in karlsruhe.texts]
    assert len(texts) >= parallel.PARALLEL_MIN_DOCUMENTS  # else it would not use the pool
    alone, parts_alone = first_stage(texts, karlsruhe.labels, workers=1)
    spread, parts_spread = first_stage(texts, karlsruhe.labels, workers=2)
    assert np.allclose(alone, spread)
    for one, other in zip(parts_alone["svms"], parts_spread["svms"], strict=True):
        assert np.allclose(one.coef_, other.coef_)
    vocabularies = [v.vocabulary_ for v in parts_spread["vectorizers"]]
    assert vocabularies == [v.vocabulary_ for v in parts_alone["vectorizers"]]


def test_char_ngrams_of_a_word_as_scikit_learn_makes_them() -> None:
    vectorizer = _saved().model.stack.state["vectorizers"][0]
    assert vectorizer.analyzer == "char_wb"  # the view the word memo serves
    analyze = vectorizer.build_analyzer()
    for word in ("a", "ab", "abc", "Oberbürgermeister", "0000/0000"):
        assert _wb_grams(word, 2, 5) == analyze(word)


def test_fast_tfidf_matches_scikit_learn_on_real_papers(
    saved_model: Saved, karlsruhe: Subset
) -> None:
    texts = [normalise(d.classification_text()) for d in karlsruhe.unseen]
    vectorizers = saved_model.model.stack.state["vectorizers"]
    for view, vectorizer in zip(VIEWS, vectorizers, strict=True):
        prepared = view.prepare(texts)
        ours, theirs = tfidf_transform(vectorizer, prepared), vectorizer.transform(prepared)
        assert ours.shape == theirs.shape
        assert ours.nnz == theirs.nnz > 0
        assert abs(ours - theirs).max() < 1e-12, view.name


_TEXT = st.text(
    alphabet=st.sampled_from(list("abcdeäöüßABC ANFRAGEntrag0123456789/.-\n")) | st.characters(),
    max_size=300,
)


@settings(max_examples=60, deadline=None)
@given(documents=st.lists(_TEXT, min_size=1, max_size=8))
def test_fast_tfidf_matches_scikit_learn_on_any_text(documents: list[str]) -> None:
    texts = [normalise("Anfrage Antrag Beschlussvorlage " + d) for d in documents]
    for view, vectorizer in zip(VIEWS, _saved().model.stack.state["vectorizers"], strict=True):
        prepared = view.prepare(texts)
        ours, theirs = tfidf_transform(vectorizer, prepared), vectorizer.transform(prepared)
        assert ours.shape == theirs.shape
        assert theirs.nnz > 0  # the fixed words are in every vocabulary
        assert (abs(ours - theirs) > 1e-12).nnz == 0, view.name
        raw = ["Antrag\t" + d for d in documents]  # any whitespace, repeated words, nothing cut
        ours, theirs = tfidf_transform(vectorizer, raw), vectorizer.transform(raw)
        assert (abs(ours - theirs) > 1e-12).nnz == 0, view.name


@given(
    count=st.integers(min_value=0, max_value=5000),
    parts=st.integers(min_value=1, max_value=8),
    most=st.integers(min_value=1, max_value=2000),
)
def test_even_slices_cover_everything_in_order(count: int, parts: int, most: int) -> None:
    slices = parallel.even_slices(count, parts, most)
    covered = [i for part in slices for i in range(count)[part]]
    assert covered == list(range(count))
    sizes = [part.stop - part.start for part in slices]
    assert all(0 < size <= most for size in sizes)
    assert not sizes or max(sizes) - min(sizes) <= 1
    assert not sizes or len(sizes) >= min(parts, count)


def test_worker_count_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.WORKERS_ENV, "1")
    assert parallel.worker_count() == 1
    monkeypatch.setenv(parallel.WORKERS_ENV, "3")
    assert parallel.worker_count() == 3
    monkeypatch.delenv(parallel.WORKERS_ENV)
    assert 1 <= parallel.worker_count() <= parallel.MAX_WORKERS
    for wrong in ("zwei", "0"):
        monkeypatch.setenv(parallel.WORKERS_ENV, wrong)
        with pytest.raises(ValidationError, match="workers"):
            parallel.worker_count()


def _dies_in_a_worker(parent: int, value: int) -> int:
    if os.getpid() != parent:
        os._exit(1)  # as if the out-of-memory killer took the worker
    return value * 2


def test_a_broken_pool_costs_speed_not_the_batch(caplog: pytest.LogCaptureFixture) -> None:
    calls = [(os.getpid(), n) for n in range(4)]
    with caplog.at_level("WARNING", logger="amtsflow.trained_model"):
        assert parallel.run_all(_dies_in_a_worker, calls, workers=2) == [0, 2, 4, 6]
    assert "Arbeitsprozesse ausgefallen (TerminatedWorkerError)" in caplog.text
