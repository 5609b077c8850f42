"""Execute a deployment's flow run in this process, in a thread, as a worker would.

Tests that pause a run and resume it from the web pages need the run to wait somewhere
while the test clicks; a thread running Prefect's own flow engine on the server's run is
the nearest thing to a worker without starting one (~3 s per process start).
"""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

from prefect import Flow


def execute_run(flow: Flow[..., Any], run_id: str) -> tuple[threading.Thread, dict[str, Any]]:
    """Start the run; the returned dict receives its final state under "state"."""
    from prefect.client.orchestration import get_client
    from prefect.flow_engine import run_flow

    outcome: dict[str, Any] = {}

    def target() -> None:
        with get_client(sync_client=True) as client:
            flow_run = client.read_flow_run(UUID(run_id))
        outcome["state"] = run_flow(
            flow, flow_run=flow_run, parameters=flow_run.parameters, return_type="state"
        )

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome
