"""Installation-wide settings, read from `AMTSFLOW_*` environment variables.

Per-municipality settings live in tenant files (see `models.tenant`); this holds only
what the installation as a whole decides: where data lives and how hard parsing may work.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The project root (this file lives in `<root>/models/`); the tenants shipped with
#: the project are found relative to it.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "amtsflow"


class Settings(BaseSettings):
    """Settings of one Amtsflow installation."""

    model_config = SettingsConfigDict(env_prefix="AMTSFLOW_", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="Data folder")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite under the data folder"
    )
    tenants: Path = Field(default=PROJECT_ROOT / "tenants", description="Tenant files")
    parse_workers: int = Field(default=2, ge=1, le=64)
    parse_timeout_s: float = Field(default=20.0, gt=0)
    parse_memory_mb: int = Field(default=768, ge=128)
    max_file_mb: int = Field(default=50, ge=1)
    batch_size: int = Field(default=250, ge=1, description="Files per Prefect task run")
    intake_settle_s: float = Field(
        default=5.0,
        ge=0,
        description="A drop file changed within this many seconds is still being written "
        "(a copy over the share without a temporary name): taken in by the next run",
    )

    intake_max_attempts: int = Field(
        default=3,
        ge=1,
        le=100,
        description="Runs that may fail to decide one document on an unforeseen error "
        "before it goes to quarantine (reason `internal_error`)",
    )
    intake_give_up_after_h: float = Field(
        default=24.0,
        ge=0,
        description="Hours a document must have kept failing (besides the runs) before "
        "it goes to quarantine: time for the operator to mend a bad release",
    )

    @cached_property
    def effective_database_url(self) -> str:
        """The configured URL, or SQLite in the data folder (the embedded default)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home.resolve() / 'amtsflow.db'}"

    @property
    def max_file_bytes(self) -> int:
        """Upper bound for one input file; larger ones are quarantined unread."""
        return self.max_file_mb * 2**20
