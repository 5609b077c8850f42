"""The report of one intake run: counts only, safe to show every operator."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FormTypeCounts(BaseModel):
    """Results of one form type."""

    accepted: int = 0
    quarantined: int = 0
    duplicates: int = 0


class IntakeSummary(BaseModel):
    """What one intake run did. Stable: the CLI's `--json` prints exactly this."""

    tenant: str
    source: str
    flow_run_id: str | None = None
    files: int = 0
    accepted: int = 0
    quarantined: int = 0
    duplicates: int = 0
    errors: int = Field(0, description="left in the drop folder / `received` for the next run")
    cases_created: int = 0
    by_form_type: dict[str, FormTypeCounts] = Field(default_factory=dict)
    quarantine_reasons: dict[str, int] = Field(default_factory=dict)
    still_writing: int = Field(
        0, description="drop files changed in the last seconds: left for the next run"
    )
    quarantined_parts: int = Field(
        0,
        description="faulty forms inside e-mails quarantined on their own documents, besides "
        "the e-mail's outcome (with `quarantined`: every quarantine entry of the run)",
    )
    part_reasons: dict[str, int] = Field(default_factory=dict)
    seconds: float = 0.0
