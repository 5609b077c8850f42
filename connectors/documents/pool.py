"""A pool of sandboxed parser processes with a wall-clock limit per document.

A hostile PDF can loop, eat memory or crash the interpreter; in a worker process that
costs one document, not the intake run. Workers start lazily, are reused (a spawn
costs about half a second), replaced after a timeout, crash or memory failure, and
recycled after `RECYCLE_AFTER` documents to shed slow memory growth.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType

from connectors.documents import models
from connectors.documents.detect import HEAD_BYTES, detect_kind
from connectors.documents.models import DocumentKind, ParsedDocument, ParseFailure
from connectors.documents.parse import failed
from connectors.documents.worker import READY, serve

RECYCLE_AFTER = 500
"""Documents a worker parses before it is replaced."""

STARTUP_S = 60.0
"""How long a new worker may take to import its parsers and report ready."""

_ALLOWED = frozenset({"ParsedDocument", "Attachment", "DocumentKind", "ParseFailure"})


@dataclass(eq=False)  # identity, so workers can live in a set
class _Worker:
    process: BaseProcess
    conn: Connection
    ready: bool = False
    served: int = 0


@dataclass
class _Job:
    worker: _Worker
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
        self._size = workers
        self._timeout = timeout_s
        self._args = (memory_mb, int(timeout_s * 2) + 2, max_bytes)
        self._max_answer = 2 * max_bytes + 64 * 2**20  # attachments come back as bytes
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Condition()
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._closed = False

    def parse(self, path: Path) -> ParsedDocument:
        """Parse one document; see `parse_many`."""
        results = self.parse_many([path])
        try:
            return next(results)[1]
        finally:
            results.close()

    def parse_many(self, paths: Iterable[Path]) -> Iterator[tuple[Path, ParsedDocument]]:
        """Parse `paths`, yielding (path, result) as each finishes.

        Never yields an exception for a document: timeouts, crashes and memory
        exhaustion come back as results with `failure` set.

        Raises:
            RuntimeError: The pool is closed, or a worker process cannot start.
        """
        pending = iter(paths)
        waiting: Path | None = next(pending, None)
        jobs: dict[Connection, _Job] = {}
        try:
            while waiting is not None or jobs:
                while waiting is not None:
                    worker = self._acquire(block=not jobs)
                    if worker is None:
                        break
                    jobs[worker.conn] = self._start_job(worker, waiting)
                    waiting = next(pending, None)
                now = time.monotonic()
                soonest = min(job.deadline for job in jobs.values())
                ready = set(wait(list(jobs), max(0.0, soonest - now)))
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
                self._discard(job.worker)

    def close(self) -> None:
        """Stop idle workers politely and kill any still busy; the pool cannot be reused."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self._lock.notify_all()
        for worker in idle:
            self._retire(worker)
        with self._lock:
            busy = list(self._all)
        for worker in busy:
            self._discard(worker)

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

    def _start_job(self, worker: _Worker, path: Path) -> _Job:
        """Hand `path` to a ready worker; a starting one gets it once it reports ready."""
        job = _Job(worker, path, time.monotonic() + (self._timeout if worker.ready else STARTUP_S))
        if worker.ready:
            self._send(job)
        return job

    def _send(self, job: _Job) -> None:
        """Send the path; a worker that died while idle shows up as a crash on receive."""
        try:
            job.worker.conn.send(os.path.abspath(job.path))
        except OSError:
            pass

    def _on_ready(self, job: _Job) -> _Job:
        """A new worker answered: it must say READY, then it gets its first document."""
        try:
            hello = job.worker.conn.recv_bytes(maxlength=len(READY))
        except (EOFError, OSError):
            hello = b""
        if hello != READY:
            self._discard(job.worker)
            raise RuntimeError("document parser worker failed to start")
        job.worker.ready = True
        job.deadline = time.monotonic() + self._timeout
        self._send(job)
        return job

    def _receive(self, job: _Job) -> ParsedDocument:
        """Collect a worker's answer; a dead worker or garbled answer means CRASHED."""
        try:
            result = load_result(job.worker.conn.recv_bytes(maxlength=self._max_answer))
        except Exception:  # noqa: BLE001 - EOF, oversized or forged answer alike
            self._discard(job.worker)
            return failed(_kind_of(job.path), ParseFailure.CRASHED, "parser process died")
        job.worker.served += 1
        if result.failure is ParseFailure.MEMORY or job.worker.served >= RECYCLE_AFTER:
            self._retire(job.worker)  # after a MemoryError the heap may be fragmented
        else:
            self._release(job.worker)
        return result

    def _expire(self, job: _Job) -> ParsedDocument:
        """A deadline passed: kill the worker, or give up if it never started."""
        self._discard(job.worker)
        if not job.worker.ready:
            raise RuntimeError(f"document parser worker did not start within {STARTUP_S} s")
        detail = f"no result within {self._timeout:g} s"
        return failed(_kind_of(job.path), ParseFailure.TIMEOUT, detail)

    def _acquire(self, *, block: bool) -> _Worker | None:
        """An idle worker, a newly started one if below size, else None (or wait)."""
        with self._lock:
            while True:
                if self._closed:
                    raise RuntimeError("ParserPool is closed")
                while self._idle:
                    worker = self._idle.pop()
                    if worker.process.is_alive():
                        return worker
                    self._all.discard(worker)  # died while idle (e.g. the OOM killer)
                    worker.conn.close()
                    worker.process.join(timeout=0)
                if len(self._all) < self._size:
                    break
                if not block:
                    return None
                self._lock.wait()
            worker = self._spawn()
            self._all.add(worker)
            return worker

    def _spawn(self) -> _Worker:
        """Start a worker process; it reports READY on its pipe when it can parse."""
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=serve, args=(child_end, *self._args), name="amtsflow-parser", daemon=True
        )
        process.start()
        child_end.close()  # else the parent never sees EOF when the worker dies
        return _Worker(process, parent_end)

    def _release(self, worker: _Worker) -> None:
        """Put a healthy worker back for the next document."""
        with self._lock:
            if not self._closed:
                self._idle.append(worker)
                self._lock.notify()
                return
        self._retire(worker)

    def _retire(self, worker: _Worker) -> None:
        """Ask a worker to exit, killing it if it does not within a second."""
        try:
            worker.conn.send(None)
        except OSError:
            pass
        worker.process.join(timeout=1.0)
        self._discard(worker)

    def _discard(self, worker: _Worker) -> None:
        """Kill a worker (SIGKILL: it may be stuck in C code) and free its slot."""
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5.0)
        worker.conn.close()
        with self._lock:
            self._all.discard(worker)
            self._lock.notify()


def load_result(payload: bytes) -> ParsedDocument:
    """Unpickle and re-validate a worker's answer.

    The worker handles hostile input; if one ever took it over, a plain unpickle would
    hand the attacker the parent. Only the result classes may be named, and the model
    is validated afresh.
    """
    result = _ResultUnpickler(io.BytesIO(payload)).load()
    if not isinstance(result, ParsedDocument):
        raise pickle.UnpicklingError("answer is not a ParsedDocument")
    return ParsedDocument.model_validate(result.model_dump(warnings=False))


class _ResultUnpickler(pickle.Unpickler):
    """An unpickler that can build the result models and nothing else."""

    def find_class(self, module: str, name: str) -> type:
        """Allow only the classes of `models` that a result is made of."""
        if module == models.__name__ and name in _ALLOWED:
            found: type = getattr(models, name)
            return found
        raise pickle.UnpicklingError("forbidden class in parser answer")


def _kind_of(path: Path) -> DocumentKind:
    """The detected kind of a document whose worker gave no answer (UNKNOWN if unreadable)."""
    try:
        with open(path, "rb") as file:
            return detect_kind(file.read(HEAD_BYTES))
    except OSError:
        return DocumentKind.UNKNOWN
