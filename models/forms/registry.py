"""Which form is it, and is it filled in correctly? Both answered without any I/O.

Detection trusts, in this order: what the sender says (a form id field or the document
title), what the document says (a title phrase near its start), and finally which form's
labels the fields resemble, but only when that resemblance is strong and unambiguous:
a wrong guess would send a citizen's data to the wrong department.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel, SerializeAsAny, ValidationError
from pydantic_core import ErrorDetails

from models.forms.base import FieldError, MunicipalForm
from models.forms.gewerbeanmeldung import Gewerbeanmeldung
from models.forms.hundesteuer import HundesteuerAnmeldung
from models.forms.labels import alias_index, map_fields
from models.forms.maengelmeldung import Maengelmeldung
from models.forms.sondernutzung import Sondernutzung
from models.german import ERROR_PREFIX, compact_key

FORM_TYPES: dict[str, type[MunicipalForm]] = {
    form.form_type: form
    for form in (Gewerbeanmeldung, HundesteuerAnmeldung, Sondernutzung, Maengelmeldung)
}
FORM_ID_KEYS = frozenset(
    compact_key(key)
    for key in ("formular", "form", "form_type", "formType", "formularTyp", "formularart",
                "form_id", "formular_id", "formularname", "form_name", "formulartyp")
)  # fmt: skip
TEXT_WINDOW = 2000
MIN_REQUIRED_SHARE = 0.6
MIN_LEAD = 0.2

_MESSAGES = {
    "missing": "Pflichtangabe fehlt",
    "int_parsing": "Ganze Zahl erwartet",
    "int_from_float": "Ganze Zahl erwartet",
    "int_type": "Ganze Zahl erwartet",
    "float_parsing": "Zahl erwartet (z. B. 12,5)",
    "float_type": "Zahl erwartet (z. B. 12,5)",
    "finite_number": "Zahl erwartet (z. B. 12,5)",
    "greater_than": "Wert muss größer als {gt} sein",
    "greater_than_equal": "Wert muss mindestens {ge} sein",
    "less_than": "Wert muss kleiner als {lt} sein",
    "less_than_equal": "Wert darf höchstens {le} sein",
    "string_too_short": "Angabe ist zu kurz (mindestens {min_length} Zeichen)",
    "string_too_long": "Angabe ist zu lang (höchstens {max_length} Zeichen)",
    "string_type": "Text erwartet",
    "string_pattern_mismatch": "Angabe hat nicht das erwartete Format",
    "enum": "Ungültige Auswahl",
    "literal_error": "Ungültige Auswahl",
    "bool_parsing": "Bitte ja oder nein angeben",
    "bool_type": "Bitte ja oder nein angeben",
    "date_parsing": "Datum ungültig: bitte als TT.MM.JJJJ angeben, z. B. 31.12.2026",
    "date_from_datetime_parsing": "Datum ungültig: bitte als TT.MM.JJJJ angeben",
    "date_type": "Datum ungültig: bitte als TT.MM.JJJJ angeben",
}
_FALLBACK = "Angabe ungültig"


class FormValidation(BaseModel):
    """The outcome of validating one submission: a form, or the errors a clerk must see."""

    form: SerializeAsAny[MunicipalForm] | None
    errors: list[FieldError]

    @property
    def ok(self) -> bool:
        """True when the form is valid and can become a case."""
        return self.form is not None and not self.errors


def _form_named(value: str) -> str | None:
    key = compact_key(value)
    for form_type, form in FORM_TYPES.items():
        names = (form_type, form.title, *form.title_patterns)
        if key and (key in {compact_key(n) for n in names} or _mentions(key, form)):
            return form_type
    return None


def _mentions(compact_text: str, form: type[MunicipalForm]) -> bool:
    return any(compact_key(pattern) in compact_text for pattern in form.title_patterns)


def _first_mentioned(text: str) -> str | None:
    """Return the form whose title phrase appears earliest in `text` (a letter may name several)."""
    compact = compact_key(text[:TEXT_WINDOW])
    positions = [
        (index, form_type)
        for form_type, form in FORM_TYPES.items()
        for pattern in form.title_patterns
        if (index := compact.find(compact_key(pattern))) >= 0
    ]
    return min(positions)[1] if positions else None


@cache
def _own_labels(form_type: str) -> frozenset[str]:
    """Compact labels only this form knows: one of them must be present to guess by labels."""
    others = {
        key for other, f in FORM_TYPES.items() if other != form_type for key in alias_index(f)
    }
    return frozenset(alias_index(FORM_TYPES[form_type]).keys() - others)


def _by_labels(fields: Mapping[str, str]) -> str | None:
    labels = {compact_key(label) for label in fields}
    scores: list[tuple[float, str]] = []
    for form_type, form in FORM_TYPES.items():
        required = form.required_fields()
        present = set(map_fields(form, fields)) & required
        own = labels & _own_labels(form_type)
        scores.append((len(present) / len(required) if own and required else 0.0, form_type))
    scores.sort(reverse=True)
    (best, form_type), (runner_up, _) = scores[0], scores[1]
    return form_type if best >= MIN_REQUIRED_SHARE and best - runner_up >= MIN_LEAD else None


def detect_form_type(fields: Mapping[str, str], title: str | None, text: str) -> str | None:
    """Name the form a submission is, or None when that cannot be said with confidence.

    A form id field naming no form of ours (a "wohngeldantrag") returns None at once:
    the sender told us what it is, and guessing from similar labels would be wrong.
    """
    for label, value in fields.items():
        if (
            isinstance(value, str)
            and value.strip()
            and compact_key(label.split(".")[-1]) in FORM_ID_KEYS
        ):
            return _form_named(value)
    if title and (named := _form_named(title)):
        return named
    return _first_mentioned(text) or _by_labels(fields)


def _message(error: ErrorDetails) -> str:
    if error["type"].startswith(ERROR_PREFIX):
        return error["msg"]
    template = _MESSAGES.get(error["type"], _FALLBACK)
    context: dict[str, Any] = dict(error.get("ctx") or {})
    try:
        return template.format(**{k: str(v).replace(".", ",") for k, v in context.items()})
    except (KeyError, IndexError):
        return _FALLBACK


def validate_form(form_type: str, fields: Mapping[str, str]) -> FormValidation:
    """Validate a sender's label -> value mapping as `form_type`.

    Errors name the field by its German label and say why in German; one error per
    field (the first), in form order. Error texts never contain the submitted values.

    Raises:
        KeyError: `form_type` is not one of `FORM_TYPES` (a caller's bug, not a citizen's).

    """
    form = FORM_TYPES[form_type]
    try:
        return FormValidation(form=form.model_validate(map_fields(form, fields)), errors=[])
    except ValidationError as exc:
        by_field: dict[str, FieldError] = {}
        for error in exc.errors(include_url=False, include_input=False):
            name = str(error["loc"][0]) if error["loc"] else ""
            label = form.field_label(name) if name else form.title
            by_field.setdefault(name, FieldError(field=label, message=_message(error)))
        order = list(form.model_fields)
        ranked = sorted(
            by_field.items(), key=lambda item: order.index(item[0]) if item[0] in order else -1
        )
        return FormValidation(form=None, errors=[error for _, error in ranked])
