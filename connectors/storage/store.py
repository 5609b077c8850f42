"""The document store: originals addressed by SHA-256, immutable once written.

Layout under the data folder (`AMTSFLOW_HOME`):
`tenants/<slug>/store/<sha[:2]>/<sha>` for originals, `tenants/<slug>/outputs/...` for
what flows produce, `tenants/<slug>/quarantine/<sha>.json` for the clerk's reasons.
Paths are derived from hashes and slugs, never taken from input, and every derived path
is checked to stay inside the tenant's folder (a symlink cannot lead out of it).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from models.tenant import SLUG_PATTERN

_SHA = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20


class PathEscapeError(PermissionError):
    """A path would leave the tenant's folder."""


class FileTooLargeError(OSError):
    """A file turned out larger than the store takes for it."""


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An original in the store."""

    sha256: str
    size: int
    path: Path
    created: bool  # False when the same content was already stored


class TenantStorage:
    """One tenant's folder in the data folder."""

    def __init__(self, home: Path, tenant_id: str, *, fsync: bool = True) -> None:
        if not re.fullmatch(SLUG_PATTERN, tenant_id):
            raise PathEscapeError("ungültiger Gemeinde-Kurzname")
        self.tenant_id = tenant_id
        self.root = (home / "tenants" / tenant_id).resolve()
        self._fsync = fsync
        for sub in ("store", "outputs", "quarantine", "tmp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    def inside(self, path: Path) -> Path:
        """Resolve a path and refuse it unless it lies inside the tenant's folder."""
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise PathEscapeError("Pfad außerhalb des Ordners der Gemeinde")
        return resolved

    def path_for(self, sha256: str) -> Path:
        """Where an original with this hash lives."""
        if not _SHA.match(sha256):
            raise ValueError("kein SHA-256")
        return self.inside(self.root / "store" / sha256[:2] / sha256)

    def store_file(self, source: Path) -> StoredObject:
        """Copy a file into the store while hashing it (one read of the source)."""
        with source.open("rb") as src:
            return self.store_reader(src)

    def store_reader(self, src: BinaryIO, max_bytes: int | None = None) -> StoredObject:
        """Copy an open file into the store while hashing it (the caller closes it).

        Raises:
            FileTooLargeError: the file holds more than `max_bytes` (it grew after it
                was listed); nothing of it is kept.

        """
        if max_bytes is None:
            return self._store_stream(src.read, _CHUNK)
        left = max_bytes + 1

        def bounded(size: int) -> bytes:
            nonlocal left
            chunk = src.read(min(size, left))
            left -= len(chunk)
            if left <= 0:
                raise FileTooLargeError("Datei größer als erlaubt")
            return chunk

        return self._store_stream(bounded, _CHUNK)

    def store_bytes(self, data: bytes) -> StoredObject:
        """Store content already in memory (e.g. an e-mail attachment)."""
        chunks = iter([data])
        return self._store_stream(lambda _n: next(chunks, b""), _CHUNK)

    def _store_stream(self, read: object, size: int) -> StoredObject:
        assert callable(read)
        digest = hashlib.sha256()
        total = 0
        fd, tmp_name = tempfile.mkstemp(dir=self.root / "tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := read(size):
                    digest.update(chunk)
                    out.write(chunk)
                    total += len(chunk)
                if self._fsync:
                    out.flush()
                    os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = self.path_for(sha)
            if target.exists():
                return StoredObject(sha, total, target, created=False)
            target.parent.mkdir(exist_ok=True)
            tmp.chmod(0o444)
            tmp.replace(target)  # atomic: readers see all of it or nothing
            self._sync_folder(target.parent)  # the rename itself survives a power cut
            return StoredObject(sha, total, target, created=True)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def _sync_folder(self, folder: Path) -> None:
        """Make a rename into `folder` durable (the database may already say it is there)."""
        if not self._fsync:
            return
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def output_path(self, *parts: str) -> Path:
        """A path under `outputs/`, checked to stay there."""
        return self.inside(self.root.joinpath("outputs", *parts))

    def write_atomic(self, path: Path, data: bytes) -> Path:
        """Write a file so that a crash leaves the old version or the new, never half."""
        path = self.inside(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.root / "tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                if self._fsync:
                    out.flush()
                    os.fsync(out.fileno())
            Path(tmp_name).replace(path)
            self._sync_folder(path.parent)
        finally:
            with contextlib.suppress(FileNotFoundError):
                Path(tmp_name).unlink()
        return path

    def quarantine_note(self, sha256: str) -> Path:
        """Where the clerk-readable reason for a quarantined original is written."""
        if not _SHA.match(sha256):
            raise ValueError("kein SHA-256")
        return self.inside(self.root / "quarantine" / f"{sha256}.json")
