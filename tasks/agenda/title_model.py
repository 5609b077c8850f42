"""A classifier of agenda-item titles (public / non-public), trained on the body's own history.

Two parts: a memory of every title the body has used (exact after normalisation: a matter
often returns, e.g. from the committee's non-public part to the council's) and a linear
model over character and word n-grams for new titles. The memory is kept apart for items
with and without a published paper: an item without a paper that bears the title of an
earlier published paper is often the non-public follow-up of that matter, so the paper's
public deliberation says nothing about it. The model is refitted lazily, when
asked, and only after the history has grown by `refit_every` titles, so a replay over
hundreds of meetings stays fast.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tasks.agenda.text import normalise


@dataclass(frozen=True)
class TitleVerdict:
    """What the history says about one title."""

    p_nonpublic: float | None  # None: no model yet (too little or one-sided history)
    seen_public: int = 0  # the same title (and the same kind: with/without paper) before
    seen_nonpublic: int = 0
    published_public: float | None = None  # for a published paper: share of earlier ones public


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
    """Learns from (title, public) pairs in time order; answers for new titles."""

    refit_every: int = 200
    min_examples: int = 20
    titles: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)  # 1 = non-public
    memory: dict[tuple[str, bool], Counter[bool]] = field(default_factory=dict)
    published: Counter[bool] = field(default_factory=Counter)  # items with a paper: public?
    min_published: int = 30
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
            self.memory.setdefault((key, has_paper), Counter())[public] += 1
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
            verdicts.append(TitleVerdict(p, seen[True], seen[False], share if paper else None))
        return verdicts
