"""The parent's side of the merge: run the limited process, survive documents that kill it.

A document that exhausts the memory or CPU limit, or keeps the process busy beyond the
per-document timeout, kills that run (the CPU limit, like the timeout, is per document;
writing the folder at the end has its own of both). The parent knows from the progress lines which
document it was, turns it into a placeholder page and runs the merge again; each retry
removes one more document, so the number of runs is bounded by the number of documents.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from connectors.pdf_merge.plan import FolderPlan

_PROJECT_ROOT = Path(__file__).resolve().parents[2]
_KEPT_VARIABLES = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "PYTHONHOME")
KILLED_REASON = "Das Dokument überschreitet die Grenzen der Verarbeitung (Zeit oder Speicher)."


class MergeError(RuntimeError):
    """The merge process failed for a reason no single document explains."""


@dataclass(frozen=True)
class MergeLimits:
    """Resource limits of the merge process."""

    memory_mb: int = 2048
    document_timeout_s: float = 60.0
    document_cpu_s: int = 60
    max_pages_per_document: int = 5000
    startup_timeout_s: float = 60.0
    write_timeout_s: float = 600.0
    """Writing a folder of thousands of pages is one step: more than a document's time."""
    folder_timeout_s: float = 3600.0
    """All runs of one folder together: each retry starts over, N documents cost N runs."""


@dataclass
class MergeResult:
    """What the merge wrote: pages, and the placeholders with their reasons."""

    pages: int
    documents: int
    placeholders: list[tuple[int, int, str]] = field(default_factory=list)
    runs: int = 1


def _environment() -> dict[str, str]:
    """Locale and import path only: the parent's secrets stay with the parent."""
    kept = {name: os.environ[name] for name in _KEPT_VARIABLES if name in os.environ}
    path = os.pathsep.join(filter(None, [str(_PROJECT_ROOT), os.getenv("PYTHONPATH")]))
    return {**kept, "PYTHONPATH": path}


def _run_once(
    plan_file: Path, out: Path, limits: MergeLimits, until: float
) -> tuple[list[str], bool]:
    """One merge run (killed at `until` at the latest); its progress lines, and if it finished."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-P",
            "-m",
            "connectors.pdf_merge",
            str(plan_file),
            str(out),
            str(limits.memory_mb),
            str(limits.document_cpu_s),
            str(limits.max_pages_per_document),
            str(math.ceil(limits.write_timeout_s)),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_environment(),
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    seen: list[str] = []
    deadline = time.monotonic() + limits.startup_timeout_s
    try:
        while True:
            try:
                line = lines.get(timeout=max(0.0, min(deadline, until) - time.monotonic()))
            except queue.Empty:
                process.kill()
                break
            if line is None:
                break
            seen.append(line)
            step = limits.write_timeout_s if line == "write" else limits.document_timeout_s
            deadline = time.monotonic() + step
    finally:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(5)
    finished = process.returncode == 0 and bool(seen) and seen[-1].startswith("done ")
    return seen, finished


def _culprit(lines: list[str]) -> tuple[int, int] | None:
    """The document a dead run was reading: the last `start` without an answer."""
    open_doc: tuple[int, int] | None = None
    for line in lines:
        word, *rest = line.split(" ", 3)
        if word == "start":
            open_doc = (int(rest[0]), int(rest[1]))
        elif word in ("ok", "placeholder"):
            open_doc = None
    return open_doc


def merge_folder(plan: FolderPlan, out: Path, limits: MergeLimits | None = None) -> MergeResult:
    """Write the plan as one PDF at `out` (replaced atomically); never fails for a document.

    Raises:
        MergeError: the process died outside any document (e.g. it cannot start).

    """
    limits = limits or MergeLimits()
    plan = plan.model_copy(deep=True)
    documents = sum(len(section.documents) for section in plan.sections)
    killed: list[tuple[int, int]] = []
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".merge-") as work:
        plan_file, partial = Path(work) / "plan.json", Path(work) / "out.pdf"
        until = time.monotonic() + limits.folder_timeout_s
        for run in range(1, documents + 2):
            plan_file.write_text(plan.model_dump_json(), encoding="utf-8")
            lines, finished = _run_once(plan_file, partial, limits, until)
            if finished:
                result = json.loads(lines[-1].removeprefix("done "))
                partial.replace(out)
                placeholders = [(int(s), int(d), str(r)) for s, d, r in result["placeholders"]]
                return MergeResult(int(result["pages"]), documents, placeholders, run)
            if time.monotonic() >= until:
                raise MergeError(
                    "Sitzungsmappe: die Zusammenführung dauerte länger als "
                    f"{limits.folder_timeout_s:g} Sekunden"
                )
            if lines and lines[-1] == "write":
                raise MergeError(
                    "Sitzungsmappe: das Schreiben der Mappe überschritt die Grenzen der "
                    "Verarbeitung (Zeit oder Speicher)"
                )
            culprit = _culprit(lines)
            if culprit is None or culprit in killed:
                raise MergeError("Sitzungsmappe: der Zusammenführungsprozess ist abgebrochen")
            killed.append(culprit)
            section, index = culprit
            doc = plan.sections[section].documents[index]
            plan.sections[section].documents[index] = doc.model_copy(
                update={"path": None, "reason": KILLED_REASON}
            )
    raise MergeError("Sitzungsmappe: zu viele Abbrüche")
