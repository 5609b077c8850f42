"""Settings of the web application, read from `AMTSFLOW_WEB_*` environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    """How sessions, login limits and caches behave; defaults suit a town hall's intranet."""

    model_config = SettingsConfigDict(env_prefix="AMTSFLOW_WEB_", extra="ignore")

    secure_cookies: bool = Field(
        default=False, description="Cookies only over HTTPS (set behind a TLS proxy)"
    )
    session_hours: float = Field(default=8.0, gt=0, description="Absolute session lifetime")
    idle_minutes: float = Field(default=60.0, gt=0, description="Session ends when idle")
    login_window_minutes: float = Field(default=15.0, gt=0)
    max_failures_account: int = Field(default=5, ge=1)
    max_failures_ip: int = Field(default=20, ge=1)
    deployments_cache_s: float = Field(default=10.0, ge=0, description="Prozesse list cache")
    list_cache_s: float = Field(
        default=3.0, ge=0, description="Runs and paused-runs lists; 0 switches all caches off"
    )
    page_size: int = Field(default=25, ge=5, le=200)
    prefect_timeout_s: float = Field(default=15.0, gt=0)
    trust_proxy: bool = Field(
        default=False,
        description="Take the client IP from the last X-Forwarded-For entry (the one our "
        "reverse proxy appends; the proxy must append, not replace, the header)",
    )
