"""Settings of the trained backend, read from the environment (`AMTSFLOW_CLASSIFY_`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TrainedModelSettings(BaseSettings):
    """How many processes the trained model may use.

    None means: the cores this process may use (affinity, cgroup quota), at most
    `parallel.MAX_WORKERS`; an operator sharing the machine with Ollama sets fewer.
    """

    model_config = SettingsConfigDict(env_prefix="AMTSFLOW_CLASSIFY_", extra="ignore")

    workers: int | None = Field(
        default=None, ge=1, le=64, description="processes for training and large batches"
    )
