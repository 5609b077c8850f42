"""The parser worker process: limits itself, then parses paths sent by the pool.

Started by `ParserPool` with the "spawn" method, so this module and the parsers are
all it imports (no Prefect, no database). The parent never trusts what comes back:
see `pool.load_result`.
"""

from __future__ import annotations

import logging
import pickle
import resource
import signal
import warnings
from multiprocessing.connection import Connection
from pathlib import Path

from connectors.documents.models import DocumentKind, ParseFailure
from connectors.documents.parse import failed, parse_document

READY = b"ready"
"""First message of a worker: imports done and limits set, documents welcome."""


def serve(conn: Connection, memory_mb: int, cpu_s: int, max_bytes: int) -> None:
    """Worker entry point: set limits, announce readiness, parse until told to stop.

    Args:
        conn: This worker's end of the pipe; receives path strings, `None` to stop.
        memory_mb: Address-space limit; a document needing more gets MEMORY.
        cpu_s: CPU seconds per document before the kernel ends the process; a backstop
            for the parent's wall-clock timeout, should the parent be stalled.
        max_bytes: Larger files are refused unread.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # its warnings quote documents
    warnings.simplefilter("ignore")
    _limit(resource.RLIMIT_AS, memory_mb * 2**20)
    conn.send_bytes(READY)
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if request is None:
            return
        _limit_cpu(cpu_s)
        try:
            result = parse_document(Path(request), max_bytes)
        except MemoryError:  # parse_document catches it; this covers a second one
            result = failed(DocumentKind.UNKNOWN, ParseFailure.MEMORY, "MemoryError")
        try:
            conn.send_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        except (OSError, ValueError):
            return


def _limit(which: int, value: int) -> None:
    """Lower a soft and hard resource limit to `value` (never raise it)."""
    _soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, hard if which == resource.RLIMIT_CPU else value))


def _limit_cpu(seconds: int) -> None:
    """Allow `seconds` more CPU time from now (RLIMIT_CPU counts the process lifetime)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    _limit(resource.RLIMIT_CPU, used + seconds)
