"""Deployment runs for the isolation and nightly tests, executed in this process.

A worker would start `python -m prefect.engine` for a scheduled run of a deployment; here
the same flow run (created from the deployment, with the parameters an operator typed) is
handed to Prefect's flow engine in-process, which is what that subprocess does, minus the
~3 s of start-up. The run is real: the server records its states, its deployment and tags.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.flow_engine import run_flow
from prefect.states import State

ENTRYPOINTS = {
    "intake": "flows/intake.py:intake",
    "classify": "flows/classify.py:classify",
    "retrain": "flows/retrain.py:retrain",
    "review-label": "flows/review.py:review_label",
    "oparl-sync": "flows/oparl_sync.py:oparl_sync",
    "nightly": "flows/nightly.py:nightly",
    "prepare-agenda": "flows/agenda.py:prepare_agenda",
}


def deploy(flow_obj: Flow[..., Any], slug: str, tags: list[str] | None = None) -> UUID:
    """A deployment named after the tenant, bound to it as `amtsflow deploy` binds it."""
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow(flow_obj)
        deployment_id: UUID = client.create_deployment(
            flow_id=flow_id,
            name=slug,
            entrypoint=ENTRYPOINTS[flow_obj.name],
            tags=[f"tenant:{slug}"] if tags is None else tags,
            parameters={"tenant": slug},
        )
    return deployment_id


def run_deployment(
    flow_obj: Flow[..., Any], deployment_id: UUID, **parameters: Any
) -> tuple[State[Any], FlowRun]:
    """Start a run of the deployment with (possibly crafted) parameters; run it to the end.

    Returns the final state and the flow run as the server recorded it.
    """
    with get_client(sync_client=True) as client:
        created = client.create_flow_run_from_deployment(deployment_id, parameters=parameters)
    state = run_flow(flow_obj, flow_run=created, parameters=created.parameters, return_type="state")
    assert isinstance(state, State)
    with get_client(sync_client=True) as client:
        recorded = client.read_flow_run(created.id)
    return state, recorded
