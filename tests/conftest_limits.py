"""Global concurrency limits on the session's Prefect server, set for one test and put back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.client.schemas.responses import GlobalConcurrencyLimitResponse
from prefect.exceptions import ObjectNotFound

from connectors.ollama import OLLAMA_LIMIT


def read_limit(name: str) -> GlobalConcurrencyLimitResponse | None:
    """The limit as the server has it, or None."""

    async def read() -> GlobalConcurrencyLimitResponse | None:
        async with get_client() as client:
            try:
                return await client.read_global_concurrency_limit_by_name(name)
            except ObjectNotFound:
                return None

    return asyncio.run(read())


def set_limit(name: str, slots: int | None, *, active: bool = True) -> None:
    """Replace the limit (None: remove it)."""

    async def replace() -> None:
        async with get_client() as client:
            with contextlib.suppress(ObjectNotFound):
                await client.delete_global_concurrency_limit_by_name(name)
            if slots is not None:
                await client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=slots, active=active)
                )

    asyncio.run(replace())


@pytest.fixture(name="no_ollama_limit")
def no_ollama_limit_fixture(prefect_api: str) -> Iterator[None]:
    """The session's server without the `ollama` limit; as it was again afterwards.

    Other tests' deploys create it too, and later tests classify against this server.
    """
    before = read_limit(OLLAMA_LIMIT)
    set_limit(OLLAMA_LIMIT, None)
    yield
    if before is None:
        set_limit(OLLAMA_LIMIT, None)
    else:
        set_limit(OLLAMA_LIMIT, before.limit, active=before.active)
