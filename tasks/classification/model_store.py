"""Where a tenant's trained models live: one folder per version, a pointer to the current.

`<home>/tenants/<slug>/models/<version>/` holds a saved model; `current` names the version
in use. Switching is one atomic file replace, so a classification run never loads a
half-written model, and the previous version stays for a rollback.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from connectors.storage import TenantStorage

_VERSION = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")


def models_root(storage: TenantStorage) -> Path:
    """The tenant's model folder (inside its data folder)."""
    root = storage.inside(storage.root / "models")
    root.mkdir(exist_ok=True)
    return root


def new_version_dir(storage: TenantStorage) -> tuple[str, Path]:
    """A fresh, not yet existing version folder name (UTC timestamp)."""
    base = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    root = models_root(storage)
    version, n = base, 1
    while (root / version).exists():
        version, n = f"{base}-{n}", n + 1
    return version, root / version


def current_model_dir(storage: TenantStorage) -> Path | None:
    """The folder of the model in use, or None when the tenant has none yet."""
    pointer = models_root(storage) / "current"
    if not pointer.is_file():
        return None
    version = pointer.read_text(encoding="utf-8").strip()
    if not _VERSION.match(version):
        return None
    path = models_root(storage) / version
    return path if path.is_dir() else None


def activate(storage: TenantStorage, version: str) -> None:
    """Make a saved version the current one (atomic)."""
    if not _VERSION.match(version) or not (models_root(storage) / version).is_dir():
        raise ValueError(f"kein gespeichertes Modell {version!r}")
    storage.write_atomic(models_root(storage) / "current", version.encode())
