"""The order of the papers that stand directly on the agenda, learnt from earlier agendas.

A clerk does not order these papers by reference number (on Hürtgenwald the real order
agrees with it only at Kendall's tau ~0.27): elections and appointments of members come
first, supplements ("1. Ergänzung") and table papers (Tischvorlagen) late, budget and
fee statutes in their usual place. A pairwise ranking model (logistic regression on the
difference of two papers' features, RankSVM style) learns from the real agendas of
earlier meetings which of two papers stands first; the papers are then sorted by their
score. Features are only what is known before the meeting: the paper's type, whether it
is a supplement, the words of its title and its rank by reference among the papers of
the same part.

Each past part (public / non-public) counts once, whatever its size: a council agenda
with 15 papers would otherwise outweigh many small committee agendas, while the replay's
figure averages over meetings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tasks.agenda.archive import Archive, PaperRecord
from tasks.agenda.structure import parents
from tasks.agenda.text import normalise, reference_key

Features = dict[str, float]

# Words that say nothing about a paper's place (articles, prepositions, words in nearly
# every title); digits are left out too (years and plan numbers change every time).
STOPWORDS = frozenset(
    (
        *("der", "die", "das", "des", "den", "dem", "ein", "eine", "eines", "einer"),
        *("und", "in", "im", "für", "von", "vom", "zur", "zum", "zu", "auf", "an", "am"),
        *("über", "mit", "bei", "hier", "bzw", "sowie", "gemeinde", "ortsteil", "nr"),
    )
)
WORD_WEIGHT = 0.5  # title words count half as much as type and reference rank
C = 0.3  # inverse regularisation strength of the logistic regression


def title_words(title: str) -> set[str]:
    """The title's informative words (lower case, no stopwords, no numbers)."""
    return {w for w in normalise(title).split() if w not in STOPWORDS and not w.isdigit()}


def reference_ranks(papers: Sequence[PaperRecord]) -> dict[str, float]:
    """Each paper's rank by reference among these papers, scaled to 0 (first) .. 1 (last)."""
    ordered = sorted(papers, key=lambda p: (reference_key(p.reference)[:2], p.id))
    last = max(len(ordered) - 1, 1)
    return {p.id: k / last for k, p in enumerate(ordered)}


def paper_features(paper: PaperRecord, reference_rank: float) -> Features:
    """What the model knows of one paper before the meeting."""
    features: Features = {
        f"type={paper.paper_type or ''}": 1.0,
        "reference_rank": reference_rank,
    }
    if "ergänzung" in (paper.reference or "").lower():
        features["supplement"] = 1.0
    for word in title_words(paper.title):
        features[f"word={word}"] = WORD_WEIGHT
    return features


def block_features(papers: Sequence[PaperRecord]) -> list[Features]:
    """The features of papers that stand together in one part of one agenda."""
    ranks = reference_ranks(papers)
    return [paper_features(p, ranks[p.id]) for p in papers]


def real_blocks(archive: Archive, meeting_id: str) -> list[list[PaperRecord]]:
    """Per part of a real agenda: its top-level papers in their real order.

    Papers under a heading (committee recommendations) or filed under a standing item
    (written announcements) are left out: the builder orders those otherwise.
    """
    items = archive.items.get(meeting_id, [])
    blocks: dict[bool, list[PaperRecord]] = {}
    seen: set[str] = set()
    for item, parent in zip(items, parents(items), strict=True):
        if parent is not None or item.paper_id is None or item.public is None:
            continue
        paper = archive.papers.get(item.paper_id)
        if paper is None or paper.id in seen:
            continue
        seen.add(paper.id)
        blocks.setdefault(item.public, []).append(paper)
    return [b for b in blocks.values() if len(b) >= 2]


def difference(first: Features, second: Features) -> Features:
    """The features of `first` minus those of `second`."""
    out = dict(first)
    for key, value in second.items():
        out[key] = out.get(key, 0.0) - value
    return out


@dataclass
class OrderModel:
    """Learns from earlier agendas in time order; sorts a meeting's direct papers.

    `refit_every`: refit after so many newly learnt meetings (a replay over hundreds of
    meetings fits a few dozen times, not per meeting). Until there are `min_pairs` pairs
    the model does not answer (`fitted` is False) and the builder keeps its fixed order.
    Pairs are stored as sparse rows over a growing vocabulary, so a refit does not turn
    thousands of feature dicts into a matrix again.
    """

    refit_every: int = 10
    min_pairs: int = 20
    meetings: int = 0
    vocabulary: dict[str, int] = field(default_factory=dict)
    _indices: list[int] = field(default_factory=list)  # all rows' columns, one after another
    _values: list[float] = field(default_factory=list)
    _ends: list[int] = field(default_factory=list)  # where each row ends in _indices
    _weights: list[float] = field(default_factory=list)
    _coef: dict[str, float] | None = None
    _fitted_on: int = -1

    @property
    def pairs(self) -> int:
        """How many ordered pairs were learnt."""
        return len(self._ends)

    def _add(self, row: Features, weight: float) -> None:
        for key, value in row.items():
            if value:
                self._indices.append(self.vocabulary.setdefault(key, len(self.vocabulary)))
                self._values.append(value)
        self._ends.append(len(self._indices))
        self._weights.append(weight)

    def learn(self, archive: Archive, meeting_ids: Iterable[str]) -> None:
        """Add the real order of these (earlier) meetings' direct papers."""
        for meeting_id in meeting_ids:
            self.meetings += 1
            for block in real_blocks(archive, meeting_id):
                features = block_features(block)
                n = len(features)
                weight = 2.0 / (n * (n - 1))  # each part counts once
                for i in range(n):
                    for j in range(i + 1, n):
                        self._add(difference(features[i], features[j]), weight)

    def stale(self) -> bool:
        """Whether enough meetings arrived since the last fit (or there is none yet)."""
        if self._coef is None:
            return self.meetings > self._fitted_on
        return self.meetings - self._fitted_on >= self.refit_every

    def refit(self) -> None:
        """Fit on every pair learnt so far, both ways round (skipped with too few pairs)."""
        self._fitted_on = self.meetings
        if self.pairs < self.min_pairs:
            return
        import numpy as np
        from scipy.sparse import csr_matrix, vstack  # type: ignore[import-untyped]
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

        shape = (self.pairs, len(self.vocabulary))
        indptr = np.array([0, *self._ends], dtype=np.int32)
        first = csr_matrix(
            (np.array(self._values), np.array(self._indices, dtype=np.int32), indptr), shape
        )
        matrix = vstack([first, -first], format="csr")
        matrix.indices = matrix.indices.astype(np.int32)  # liblinear wants 32-bit indices
        matrix.indptr = matrix.indptr.astype(np.int32)
        labels = np.array([1] * self.pairs + [0] * self.pairs)
        model = LogisticRegression(C=C, fit_intercept=False, solver="liblinear")
        model.fit(matrix, labels, sample_weight=np.array(self._weights * 2))
        names = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        self._coef = {n: float(c) for n, c in zip(names, model.coef_[0], strict=True) if c}

    @property
    def fitted(self) -> bool:
        """Whether the model answers (refitted lazily if stale)."""
        if self.stale():
            self.refit()
        return self._coef is not None

    def scores(self, papers: Sequence[PaperRecord]) -> list[float]:
        """How early each paper stands (higher = earlier), among these papers of one part."""
        if not papers or not self.fitted:
            return [0.0] * len(papers)
        coef = self._coef or {}
        return [
            sum(coef.get(k, 0.0) * v for k, v in features.items())
            for features in block_features(papers)
        ]

    def order(self, papers: Sequence[PaperRecord]) -> list[PaperRecord]:
        """The papers in suggested order (by reference where the model has no answer)."""
        by_reference = sorted(papers, key=lambda p: (reference_key(p.reference), p.id))
        scores = dict(zip((p.id for p in papers), self.scores(papers), strict=True))
        return sorted(by_reference, key=lambda p: -scores[p.id])
