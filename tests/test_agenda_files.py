"""Papers' files for the Sitzungsmappe, fetched from a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import Engine

from connectors.database import tenant_session
from connectors.oparl.client import OParlClient
from connectors.storage import TenantStorage
from models.oparl import File
from tasks.agenda_outputs.files import NOT_FOUND, NOT_LOADED, WORD, fetch_paper_files
from tests.agenda_drafts import DOCUMENTS, PDF
from tests.conftest_oparl import fast_settings, oparl_engine_fixture  # noqa: F401
from tests.oparl_server import OParlTestServer

GOOD = (PDF / "crazyones.pdf").read_bytes()
WORD_BYTES = (DOCUMENTS / "docx" / "blk-paras-and-tables.docx").read_bytes()


def _rows(engine: Engine, server: OParlTestServer) -> None:
    server.files["/files/good.pdf"] = GOOD
    server.files["/files/word.docx"] = WORD_BYTES
    server.files["/files/tampered.pdf"] = GOOD + b"%tampered"
    rows = [
        ("f/good", "/files/good.pdf", hashlib.sha1(GOOD).hexdigest(), False),
        ("f/word", "/files/word.docx", None, False),
        ("f/gone", "/files/gone.pdf", None, False),  # HTTP 404
        ("f/tampered", "/files/tampered.pdf", hashlib.sha1(GOOD).hexdigest(), False),
        ("f/deleted", "/files/good.pdf", None, True),
    ]
    with tenant_session(engine, "a-stadt") as session:
        for oparl_id, path, sha1, deleted in rows:
            session.add(
                File(
                    oparl_id=oparl_id,
                    download_url=server.url(path),
                    sha1_checksum=sha1,
                    deleted=deleted,
                )
            )
        session.commit()


def test_files_are_fetched_once_and_judged_by_content(oparl_engine: Engine, tmp_path: Path) -> None:
    server = OParlTestServer()
    _rows(oparl_engine, server)
    storage = TenantStorage(tmp_path, "a-stadt", fsync=False)
    wanted = ["f/good", "f/word", "f/gone", "f/tampered", "f/deleted", "f/unknown", "f/good"]
    with server.running(), OParlClient(fast_settings()) as client:
        files = fetch_paper_files(oparl_engine, "a-stadt", client, storage, wanted)
        first = len(server.paths_requested())
        again = fetch_paper_files(oparl_engine, "a-stadt", client, storage, ["f/good"])
        # another municipality asking for the same ids gets nothing of a-stadt's
        other = fetch_paper_files(
            oparl_engine, "b-dorf", client, TenantStorage(tmp_path, "b-dorf"), ["f/good"]
        )
    good = files["f/good"]
    assert good.path is not None and good.path.read_bytes() == GOOD and good.reason is None
    assert good.sha256 == hashlib.sha256(GOOD).hexdigest()
    assert files["f/word"].path is None and files["f/word"].reason == WORD
    assert files["f/gone"].reason == NOT_LOADED and files["f/tampered"].reason == NOT_LOADED
    assert files["f/deleted"].reason == NOT_FOUND and files["f/unknown"].reason == NOT_FOUND
    assert set(files) == set(wanted)
    assert again["f/good"].path == good.path
    assert len(server.paths_requested()) == first  # stored once, never fetched again
    assert other["f/good"].reason == NOT_FOUND
