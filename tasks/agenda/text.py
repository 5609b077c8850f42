"""Titles and references compared the way a clerk would: case, spacing, punctuation aside."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_NON_WORD = re.compile(r"\W+")
_REFERENCE = re.compile(r"(\d+)\s*/\s*(\d{2,4})")
_DIGITS = re.compile(r"\d+")


def normalise(title: str) -> str:
    """Lower case, words only, single spaces: "Mitteilungen " == "mitteilungen"."""
    return _NON_WORD.sub(" ", title.lower()).strip()


def similarity(a: str, b: str) -> float:
    """How alike two normalised titles are (0..1), order of words counting."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < 0.5 or matcher.quick_ratio() < 0.5:
        return 0.0
    return matcher.ratio()


def reference_key(reference: str | None) -> tuple[int, int, str]:
    """Sort key of a paper reference like "100/2021" or "69/2021 1. Ergänzung": year, number."""
    if not reference:
        return (9999, 999999, "")
    match = _REFERENCE.search(reference)
    if match is None:
        digits = _DIGITS.findall(reference)
        return (9999, int(digits[0]) if digits else 999999, reference)
    number, year = int(match.group(1)), int(match.group(2))
    if year < 100:
        year += 2000
    return (year, number, reference[match.end() :].strip())


def strip_number(number: str) -> str:
    """An item number without its trailing dot: "5." -> "5"."""
    return number.strip().rstrip(".")


def depth(number: str) -> int:
    """0 for "5." / "5", 1 for "5.1", 2 for "5.1.2"."""
    return strip_number(number).count(".")


def child_number(parent: str, own: str, *, dotted: bool) -> str:
    """A sub-item's number as the body writes it.

    SD.NET style (`dotted`, top level "5."): the child's own number is appended to the
    parent's text: "5." -> "5.2", "15.1" -> "15.11", "7.1" -> "7.110". Otherwise "5.2",
    "15.1.1".
    """
    if dotted:
        return f"{parent}{own}"
    return f"{parent}.{own}"


def top_number(n: int, *, dotted: bool) -> str:
    """A top-level number: "5." (SD.NET style) or "5"."""
    return f"{n}." if dotted else str(n)
