"""Originals as downloads: what a clerk needs to act on a document the machine could not.

A clerk decides a quarantined submission or a review item by looking at the document
itself. Originals come from strangers: they are served only as attachments
(`application/octet-stream`, `nosniff` from the global headers), never shown as a page,
only the tenant's own, and every download is audited with the document's hash.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.web import queries
from connectors.dropfolder.placing import safe_name
from connectors.storage import TenantStorage
from models.db import Document
from models.tenant_scope import TenantSession
from tasks import audit

MEDIA_TYPE = "application/octet-stream"


def is_stored(storage: TenantStorage, sha256: str) -> bool:
    """Whether the store holds the original (a row without a real hash has none)."""
    try:
        return storage.path_for(sha256).is_file()
    except ValueError:
        return False


def take_original(
    session: TenantSession, home: Path, doc: Document, actor: str, **details: Any
) -> tuple[Path, str] | None:
    """The document's stored original and a file name for it, audited.

    None when it is not stored, or when it or a part inside it was stopped at the
    reader's limits (`queries.withheld`): such a file is not handed to a workplace.
    """
    storage = TenantStorage(home, session.tenant_id)
    if queries.withheld(session, doc.id) or not is_stored(storage, doc.sha256):
        return None
    audit.record(
        session,
        "document_downloaded",
        actor=actor,
        sha256=doc.sha256,
        document="original",
        **details,
    )
    session.commit()
    return storage.path_for(doc.sha256), safe_name(doc.source_name or f"original-{doc.sha256[:12]}")
