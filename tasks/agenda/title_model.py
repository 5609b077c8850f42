"""A classifier of agenda-item titles (public / non-public), trained on the body's own history.

Three parts: a memory of every title the body has used (exact after normalisation: a matter
often returns, e.g. from the committee's non-public part to the council's), the counts of
similar earlier titles (the same item with another year, a typo, a number) and a linear
model over character and word n-grams for new titles. Memory and similar titles are kept
apart for items with and without a published paper: an item without a paper that bears the
title of an earlier published paper is often the non-public follow-up of that matter, so the
paper's public deliberation says nothing about it. The model is refitted lazily, when
asked, and only after the history has grown by `refit_every` titles, so a replay over
hundreds of meetings stays fast.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

import numpy as np

from tasks.agenda.text import normalise

SIMILAR = 0.85  # titles at least this alike (text.similarity) count as the same item
BUCKETS = 128  # letters counted per bucket (ord % BUCKETS) for a quick upper bound


def _letters(key: str) -> np.ndarray:
    """The letter counts of a title, folded into BUCKETS buckets."""
    counts = np.zeros(BUCKETS, dtype=np.int32)
    np.add.at(counts, [ord(c) % BUCKETS for c in key], 1)
    return counts


@dataclass
class _Titles:
    """The distinct titles of one kind with their letter counts, to find similar ones fast.

    Twice the shared letters over both lengths bounds difflib's ratio from above (folding
    letters into buckets only raises the bound), so only the few titles that can reach
    SIMILAR are compared with the slow matcher.
    """

    keys: list[str] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)
    _matrix: np.ndarray | None = None

    def add(self, key: str) -> None:
        self.keys.append(key)
        self.rows.append(_letters(key))

    def alike(self, key: str) -> list[str]:
        """The titles at least SIMILAR like `key` (`key` itself left out)."""
        if not self.keys or not key:
            return []
        if self._matrix is None or len(self._matrix) < len(self.rows):
            done = 0 if self._matrix is None else len(self._matrix)
            fresh = np.vstack(self.rows[done:])
            self._matrix = fresh if self._matrix is None else np.vstack([self._matrix, fresh])
        lengths = self._matrix.sum(axis=1)
        shared = np.minimum(self._matrix, _letters(key)).sum(axis=1)
        bound = 2 * shared / (lengths + len(key))
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq1(key)
        found = []
        for at in np.flatnonzero(bound >= SIMILAR):
            other = self.keys[at]
            matcher.set_seq2(other)  # as text.similarity(key, other)
            if other != key and matcher.ratio() >= SIMILAR:
                found.append(other)
        return found


@dataclass(frozen=True)
class TitleVerdict:
    """What the history says about one title."""

    p_nonpublic: float | None  # None: no model yet (too little or one-sided history)
    seen_public: int = 0  # the same title (and the same kind: with/without paper) before
    seen_nonpublic: int = 0
    published_public: float | None = None  # for a published paper: share of earlier ones public
    like_public: int = 0  # similar, not equal titles of the same kind (only without a paper)
    like_nonpublic: int = 0


PAPER_MARK = "vorlage_im_ris"


def _text(title: str, has_paper: bool) -> str:
    """What the model reads: the title, marked when a published paper belongs to it."""
    return f"{PAPER_MARK} {title}" if has_paper else title


def _pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.pipeline import make_pipeline, make_union  # type: ignore[import-untyped]

    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
    )
    model = LogisticRegression(C=10.0, class_weight="balanced", solver="liblinear")
    return make_pipeline(features, model)


@dataclass
class TitleModel:
    """Learns from (title, public, has paper) triples in time order; answers for new titles."""

    refit_every: int = 200
    min_examples: int = 20
    titles: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)  # 1 = non-public
    memory: dict[tuple[str, bool], Counter[bool]] = field(default_factory=dict)
    published: Counter[bool] = field(default_factory=Counter)  # items with a paper: public?
    min_published: int = 30
    _titles: dict[bool, _Titles] = field(default_factory=dict)  # per kind: with paper?
    _model: Any = None
    _fitted_on: int = 0

    def learn(self, examples: Iterable[tuple[str, bool, bool]]) -> None:
        """Add titles with their real part (True = public) and whether a paper was linked.

        Whether an item had a published paper is part of what is learnt: in a public
        information system the papers with a consultation are (nearly) always public.
        """
        for title, public, has_paper in examples:
            key = normalise(title)
            if not key:
                continue
            if (key, has_paper) not in self.memory:
                self.memory[(key, has_paper)] = Counter()
                self._titles.setdefault(has_paper, _Titles()).add(key)
            self.memory[(key, has_paper)][public] += 1
            self.titles.append(_text(title, has_paper))
            self.labels.append(0 if public else 1)
            if has_paper:
                self.published[public] += 1

    def stale(self) -> bool:
        """Whether enough new titles arrived since the last fit (or there is none yet)."""
        if self._model is None:
            return len(self.titles) > self._fitted_on
        return len(self.titles) - self._fitted_on >= self.refit_every

    def refit(self) -> None:
        """Fit the model on the whole history (skipped while one class is missing)."""
        if len(set(self.labels)) < 2 or len(self.titles) < self.min_examples:
            self._fitted_on = len(self.titles)
            return
        model = _pipeline()
        model.fit(self.titles, self.labels)
        self._model, self._fitted_on = model, len(self.titles)

    def similar(self, title: str, has_paper: bool) -> Counter[bool]:
        """Parts of the earlier titles of the same kind that are alike but not equal."""
        found: Counter[bool] = Counter()
        titles = self._titles.get(has_paper)
        if titles is not None:
            for other in titles.alike(normalise(title)):
                found.update(self.memory[(other, has_paper)])
        return found

    def judge(self, titles: list[str], papers: list[bool] | None = None) -> list[TitleVerdict]:
        """The history's answer for each title (`papers`: whether each is a published paper)."""
        has_paper = papers if papers is not None else [False] * len(titles)
        total = sum(self.published.values())
        share = self.published[True] / total if total >= self.min_published else None
        if self.stale():  # lazily: a replay of one meeting fits once, not per meeting
            self.refit()
        probabilities: list[float | None] = [None] * len(titles)
        if self._model is not None and titles:
            texts = [_text(t, p) for t, p in zip(titles, has_paper, strict=True)]
            found = self._model.predict_proba(texts)[:, 1]
            probabilities = [float(p) for p in found]
        verdicts = []
        for title, p, paper in zip(titles, probabilities, has_paper, strict=True):
            seen = self.memory.get((normalise(title), paper), Counter())
            # similar titles only for items without a paper: a paper's title names one matter
            like = self.similar(title, paper) if not seen and not paper else Counter()
            verdicts.append(
                TitleVerdict(
                    p,
                    seen[True],
                    seen[False],
                    share if paper else None,
                    like[True],
                    like[False],
                )
            )
        return verdicts
