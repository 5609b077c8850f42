"""The parser worker process: limits itself, then parses the paths the pool sends.

It runs as `python -m connectors.documents <fd> <memory_mb> <cpu_s> <max_bytes>`, a
fresh interpreter that imports this package and its parsers and nothing else (no
Prefect, no database, and not the parent's `__main__`).
"""

from __future__ import annotations

import logging
import resource
import signal
import sys
import warnings
from multiprocessing.connection import Connection
from pathlib import Path

from connectors.documents.models import DocumentKind, ParseFailure
from connectors.documents.parse import failed, parse_document
from connectors.documents.wire import READY, dump_result
from connectors.process_limits import allow_cpu, lower


def main(argv: list[str] | None = None) -> None:
    """Entry point of `python -m connectors.documents`; arguments as in the module doc."""
    fd, memory_mb, cpu_s, max_bytes = (int(arg) for arg in (argv or sys.argv[1:]))
    serve(Connection(fd), memory_mb, cpu_s, max_bytes)


def serve(conn: Connection, memory_mb: int, cpu_s: int, max_bytes: int) -> None:
    """Set limits, announce readiness, parse until told to stop or the parent is gone.

    Args:
        conn: This worker's end of the socket; receives path strings, `None` to stop.
        memory_mb: Address-space limit; a document needing more gets MEMORY.
        cpu_s: CPU seconds per document before the kernel ends the process: a backstop
            for the parent's wall-clock timeout, should the parent be stalled.
        max_bytes: Larger files are refused unread.

    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)  # its warnings quote documents
    warnings.simplefilter("ignore")
    lower(resource.RLIMIT_AS, memory_mb * 2**20)
    lower(resource.RLIMIT_CORE, 0)  # a core dump would hold the document
    conn.send_bytes(READY)
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if not isinstance(request, str):
            return
        allow_cpu(cpu_s)
        try:
            result = parse_document(Path(request), max_bytes)
        except MemoryError:  # parse_document answers MemoryError itself; this is a backstop
            result = failed(DocumentKind.UNKNOWN, ParseFailure.MEMORY, "MemoryError")
        try:
            conn.send_bytes(dump_result(result))
        except (OSError, ValueError):
            return
