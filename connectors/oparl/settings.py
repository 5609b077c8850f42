"""Settings of the OParl connector, read from `AMTSFLOW_OPARL_*` environment variables.

The defaults are polite to a municipal IT provider's server that also serves the public:
four requests at a time, a generous read timeout (list pages of big cities take seconds to
render) and a bounded number of retries with exponential backoff.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

USER_AGENT = "Amtsflow/0.1 (+kommunal)"


class OParlSettings(BaseSettings):
    """How the connector talks to a council information system."""

    model_config = SettingsConfigDict(env_prefix="AMTSFLOW_OPARL_", extra="ignore")

    user_agent: str = Field(default=USER_AGENT, min_length=1)
    concurrency: int = Field(default=4, ge=1, le=16, description="Requests at the same time")
    timeout_s: float = Field(default=60.0, gt=0, description="Reading one answer")
    connect_timeout_s: float = Field(default=10.0, gt=0, description="Reaching the server")
    max_retries: int = Field(default=4, ge=0, le=10, description="Retries after the first try")
    backoff_s: float = Field(default=1.0, ge=0, description="First retry delay; doubles")
    backoff_max_s: float = Field(default=30.0, ge=0, description="Upper bound of one delay")
    max_pages: int = Field(default=20_000, ge=1, description="Pages of one list (loop guard)")
    max_file_mb: int = Field(default=100, ge=1, description="Largest file downloaded")
    max_page_bytes: int = Field(
        default=32 * 2**20,
        ge=1,
        description="Largest JSON answer (object or list page) read; a bigger one is an "
        "error, so a hostile server cannot fill the flow's memory",
    )
    overlap_s: float = Field(
        default=600.0,
        ge=0,
        description="Incremental runs ask for changes since the last "
        "successful run minus this margin (clock skew between server and us)",
    )
    api_key: SecretStr | None = Field(
        default=None,
        description="Sent as a Bearer token if the system requires one, and only to the "
        "origin (scheme, host, port) of `system_url`",
    )
    system_url: str | None = Field(
        default=None,
        description="The municipality's configured OParl System the API key belongs to; "
        "without it the key is sent nowhere",
    )

    @property
    def max_file_bytes(self) -> int:
        """Upper bound of one downloaded file."""
        return self.max_file_mb * 2**20
