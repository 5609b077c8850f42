"""Settings of the Ollama backend, read from the environment.

`OLLAMA_HOST` is the variable Ollama's own tools read, so one setting points the server,
the `ollama` command line and Amtsflow at the same place; everything else is ours and
carries the `AMTSFLOW_OLLAMA_` prefix.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

OLLAMA_LIMIT = "ollama"
"""Prefect global concurrency limit every call to the shared LLM server holds a slot of."""


class OllamaSettings(BaseSettings):
    """Where the model runs, which model, and how patiently we ask it.

    The defaults suit a small CPU-only server: a 3B instruction model answers German
    documents acceptably, a 4096-token context keeps prompt evaluation within minutes,
    and a long timeout tolerates the first request that loads the model from disk.
    """

    model_config = SettingsConfigDict(
        env_prefix="AMTSFLOW_OLLAMA_", extra="ignore", populate_by_name=True
    )

    host: str = Field(
        default="http://127.0.0.1:11434",
        validation_alias=AliasChoices("OLLAMA_HOST", "AMTSFLOW_OLLAMA_HOST"),
        description="Ollama server, as Ollama's OLLAMA_HOST (scheme and port optional)",
    )
    model: str = Field(default="qwen2.5:3b-instruct", min_length=1)
    timeout_s: float = Field(default=180.0, gt=0, description="Per request, reading the answer")
    connect_timeout_s: float = Field(default=5.0, gt=0, description="Reaching the server")
    check_timeout_s: float = Field(default=3.0, gt=0, description="For `check()` only")
    num_ctx: int = Field(default=4096, ge=512, description="Context window in tokens")
    answer_tokens: int = Field(default=256, ge=32, description="num_predict: answer budget")
    chars_per_token: float = Field(
        default=3.0, gt=0, description="Conservative estimate (German ~3.5-4 chars per token)"
    )
    max_retries: int = Field(default=3, ge=0, le=10, description="Retries after the first try")
    backoff_s: float = Field(default=1.0, ge=0, description="First retry delay; doubles")
    backoff_max_s: float = Field(default=20.0, ge=0, description="Upper bound of one delay")
    seed: int = Field(default=42, description="Fixed sampling seed: same input, same answer")
    keep_alive: str = Field(default="10m", description="How long Ollama keeps the model loaded")
    logprobs: bool = Field(default=True, description="Ask for token log-probabilities")
    slots: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Calls at once across all municipalities and workers: one CPU-bound LLM "
        "server is shared, more parallel requests only queue inside Ollama and run into "
        "timeouts (`amtsflow deploy` sets the global concurrency limit `ollama` to it)",
    )
    self_reported_cap: float = Field(
        default=0.7,
        ge=0,
        le=1,
        description="Ceiling for the model's own confidence when no log-probabilities come",
    )
