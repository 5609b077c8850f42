"""From the labels senders use to a form model's fields.

Labels are compared by `compact_key`: case, umlaut spelling, spaces, punctuation and a
trailing ':' or '*' do not matter, so "PLZ (Betriebsstätte):", "plz_betriebsstaette" and
"Betriebsstätte.PLZ" are the same label once the qualifier order is listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache

from models.forms.base import MunicipalForm
from models.german import compact_key

STREET = ("Straße", "Str.", "Straße und Hausnummer", "Straße, Hausnummer", "street")
HOUSE_NUMBER = ("Hausnummer", "Hausnr.", "Haus-Nr.", "Nr.", "house_number")
POSTAL_CODE = ("PLZ", "Postleitzahl", "postal_code", "zip", "zip_code")
CITY = ("Ort", "Wohnort", "Stadt", "Gemeinde", "city")
PHONE = ("Telefon", "Tel.", "Telefonnummer", "Rufnummer", "phone", "telefon_nr")
EMAIL = ("E-Mail", "E-Mail-Adresse", "Mail", "email_address")


def qualified(labels: Iterable[str], qualifiers: Iterable[str]) -> tuple[str, ...]:
    """Every "label (qualifier)" and "qualifier.label" spelling, e.g. "PLZ (Betriebsstätte)"."""
    pairs = [(label, qualifier) for qualifier in qualifiers for label in labels]
    return tuple(f"{label} ({q})" for label, q in pairs) + tuple(
        f"{q}.{label}" for label, q in pairs
    )


@cache
def alias_index(form: type[MunicipalForm]) -> dict[str, str]:
    """Compact label -> field name, including the field names themselves.

    Raises:
        ValueError: two fields of one form claim the same label (a bug in the form).

    """
    index: dict[str, str] = {}
    for field in form.model_fields:
        for label in (field, *form.aliases.get(field, ())):
            key = compact_key(label)
            if index.setdefault(key, field) != field:
                raise ValueError(f"{form.form_type}: label {label!r} names two fields")
    return index


def map_fields(form: type[MunicipalForm], fields: Mapping[str, object]) -> dict[str, str]:
    """Pick the values for `form` out of a sender's label -> value mapping.

    Empty values count as missing (blank PDF fields arrive as ""). A label that matches
    exactly wins; otherwise leading segments of a nested key are dropped one by one
    ("antrag.daten.plz" -> "daten.plz" -> "plz"), since web forms wrap their fields in
    objects named as they please. Unknown labels are ignored. The first value wins.
    """
    index = alias_index(form)
    mapped: dict[str, str] = {}
    unmatched: list[tuple[str, str]] = []
    for label, value in fields.items():
        if isinstance(value, bool):
            text = "ja" if value else "nein"
        elif isinstance(value, str | int | float):
            text = str(value).strip()
        else:
            continue
        if not text:
            continue
        field = index.get(compact_key(label))
        if field is None:
            unmatched.append((label, text))
        elif field not in mapped:
            mapped[field] = text
    for label, text in unmatched:
        parts = re.split(r"[./>\[\]]+", label)
        for start in range(1, len(parts)):
            field = index.get(compact_key(".".join(parts[start:])))
            if field is not None:
                mapped.setdefault(field, text)
                break
    return mapped


def address_aliases(
    prefix: str, printed: str | None, qualifiers: tuple[str, ...], bare: bool
) -> dict[str, tuple[str, ...]]:
    """Aliases for the address fields `<prefix>street`, `..house_number`, `..postal_code`, `..city`.

    Args:
        prefix: field name prefix, e.g. "site_".
        printed: qualifier on the blank template ("Straße (Betriebsstätte)"), None for none.
        qualifiers: words senders put before or after the label ("Betriebsstätte.PLZ").
        bare: whether unqualified labels ("PLZ") belong to this address.

    """
    parts = {
        "street": STREET,
        "house_number": HOUSE_NUMBER,
        "postal_code": POSTAL_CODE,
        "city": CITY,
    }
    return {
        f"{prefix}{name}": (
            f"{labels[0]} ({printed})" if printed else labels[0],
            *(labels if bare else ()),
            *qualified(labels, qualifiers),
        )
        for name, labels in parts.items()
    }
