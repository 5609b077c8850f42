"""Spreading the model's text work over the machine's cores.

Turning text into features (tokenising, n-grams, vocabulary look-ups) is pure Python and
holds the GIL, so threads do not help; it is ~95 % of prediction time and most of
training time. Worker processes from joblib's loky pool (started once, reused between
calls, and not re-importing the caller's `__main__`) take a share each. Small batches
stay in the calling process: starting the pool and shipping the model cost more than
they save there.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import joblib  # type: ignore[import-untyped]

from connectors.trained_model.settings import TrainedModelSettings

log = logging.getLogger("amtsflow.trained_model")

WORKERS_ENV = "AMTSFLOW_CLASSIFY_WORKERS"
"""Environment variable: how many processes classify/train (1 = only the calling one)."""
MAX_WORKERS = 4
PARALLEL_MIN_DOCUMENTS = 1_000

T = TypeVar("T")


def worker_count() -> int:
    """Processes to use: `AMTSFLOW_CLASSIFY_WORKERS`, else the usable cores (at most 4).

    joblib counts the cores this process may use (affinity, cgroup quota), so a
    container limited to one core does not start a pool for nothing.

    Raises:
        pydantic.ValidationError: when the variable is not a whole number from 1 to 64.

    """
    configured = TrainedModelSettings().workers
    if configured is not None:
        return configured
    return max(1, min(int(joblib.cpu_count()), MAX_WORKERS))


def workers_for(documents: int, workers: int | None = None) -> int:
    """Processes for a batch: one below `PARALLEL_MIN_DOCUMENTS`, else `workers` or the default."""
    if documents < PARALLEL_MIN_DOCUMENTS:
        return 1
    return worker_count() if workers is None else workers


def run_all(function: Callable[..., T], calls: Iterable[tuple[Any, ...]], workers: int) -> list[T]:
    """`function(*args)` for every call, in order; in worker processes when workers > 1.

    A pool that breaks (a worker killed by the out-of-memory killer, a machine that
    cannot start processes) costs speed, not the batch: the calls run again here.
    """
    calls = list(calls)
    if workers <= 1 or len(calls) <= 1:
        return [function(*args) for args in calls]
    jobs = min(workers, len(calls))
    try:
        results: list[T] = joblib.Parallel(n_jobs=jobs, backend="loky")(
            joblib.delayed(function)(*args) for args in calls
        )
    except (BrokenExecutor, OSError) as exc:
        reason = type(exc).__name__
        log.warning("Arbeitsprozesse ausgefallen (%s), rechne im eigenen Prozess", reason)
        return [function(*args) for args in calls]
    return results


def even_slices(count: int, parts: int, most: int) -> list[slice]:
    """`count` items cut into at least `parts` slices of at most `most` items, sizes even."""
    if count <= 0:
        return []
    pieces = max(parts, -(-count // most))
    pieces = min(pieces, count)
    size, extra = divmod(count, pieces)
    out, start = [], 0
    for index in range(pieces):
        stop = start + size + (1 if index < extra else 0)
        out.append(slice(start, stop))
        start = stop
    return out


@dataclass(frozen=True)
class Shipment:
    """An object pickled once into a private file, for workers to load once each.

    Passing the model with every call would pipe ~20 MB per slice and call; the file
    is written once per model, read once per worker, and checked against its digest
    before it is unpickled.
    """

    key: str
    path: Path


_RECEIVED: dict[str, Any] = {}


def ship(obj: object, owner: object) -> Shipment:
    """Pickle `obj` into a fresh private folder, removed when `owner` is collected."""
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    folder = Path(tempfile.mkdtemp(prefix="amtsflow-model-"))  # mode 0700
    path = folder / "model.pickle"
    path.write_bytes(data)
    weakref.finalize(owner, shutil.rmtree, folder, ignore_errors=True)
    return Shipment(hashlib.sha256(data).hexdigest(), path)


def receive(shipment: Shipment, build: Callable[[Any], T]) -> T:
    """The shipped object, built once per process (only the newest kept, bounding memory).

    Raises:
        RuntimeError: when the file is not what was shipped.

    """
    found: T | None = _RECEIVED.get(shipment.key)
    if found is None:
        data = shipment.path.read_bytes()
        if hashlib.sha256(data).hexdigest() != shipment.key:
            raise RuntimeError(f"Modellübergabe an Arbeitsprozess verändert: {shipment.path}")
        _RECEIVED.clear()
        found = _RECEIVED[shipment.key] = build(pickle.loads(data))  # noqa: S301  (checked)
    return found
