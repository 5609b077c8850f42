"""The flow catalogue: every flow a tenant can be given, its entrypoint and parameter form.

The deploy command registers deployments straight through the API instead of calling
`flow.deploy()` per tenant, so it needs what `flow.deploy()` would have derived: the
entrypoint (relative to the project root, where the `pull` step sets the working directory)
and the parameter schema with the German titles the Prefect UI renders as the run form.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any

from models.deployment import FLOW_NAMES

#: Flow name -> (module, function). Flows of other issues join as their modules land.
ENTRYPOINTS: dict[str, tuple[str, str]] = {
    "intake": ("flows.intake", "intake"),
    "classify": ("flows.classify", "classify"),
    "retrain": ("flows.retrain", "retrain"),
    "review-label": ("flows.review", "review_label"),
    "oparl-sync": ("flows.oparl_sync", "oparl_sync"),
    "prepare-agenda": ("flows.agenda", "prepare_agenda"),
    "nightly": ("flows.nightly", "nightly"),
}
assert set(ENTRYPOINTS) == set(FLOW_NAMES), "catalogue and tenant model disagree"


@dataclass(frozen=True)
class FlowSpec:
    """What the API needs to deploy one flow of the catalogue."""

    name: str
    entrypoint: str  # `flows/intake.py:intake`, relative to the project root
    parameter_schema: dict[str, Any]
    description: str


def entrypoint(flow_name: str) -> str:
    """The `path:function` entrypoint of a catalogue flow, as prefect.yaml writes it."""
    module, function = ENTRYPOINTS[flow_name]
    return f"{module.replace('.', '/')}.py:{function}"


def installed() -> list[str]:
    """Catalogue flows whose module exists in this checkout."""
    return [n for n, (m, _) in ENTRYPOINTS.items() if importlib.util.find_spec(m) is not None]


def load_specs(names: list[str] | None = None) -> dict[str, FlowSpec]:
    """Import the flows and derive their parameter schemas (as `flow.deploy()` would).

    Args:
        names: flows to load; None: every installed flow.

    Raises:
        KeyError: a name is not in the catalogue.
        ModuleNotFoundError: its module is missing.

    """
    from prefect.utilities.callables import parameter_schema

    specs: dict[str, FlowSpec] = {}
    for name in names if names is not None else installed():
        module_name, function = ENTRYPOINTS[name]
        flow_obj: Any = getattr(importlib.import_module(module_name), function)
        if flow_obj.name != name:
            raise ValueError(f"{entrypoint(name)} heißt {flow_obj.name!r}, erwartet {name!r}")
        schema = parameter_schema(flow_obj).model_dump_for_openapi()
        specs[name] = FlowSpec(
            name=name,
            entrypoint=entrypoint(name),
            parameter_schema=schema,
            description=(flow_obj.description or "").strip(),
        )
    return specs
