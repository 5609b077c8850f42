"""The parent's side of the worker processes: start, reuse, retire and kill them.

Workers are fresh interpreters (`python -m connectors.documents`), not
`multiprocessing` "spawn" children: spawn re-imports the parent's `__main__` in every
child, which under Prefect (`prefect.engine`) or the `amtsflow` command would load
Prefect into the sandbox, and it breaks scripts that lack a `__main__` guard.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

_PROJECT_ROOT = Path(__file__).resolve().parents[2]  # where `connectors` is importable
_KEPT_VARIABLES = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "PYTHONHOME")


@dataclass(eq=False)  # identity, so workers can live in a set
class WorkerProcess:
    """One worker: its process, its end of the socket, and how much it has done."""

    process: subprocess.Popen[bytes]
    conn: Connection
    ready: bool = False
    served: int = 0


class WorkerSet:
    """At most `size` live workers, handed out one caller at a time."""

    def __init__(self, size: int, limits: tuple[int, int, int]) -> None:
        """Start nothing yet; `limits` are the worker's memory_mb, cpu_s and max_bytes."""
        self._size = size
        self._limits = limits
        self._lock = threading.Condition()
        self._idle: list[WorkerProcess] = []
        self._all: set[WorkerProcess] = set()
        self._closed = False

    def acquire(self, *, block: bool) -> WorkerProcess | None:
        """Return an idle worker, or start one if below size; else None (or wait)."""
        with self._lock:
            while True:
                if self._closed:
                    raise RuntimeError("ParserPool is closed")
                while self._idle:
                    worker = self._idle.pop()
                    if worker.process.poll() is None:
                        return worker
                    self._all.discard(worker)  # died while idle (e.g. the OOM killer)
                    worker.conn.close()
                if len(self._all) < self._size:
                    break
                if not block:
                    return None
                self._lock.wait()
            worker = _spawn(self._limits)
            self._all.add(worker)
            return worker

    def release(self, worker: WorkerProcess) -> None:
        """Put a healthy worker back for the next document."""
        with self._lock:
            if not self._closed:
                self._idle.append(worker)
                self._lock.notify()
                return
        self.retire(worker)

    def retire(self, worker: WorkerProcess) -> None:
        """Ask an idle worker to exit, killing it if it does not within a second."""
        with contextlib.suppress(OSError):
            worker.conn.send(None)
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.process.wait(timeout=1.0)
        self.discard(worker)

    def discard(self, worker: WorkerProcess) -> None:
        """Kill a worker (SIGKILL: it may be stuck in C code) and free its slot."""
        if worker.process.poll() is None:
            worker.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.process.wait(timeout=5.0)
        worker.conn.close()
        with self._lock:
            self._all.discard(worker)
            self._lock.notify()

    def close(self) -> None:
        """Stop idle workers politely and kill busy ones; no worker starts afterwards."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self._lock.notify_all()
        for worker in idle:
            self.retire(worker)
        with self._lock:
            busy = list(self._all)
        for worker in busy:
            self.discard(worker)

    def pids(self) -> list[int]:
        """Process ids of the live workers (for operators' tools and tests)."""
        with self._lock:
            return [worker.process.pid for worker in self._all]


def _spawn(limits: tuple[int, int, int]) -> WorkerProcess:
    """Start a worker process; it reports READY on its socket when it can parse."""
    parent_end, child_end = socket.socketpair()
    with child_end:
        process = subprocess.Popen(
            [sys.executable, "-P", "-m", "connectors.documents", str(child_end.fileno())]
            + [str(limit) for limit in limits],
            pass_fds=(child_end.fileno(),),  # and no other descriptor of the parent
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=_environment(),
        )
    return WorkerProcess(process, Connection(parent_end.detach()))


def _environment() -> dict[str, str]:
    """Build the worker's environment: locale and import path, no secrets of the parent.

    Database URLs and API keys live in the parent's environment; a document that
    took over a worker should find nothing there.
    """
    kept = {name: os.environ[name] for name in _KEPT_VARIABLES if name in os.environ}
    path = os.pathsep.join(filter(None, [str(_PROJECT_ROOT), os.getenv("PYTHONPATH")]))
    return {**kept, "PYTHONPATH": path}
