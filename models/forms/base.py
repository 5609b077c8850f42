"""The contract every municipal form model fulfils.

Interface owned by the intake flow; the concrete forms live beside this file.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

_STREET_WITH_NUMBER = re.compile(
    r"(.*?[^\d\s].*?)\s+([0-9]{1,4}\s*[a-zA-Z]?(?:\s*[-/]\s*[0-9]{1,4}\s*[a-zA-Z]?)?)"
)


class FieldError(BaseModel):
    """One field that failed, in words a clerk understands (German)."""

    field: str
    message: str


class MunicipalForm(BaseModel):
    """Base of every form model.

    Class variables describe how the form is recognised and mapped:
    `form_type` is the stable id used in tenant routing and reports,
    `title` the German title printed on acknowledgements,
    `title_patterns` lower-case phrases that identify the form in a title or text,
    `aliases` maps each model field to the labels senders use for it; the first label
    is the one printed on the blank templates (and used as their field name).
    `street_number_pairs` names (street, house number) fields that senders often fill
    as one "Hauptstraße 12a"; the number is split off when its own field is empty.
    Each model field's `title` is its German label in error messages.
    """

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)

    form_type: ClassVar[str]
    title: ClassVar[str]
    title_patterns: ClassVar[tuple[str, ...]]
    aliases: ClassVar[dict[str, tuple[str, ...]]]
    street_number_pairs: ClassVar[tuple[tuple[str, str], ...]] = ()

    @classmethod
    def field_label(cls, name: str) -> str:
        """German label of a model field for error messages (falls back to the name)."""
        info = cls.model_fields.get(name)
        return info.title if info is not None and info.title else name

    @classmethod
    def required_fields(cls) -> frozenset[str]:
        """Fields without a default: what a sender must fill in."""
        return frozenset(name for name, info in cls.model_fields.items() if info.is_required())

    @model_validator(mode="before")
    @classmethod
    def _split_street_and_number(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for street, number in cls.street_number_pairs:
            value = data.get(street)
            if isinstance(value, str) and not data.get(number):
                found = _STREET_WITH_NUMBER.fullmatch(value.strip())
                if found:
                    data = {**data, street: found.group(1), number: found.group(2)}
        return data

    def applicant_name(self) -> str:
        """Name for the salutation of the acknowledgement."""
        raise NotImplementedError

    def subject_line(self) -> str:
        """One German line naming the matter (printed on the acknowledgement)."""
        raise NotImplementedError
