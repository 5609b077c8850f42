"""The views of a document the trained model reads, and the text normalisation before them.

A document's kind shows in its head (letterhead, "ANFRAGE", "Beschlussvorlage", the shape
of its reference number), while its body mostly tells the topic. So each view looks at
a different part or aspect, gets its own linear model, and a second stage learns how far
to trust which view (see `stack.py`). The names are stored with a saved model: changing
what a view does means a new `FORMAT` in `stack.py`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]

MAX_CHARS = 20_000
"""Characters of a document the model reads (the intake stores no more)."""

_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"\w\w+")
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")
_YEAR_SPAN = 600
_YEAR_TOKENS = 40
_SPACE_SEPARATED = r"\S+"


def normalise(text: str) -> str:
    """NFC, one space for any whitespace run, at most `MAX_CHARS` characters.

    PDF extraction yields decomposed umlauts and ragged line breaks; without this the
    same document read twice could look different to the model (and to the training hash).
    """
    head = unicodedata.normalize("NFC", text[: 2 * MAX_CHARS])
    return " ".join(head.split())[:MAX_CHARS]  # 3x faster than a regular expression


def document_year(text: str) -> int | None:
    """The first plausible year (1980-2049) in a normalised document's head."""
    found = _YEAR.search(text[:_YEAR_SPAN])
    return int(found.group(1)) if found else None


def numeric_features(texts: Sequence[str]) -> list[list[float]]:
    """Year and log length: conventions change over the years, attachments are long."""
    return [[float(document_year(t) or -1), math.log1p(len(t))] for t in texts]


def _head(stop: int) -> Callable[[Sequence[str]], list[str]]:
    def prepare(texts: Sequence[str]) -> list[str]:
        return [t[:stop] for t in texts]

    return prepare


def _whole(texts: Sequence[str]) -> list[str]:
    return list(texts)


def _year_context(texts: Sequence[str]) -> list[str]:
    """Head words joined with the document's year.

    The same word may mean another kind of paper before and after a council changed
    its conventions (Karlsruhe filed motions as "Beschlussvorlage" until 2013).
    """
    out = []
    for text in texts:
        year = document_year(text)
        words = _WORD.findall(text[:_YEAR_SPAN].lower())[:_YEAR_TOKENS]
        out.append(" ".join(f"{w}@{year}" for w in words) + f" year@{year}")
    return out


def _shape(texts: Sequence[str]) -> list[str]:
    """Head with digits as 0 and case kept: "ANFRAGE", "0000/0000/0" are format cues."""
    return [_DIGIT.sub("0", t[:400]) for t in texts]


def _vectorizer(**options: object) -> Callable[[int], TfidfVectorizer]:
    def make(min_df: int) -> TfidfVectorizer:
        return TfidfVectorizer(sublinear_tf=True, min_df=min_df, **options)

    return make


@dataclass(frozen=True)
class View:
    """One way of looking at a document: which text, and how it becomes features."""

    name: str
    prepare: Callable[[Sequence[str]], list[str]]
    vectorizer: Callable[[int], TfidfVectorizer]
    cost: int
    """Relative fitting time; the slowest views are started first."""


VIEWS: tuple[View, ...] = (
    View(
        "head_chars",
        _head(200),
        _vectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=False),
        12,
    ),
    View("head_words", _head(1000), _vectorizer(ngram_range=(1, 2)), 6),
    View("body_words", _whole, _vectorizer(), 10),
    View("year_context", _year_context, _vectorizer(token_pattern=_SPACE_SEPARATED), 2),
    View(
        "head_shape",
        _shape,
        _vectorizer(token_pattern=_SPACE_SEPARATED, lowercase=False, ngram_range=(1, 2)),
        2,
    ),
)
VIEW_NAMES = tuple(view.name for view in VIEWS)
