"""Where a tenant's trained models live: one folder per version, a pointer to the current.

`<home>/tenants/<slug>/models/<version>/` holds a saved model; `current` names the version
in use. Switching is one atomic file replace, so a classification run never loads a
half-written model, and the previous version stays for a rollback.

The pointer and the folder it names are resolved through `TenantStorage.inside`. A
`current` that is a symlink, names a path (`../../nebenan/models/...`) or a version
folder that is a symlink, leading out of the municipality's folder, would otherwise load
another municipality's model (trained on its documents) or one planted from outside.
Such a pointer raises `PathEscapeError` rather than counting as "no model yet": this code
never writes one, so it is tampering or a botched copy for the operator to look at, and
"no model" would make the next run train a new model and overwrite the pointer, hiding
it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from connectors.storage import PathEscapeError, TenantStorage

_VERSION = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")
CURRENT = "current"


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


def _within(storage: TenantStorage, path: Path, what: str) -> Path:
    """`storage.inside`, with a message that says what leads out and what to do.

    Names neither the pointer's text nor where it leads: that may be another
    municipality's folder, and the message reaches this municipality's logs.
    """
    try:
        return storage.inside(path)
    except PathEscapeError:
        raise PathEscapeError(
            f"Gemeinde {storage.tenant_id}: {what} führt aus dem Ordner der Gemeinde hinaus "
            "und wird nicht genutzt; den Modellordner der Gemeinde prüfen"
        ) from None


def current_model_dir(storage: TenantStorage) -> Path | None:
    """The folder of the model in use, or None when the tenant has none yet.

    Raises:
        PathEscapeError: when the pointer or the version folder it names leads out of
            the municipality's folder (see the module's docstring).

    """
    root = models_root(storage)
    pointer = _within(storage, root / CURRENT, f"der Modellzeiger „{CURRENT}“")
    if not pointer.is_file():
        return None
    version = pointer.read_text(encoding="utf-8").strip()
    known = _VERSION.match(version) is not None
    what = f"der Ordner des Modells {version}" if known else f"der Modellzeiger „{CURRENT}“"
    try:
        folder = _within(storage, root / version, what)
    except ValueError:  # e.g. a NUL byte: names no path at all, so no model either
        return None
    if not known:
        return None  # not a version name this code writes (nor a way out: checked above)
    return folder if folder.is_dir() else None


def activate(storage: TenantStorage, version: str) -> None:
    """Make a saved version the current one (atomic).

    Raises:
        ValueError: when no model of that version is saved.
        PathEscapeError: when its folder leads out of the municipality's folder.

    """
    if not _VERSION.match(version):
        raise ValueError(f"kein gespeichertes Modell {version!r}")
    folder = _within(storage, models_root(storage) / version, f"der Ordner des Modells {version}")
    if not folder.is_dir():
        raise ValueError(f"kein gespeichertes Modell {version!r}")
    storage.write_atomic(models_root(storage) / CURRENT, version.encode())
