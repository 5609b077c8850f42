"""The contract every municipal form model fulfils.

Interface owned by the intake flow; the concrete forms live beside this file.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


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
    `aliases` maps each model field to the labels senders use for it.
    """

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)

    form_type: ClassVar[str]
    title: ClassVar[str]
    title_patterns: ClassVar[tuple[str, ...]]
    aliases: ClassVar[dict[str, tuple[str, ...]]]

    def applicant_name(self) -> str:
        """Name for the salutation of the acknowledgement."""
        raise NotImplementedError

    def subject_line(self) -> str:
        """One German line naming the matter (printed on the acknowledgement)."""
        raise NotImplementedError
