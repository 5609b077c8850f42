"""A pool of sandboxed parser processes with a wall-clock limit per document.

A hostile PDF can loop, eat memory or crash the interpreter; in a worker process that
costs one document, not the intake run. Workers start lazily, are reused (a start
costs a quarter to half a second), replaced after a timeout, crash or memory failure,
and recycled after `RECYCLE_AFTER` documents to shed slow memory growth.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from types import TracebackType

from connectors.documents.detect import HEAD_BYTES, detect_kind
from connectors.documents.models import DocumentKind, ParsedDocument, ParseFailure
from connectors.documents.parse import failed
from connectors.documents.wire import READY, load_result
from connectors.documents.worker_set import WorkerProcess, WorkerSet

RECYCLE_AFTER = 500
"""Documents a worker parses before it is replaced."""

STARTUP_S = 60.0
"""How long a new worker may take to import its parsers and report ready."""


@dataclass
class _Job:
    worker: WorkerProcess
    path: Path
    deadline: float


class ParserPool:
    """Parses documents in `workers` resource-limited processes.

    Thread-safe: several threads may call `parse`; a single caller of `parse_many`
    keeps all workers busy. Results come back in completion order.
    """

    def __init__(
        self,
        workers: int = 2,
        timeout_s: float = 10.0,
        memory_mb: int = 768,
        max_bytes: int = 50 * 2**20,
    ) -> None:
        """Configure the pool; no process starts before the first document.

        Args:
            workers: Number of parser processes (one per core is right).
            timeout_s: Wall-clock seconds per document before its worker is killed.
            memory_mb: Address-space limit per worker process.
            max_bytes: Larger files are refused unread, as TOO_LARGE.

        """
        if workers < 1 or timeout_s <= 0 or memory_mb < 1 or max_bytes < 1:
            raise ValueError("workers, timeout_s, memory_mb and max_bytes must be positive")
        self._timeout = timeout_s
        self._max_answer = 2 * max_bytes + 64 * 2**20  # attachments come back as bytes
        self._workers = WorkerSet(workers, (memory_mb, int(timeout_s * 2) + 2, max_bytes))

    def parse(self, path: Path) -> ParsedDocument:
        """Parse one document; see `parse_many`."""
        results = self.parse_many([path])
        try:
            return next(results)[1]
        finally:
            results.close()

    def parse_many(
        self, paths: Iterable[Path]
    ) -> Generator[tuple[Path, ParsedDocument], None, None]:
        """Parse `paths`, yielding (path, result) as each finishes.

        Never raises for a document: timeouts, crashes and memory exhaustion come
        back as results with `failure` set. Leaving the loop early kills the workers
        still busy for it.

        Raises:
            RuntimeError: The pool is closed, or a worker process cannot start.

        """
        pending = iter(paths)
        waiting: Path | None = next(pending, None)
        jobs: dict[Connection, _Job] = {}
        try:
            while waiting is not None or jobs:
                while waiting is not None:
                    worker = self._workers.acquire(block=not jobs)
                    if worker is None:
                        break
                    jobs[worker.conn] = self._start_job(worker, waiting)
                    waiting = next(pending, None)
                soonest = min(job.deadline for job in jobs.values())
                ready = set(wait(list(jobs), max(0.0, soonest - time.monotonic())))
                for conn in [conn for conn in jobs if conn in ready]:
                    job = jobs.pop(conn)
                    if job.worker.ready:
                        yield job.path, self._receive(job)
                    else:
                        jobs[conn] = self._on_ready(job)
                now = time.monotonic()
                for conn, job in list(jobs.items()):
                    if job.deadline <= now:
                        del jobs[conn]
                        yield job.path, self._expire(job)
        finally:
            for job in jobs.values():
                self._workers.discard(job.worker)

    def close(self) -> None:
        """Stop the workers; the pool cannot be used afterwards."""
        self._workers.close()

    def __enter__(self) -> ParserPool:
        """Use the pool in a `with` block; it is closed at the end."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the pool."""
        self.close()

    def _start_job(self, worker: WorkerProcess, path: Path) -> _Job:
        """Hand `path` to a ready worker; a starting one gets it once it reports ready."""
        job = _Job(worker, path, time.monotonic() + (self._timeout if worker.ready else STARTUP_S))
        if worker.ready:
            self._send(job)
        return job

    def _send(self, job: _Job) -> None:
        """Send the path; a worker that died meanwhile shows up as a crash on receive."""
        with contextlib.suppress(OSError):
            job.worker.conn.send(str(job.path.absolute()))

    def _on_ready(self, job: _Job) -> _Job:
        """Check a new worker's first word (READY), then give it its first document."""
        try:
            hello = job.worker.conn.recv_bytes(maxlength=len(READY))
        except (EOFError, OSError):
            hello = b""
        if hello != READY:
            self._workers.discard(job.worker)
            raise RuntimeError("document parser worker failed to start")
        job.worker.ready = True
        job.deadline = time.monotonic() + self._timeout
        self._send(job)
        return job

    def _receive(self, job: _Job) -> ParsedDocument:
        """Collect a worker's answer; a dead worker or garbled answer means CRASHED."""
        try:
            result = load_result(job.worker.conn.recv_bytes(maxlength=self._max_answer))
        except Exception:  # EOF, oversized or forged answer alike
            self._workers.discard(job.worker)
            return failed(_kind_of(job.path), ParseFailure.CRASHED, "parser process died")
        job.worker.served += 1
        if result.failure is ParseFailure.MEMORY or job.worker.served >= RECYCLE_AFTER:
            self._workers.retire(job.worker)  # after a MemoryError the heap may be fragmented
        else:
            self._workers.release(job.worker)
        return result

    def _expire(self, job: _Job) -> ParsedDocument:
        """Kill the worker of an overdue job; give up if the worker never started."""
        self._workers.discard(job.worker)
        if not job.worker.ready:
            raise RuntimeError(f"document parser worker did not start within {STARTUP_S} s")
        detail = f"no result within {self._timeout:g} s"
        return failed(_kind_of(job.path), ParseFailure.TIMEOUT, detail)


def _kind_of(path: Path) -> DocumentKind:
    """Detect the kind of a document whose worker gave no answer (UNKNOWN if unreadable)."""
    try:
        with path.open("rb") as file:
            return detect_kind(file.read(HEAD_BYTES))
    except OSError:
        return DocumentKind.UNKNOWN
