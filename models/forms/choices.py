"""Lenient choice fields: citizens write "schlagloch", "Straßenlaterne kaputt" or "GmbH"."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from pydantic import BeforeValidator

from models.german import compact_key, german_error

E = TypeVar("E", bound=StrEnum)


def lenient_choice(choices: type[E], synonyms: Mapping[str, E] | None = None) -> BeforeValidator:
    """Build a validator that maps what people type to a member of `choices`.

    Exact matches of value, member name or synonym come first (folded, punctuation
    ignored); then a synonym of at least 4 letters contained in the input, but only if
    it points to a single member ("Schlagloch vor Nr. 5" -> Schlagloch). Nothing falls
    back to "Sonstiges" silently: a clerk should see what could not be understood.
    """
    lookup = {compact_key(m.value): m for m in choices} | {compact_key(m.name): m for m in choices}
    lookup |= {compact_key(word): member for word, member in (synonyms or {}).items()}
    allowed = ", ".join(m.value for m in choices)

    def parse(value: object) -> E:
        if isinstance(value, choices):
            return value
        if not isinstance(value, str):
            raise german_error("auswahl", f"Ungültige Auswahl (möglich: {allowed})")
        key = compact_key(value)
        if key in lookup:
            return lookup[key]
        hits = {member for word, member in lookup.items() if len(word) >= 4 and word in key}
        if len(hits) == 1:
            return hits.pop()
        raise german_error("auswahl", f"Ungültige Auswahl (möglich: {allowed})")

    return BeforeValidator(parse)
