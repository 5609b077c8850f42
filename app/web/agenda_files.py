"""The outputs of an approved agenda, offered for download on its run's page.

`prepare-agenda` writes a meeting's invitation, agenda, JSON export and Sitzungsmappe into
`outputs/sitzungen/<date>-<hash>/{oeffentlich,nichtoeffentlich}/` and the clerk's decision
with the run's id into `freigabe.json` there. A run's page offers the files only when that
record names this very run (a later run for the same meeting replaces them), and a
download is served only by name from that listing: no path from the request reaches the
file system.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from connectors.storage import PathEscapeError, TenantStorage
from tasks.agenda_outputs.prepare import DECISION
from tasks.agenda_outputs.write import NONPUBLIC_DIR, PUBLIC_DIR

SITTINGS = "sitzungen"
PARTS = {PUBLIC_DIR: "öffentlicher Teil", NONPUBLIC_DIR: "nichtöffentlicher Teil"}
KINDS = {
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word"),
    ".pdf": ("application/pdf", "PDF"),
    ".json": ("application/json", "JSON, wie OParl-Tagesordnungspunkte"),
}
TITLES = {
    "einladung": "Einladung",
    "tagesordnung": "Tagesordnung",
    "sitzungsmappe": "Sitzungsmappe",
}


@dataclass(frozen=True)
class OutputFile:
    """One downloadable output of a meeting."""

    part: str
    name: str
    path: Path
    size: int

    @property
    def label(self) -> str:
        """What the link says, in German: title, part, kind."""
        stem, suffix = self.name.rsplit(".", 1)
        kind = KINDS.get(f".{suffix}", ("", suffix))[1]
        return f"{TITLES.get(stem, stem)} ({PARTS[self.part]}, {kind})"

    @property
    def media_type(self) -> str:
        """The Content-Type of the download."""
        return KINDS.get(self.path.suffix, ("application/octet-stream", ""))[0]


def _decided_by(folder: Path) -> str | None:
    try:
        record = json.loads((folder / DECISION).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    run = record.get("flow_run_id") if isinstance(record, dict) else None
    return str(run) if run and record.get("approve") else None


def run_outputs(home: Path, tenant: str, run_id: str, meeting_id: str) -> list[OutputFile]:
    """The files an approving `prepare-agenda` run wrote for its meeting (else none)."""
    storage = TenantStorage(home, tenant)
    suffix = hashlib.sha256(meeting_id.encode()).hexdigest()[:12]
    try:
        root = storage.inside(storage.root / "outputs" / SITTINGS)
    except PathEscapeError:
        return []
    found: list[OutputFile] = []
    for folder in sorted(root.glob(f"*-{suffix}")):
        if _decided_by(folder) != run_id:
            continue
        for part in PARTS:
            directory = folder / part
            if not directory.is_dir():
                continue
            for path in sorted(directory.iterdir()):
                if path.is_file() and path.suffix in KINDS and not path.name.startswith("."):
                    safe = storage.inside(path)
                    found.append(OutputFile(part, path.name, safe, safe.stat().st_size))
    return found


def find_output(
    home: Path, tenant: str, run_id: str, meeting_id: str, part: str, name: str
) -> OutputFile | None:
    """One listed output by part and name (None for anything not in the listing)."""
    for output in run_outputs(home, tenant, run_id, meeting_id):
        if (output.part, output.name) == (part, name):
            return output
    return None
