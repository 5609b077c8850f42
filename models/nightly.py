"""What a nightly batch run did, step by step (the summary operators read in the console)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

StepStatus = Literal["completed", "skipped", "failed"]


class StepOutcome(BaseModel):
    """One step of the nightly chain; counts only, never names or contents."""

    step: str = Field(description="e.g. `oparl-sync`, `intake:post`, `cleanup`")
    status: StepStatus
    reason: str | None = Field(
        default=None, description="why skipped or failed (German, scrubbed of paths/addresses)"
    )
    counts: dict[str, int] = Field(default_factory=dict)
    flow_run_id: str | None = None
    seconds: float = 0.0


class CleanupSummary(BaseModel):
    """What the clean-up moved or removed in one tenant's folders."""

    tenant: str
    archived: int = Field(0, description="decided files moved from the drop folders to the archive")
    left_waiting: int = Field(0, description="files not yet decided: stay for the next intake")
    archive_failed: int = Field(0, description="files that could not be moved (stay; retried)")
    not_in_store: int = Field(
        0,
        description="decided files whose original is missing from the store (or differs in "
        "size): left in the drop folder, the only copy, for the operator",
    )
    set_aside: int = Field(
        0,
        description="files over the size limit, quarantined by the intake, moved into "
        "`.zu-gross` (the intake could not move them)",
    )
    samples_kept: int = Field(
        0, description="drop folders inside the project checkout (shipped samples): not touched"
    )
    archive_days_removed: int = Field(0, description="archive day folders past their retention")
    archive_files_removed: int = 0
    tmp_removed: int = Field(0, description="leftovers of interrupted writes")
    seconds: float = 0.0


class NightlySummary(BaseModel):
    """The nightly batch of one tenant: every step's outcome."""

    tenant: str
    flow_run_id: str | None = None
    steps: list[StepOutcome] = Field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[StepOutcome]:
        """Steps that failed (the run ends Failed when there is one)."""
        return [s for s in self.steps if s.status == "failed"]
