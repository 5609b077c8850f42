"""A probe run for an installation's workers: cheap, bound to a tenant, leaves a receipt.

Operators use it to check that workers pick up a tenant's queue and that the global
concurrency limits hold across machines; the scale-out test queues hundreds of them.
Each run passes the tenant guard, holds one slot of a global concurrency limit (default:
`ollama`, the slot every LLM call of every tenant takes) for a moment, and writes one
receipt into the tenant's own folder, created exclusively: a run executed twice fails
instead of overwriting its receipt. It imports little, so a worker's subprocess per run
costs mostly Prefect's own start-up.
"""

from __future__ import annotations

import json
import os
import time
from typing import Annotated

from prefect import flow
from prefect.concurrency.sync import concurrency
from prefect.runtime import flow_run

from connectors.storage import TenantStorage
from models.parameter_field import TenantSlug, parameter
from models.settings import Settings
from tasks.tenant_guard import guard_run


@flow(name="scale-probe", flow_run_name="probe-{tenant}-{seq}", persist_result=False)
def scale_probe(
    tenant: TenantSlug,
    seq: Annotated[int, parameter("Laufnummer", "Nummer des Probelaufs (frei wählbar)", ge=0)] = 0,
    limit_name: Annotated[
        str,
        parameter(
            "Globale Begrenzung",
            "Name der globalen Nebenläufigkeitsgrenze, deren Platz der Lauf kurz belegt",
            pattern=r"^[a-z0-9-]{1,60}$",
        ),
    ] = "ollama",
    hold_s: Annotated[
        float,
        parameter("Belegdauer (Sekunden)", "So lange hält der Lauf den Platz", ge=0, le=60),
    ] = 0.2,
) -> str:
    """Pass the guard, hold one slot, write the receipt; return the receipt's file name."""
    guard_run(tenant)
    storage = TenantStorage(Settings().home, tenant, fsync=False)
    run_id = str(flow_run.id)
    receipt = storage.output_path("scale-probe", f"{run_id}.json")
    receipt.parent.mkdir(parents=True, exist_ok=True)
    with concurrency(limit_name, occupy=1, strict=True):
        held_from = time.time()
        time.sleep(hold_s)
        held_to = time.time()
    record = {
        "flow_run_id": run_id,
        "tenant": tenant,
        "seq": seq,
        "pid": os.getpid(),
        "held_from": held_from,
        "held_to": held_to,
    }
    with receipt.open("x", encoding="utf-8") as out:  # exclusive: a second execution fails
        json.dump(record, out)
    return receipt.name
