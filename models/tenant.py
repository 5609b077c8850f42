"""A municipality (tenant) as described in its tenant file, validated before any run uses it."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.agenda import AgendaConfig
from models.classification import Label
from models.deployment import DeploymentConfig, SecretRefs, normalise_secrets
from models.german import AGS

SLUG_PATTERN = r"^[a-z][a-z0-9-]{1,39}$"


class Department(BaseModel):
    """An office (Amt/Fachbereich) and the form types it is responsible for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^\d{1,3}(\.\d{1,3})*$", description="Aktenplan-Kennzeichen")
    name: str = Field(min_length=2)
    form_types: list[str] = Field(default_factory=list)


_ALLOWED_PLACEHOLDERS = {"department", "year", "seq"}


class FileNumberScheme(BaseModel):
    """How file numbers (Aktenzeichen) are formed, e.g. `32.10-2026-00042`.

    The sequence counts per department and year, so the pattern must contain `{seq}`
    and should contain `{department}` and `{year}` to stay unique.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: str = "{department}-{year}-{seq:05d}"

    @model_validator(mode="after")
    def _check_pattern(self) -> FileNumberScheme:
        names = {f[1] for f in string.Formatter().parse(self.pattern) if f[1] is not None}
        unknown = names - _ALLOWED_PLACEHOLDERS
        if unknown:
            raise ValueError(f"unbekannte Platzhalter im Aktenzeichen: {sorted(unknown)}")
        if not {"department", "year", "seq"} <= names:
            raise ValueError("Aktenzeichen braucht {department}, {year} und {seq}")
        self.format("1.0", 2026, 1)  # fails here, at load time, on a bad format spec
        return self

    def format(self, department: str, year: int, seq: int) -> str:
        """Render one file number."""
        return self.pattern.format(department=department, year=year, seq=seq)


class IntakeSource(BaseModel):
    """A drop folder (local or mounted share) the intake reads from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    kind: Literal["folder"] = "folder"
    path: Path = Field(description="Relative paths are relative to the tenant file's folder")


class ClassificationConfig(BaseModel):
    """How a municipality's incoming documents are sorted (taxonomy and thresholds)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    labels: list[Label] = Field(min_length=2)
    backend: Literal["hybrid", "trained", "ollama"] = "hybrid"
    trained_threshold: float | None = Field(
        default=None, ge=0, le=1, description="None: the trained model's own default"
    )
    llm_threshold: float = Field(default=0.9, ge=0, le=1)
    seed_data: Path | None = Field(
        default=None, description="Labelled JSONL history; relative to the tenant file's folder"
    )
    form_labels: dict[str, str] = Field(
        default_factory=dict, description="form type -> label: accepted cases become examples"
    )

    @model_validator(mode="after")
    def _check_labels(self) -> ClassificationConfig:
        names = [label.name for label in self.labels]
        if len(names) != len(set(names)):
            raise ValueError("Kategorien doppelt vergeben")
        unknown = set(self.form_labels.values()) - set(names)
        if unknown:
            raise ValueError(f"form_labels nennt unbekannte Kategorien: {sorted(unknown)}")
        return self


class OParlConfig(BaseModel):
    """Where the municipality's council information system answers in OParl."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system_url: str = Field(pattern=r"^https?://\S+$", description="URL of the OParl System")
    body: str | None = Field(
        default=None, description="OParl id of the municipality's Body; None: every body"
    )


class Tenant(BaseModel):
    """One municipality: identity, organisation, file-number scheme and intake sources."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slug: str = Field(pattern=SLUG_PATTERN)
    name: str = Field(min_length=2)
    ags: AGS
    departments: list[Department] = Field(min_length=1)
    file_number: FileNumberScheme = FileNumberScheme()
    intake_sources: list[IntakeSource] = Field(default_factory=list)
    classification: ClassificationConfig | None = None
    oparl: OParlConfig | None = None
    agenda: AgendaConfig | None = None
    deployment: DeploymentConfig = DeploymentConfig()
    secrets: SecretRefs = SecretRefs()

    @model_validator(mode="before")
    @classmethod
    def _secret_names(cls, data: Any) -> Any:
        if isinstance(data, dict) and "secrets" in data:
            data = {**data, "secrets": normalise_secrets(data["secrets"], data.get("slug"))}
        return data

    @model_validator(mode="after")
    def _check_routing(self) -> Tenant:
        codes = [d.code for d in self.departments]
        if len(codes) != len(set(codes)):
            raise ValueError("Fachbereichs-Kennzeichen doppelt vergeben")
        seen: dict[str, str] = {}
        for dept in self.departments:
            for form_type in dept.form_types:
                if form_type in seen:
                    raise ValueError(
                        f"Formular {form_type!r} ist {seen[form_type]} und {dept.code} zugeordnet"
                    )
                seen[form_type] = dept.code
        return self

    def department_for(self, form_type: str) -> Department | None:
        """The department responsible for a form type, or None if the tenant has none."""
        for dept in self.departments:
            if form_type in dept.form_types:
                return dept
        return None

    def source(self, name: str) -> IntakeSource | None:
        """A configured intake source by name."""
        return next((s for s in self.intake_sources if s.name == name), None)
