"""TF-IDF features for documents, the same numbers as `TfidfVectorizer.transform`, faster.

scikit-learn counts each token in a Python loop with a `try` per token; here the C
`Counter` counts the vocabulary indices of a document at once, and the TF-IDF weighting
(sublinear tf, idf, l2 norm) is applied to the whole matrix with numpy. Prediction
spends most of its time here. Only vectorizers fitted as `views._vectorizer` makes them
(sublinear tf, idf, l2 norm) are accepted; anything else goes through scikit-learn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.preprocessing import normalize  # type: ignore[import-untyped]


def _supported(vectorizer: TfidfVectorizer) -> bool:
    return bool(
        vectorizer.sublinear_tf
        and vectorizer.use_idf
        and vectorizer.norm == "l2"
        and not vectorizer.binary
        and getattr(vectorizer, "vocabulary_", None) is not None
    )


def _wb_grams(word: str, low: int, high: int) -> list[str]:
    """scikit-learn's `char_wb` n-grams of one word (padded; a short word counts once)."""
    padded = f" {word} "
    size = len(padded)
    grams: list[str] = []
    for n in range(low, high + 1):
        if size <= n:
            grams.append(padded[:n])
            break
        grams.extend([padded[i : i + n] for i in range(size - n + 1)])
    return grams


def _token_counts(vectorizer: TfidfVectorizer, documents: Sequence[str]) -> Iterator[Counter[Any]]:
    """Vocabulary index -> count, per document.

    `char_wb` n-grams never cross a word, so a word's indices are looked up once per
    call and reused: most words of a letterhead recur in every document, and this view
    is otherwise a third of the prediction time.
    """
    index_of = vectorizer.vocabulary_.get
    if vectorizer.analyzer != "char_wb":
        analyze = vectorizer.build_analyzer()
        for document in documents:
            yield Counter(map(index_of, analyze(document)))
        return
    preprocess, decode = vectorizer.build_preprocessor(), vectorizer.decode
    low, high = vectorizer.ngram_range
    memo: dict[str, list[int]] = {}
    for document in documents:
        found: list[int] = []
        for word in preprocess(decode(document)).split():
            known = memo.get(word)
            if known is None:
                grams = map(index_of, _wb_grams(word, low, high))
                known = memo[word] = [i for i in grams if i is not None]
            found.extend(known)
        yield Counter(found)


def tfidf_transform(vectorizer: TfidfVectorizer, documents: Sequence[str]) -> Any:
    """`vectorizer.transform(documents)` (CSR, float64), computed with C-level counting."""
    if not _supported(vectorizer):
        return vectorizer.transform(documents)
    indptr = [0]
    indices: list[int] = []
    counts: list[int] = []
    for found in _token_counts(vectorizer, documents):
        found.pop(None, None)  # tokens outside the vocabulary
        indices.extend(found.keys())
        counts.extend(found.values())
        indptr.append(len(indices))
    data = np.asarray(counts, dtype=np.float64)
    columns = np.asarray(indices, dtype=np.int64)
    data = (np.log(data) + 1.0) * vectorizer.idf_[columns]
    matrix = sp.csr_matrix(
        (data, columns, np.asarray(indptr, dtype=np.int64)),
        shape=(len(documents), len(vectorizer.vocabulary_)),
    )
    matrix.sort_indices()
    return normalize(matrix, norm="l2", copy=False)
