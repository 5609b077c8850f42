"""The fixture worlds the OParl test server serves: Hürtgenwald's real dump, the spec examples."""

from __future__ import annotations

import copy
import json
import re
from typing import Any
from urllib.parse import urlsplit

from tests.oparl_server import (
    HUERTGENWALD,
    HUERTGENWALD_ORIGIN,
    HUERTGENWALD_SYSTEM,
    SPEC_EXAMPLES,
    SPEC_ORIGIN,
    Answer,
    OParlTestServer,
)

#: Lists of the spec world (paths on the test server)
ORGS, PAPERS, MEETINGS, FILES = (
    "/body/0/organizations/",
    "/body/0/papers/",
    "/body/0/meetings/",
    "/body/0/files/",
)
_PAGE = re.compile(r"^(?P<list>.+?)(?:\?page=(?P<n>\d+))?\.json$")


def load_huertgenwald(server: OParlTestServer) -> str:
    """Serve the dump under its original paths; returns the System URL."""
    base = HUERTGENWALD_SYSTEM.rsplit("/", 1)[0]
    pages: dict[str, list[tuple[int, list[dict[str, Any]]]]] = {}
    for path in sorted(HUERTGENWALD.rglob("*.json")):
        rel = path.relative_to(HUERTGENWALD).as_posix()
        data = server.rewrite(path.read_text(encoding="utf-8"), HUERTGENWALD_ORIGIN)
        if rel == "system.json":
            server.objects[HUERTGENWALD_SYSTEM] = data
        elif rel == "missing_ids.json":
            for url, not_found in data.items():
                status = 404 if not_found else 500
                body = json.dumps({"type": "Error", "message": "Fehler"}).encode()
                server.fixed[urlsplit(url).path] = Answer(status=status, body=body)
        else:
            match = _PAGE.match(rel)
            assert match, rel
            number = int(match.group("n") or 1)
            pages.setdefault(f"{base}/{match.group('list')}", []).append((number, data["data"]))
    for list_path, numbered in pages.items():
        objects = [obj for _, data in sorted(numbered, key=lambda p: p[0]) for obj in data]
        server.lists[list_path] = objects
        for obj in objects:
            server.objects[urlsplit(obj["id"]).path] = obj
    server.system_url = server.url(HUERTGENWALD_SYSTEM)
    return server.system_url


def spec_example(name: str, server: OParlTestServer) -> dict[str, Any]:
    """One example of the OParl specification with its URLs pointing at the server."""
    text = (SPEC_EXAMPLES / f"{name}-01.json").read_text(encoding="utf-8")
    data: dict[str, Any] = server.rewrite(text, SPEC_ORIGIN)
    return data


def load_spec(server: OParlTestServer) -> str:
    """A 1.1 world from the spec examples, every list a body offers; returns the System URL."""
    system = spec_example("System", server)
    body = spec_example("Body", server)
    meeting = spec_example("Meeting", server)
    paper = spec_example("Paper", server)
    item = copy.deepcopy(meeting["agendaItem"][0])
    consultation = {**copy.deepcopy(paper["consultation"][0]), "paper": paper["id"]}
    server.objects[urlsplit(system["id"]).path] = system
    server.lists[urlsplit(system["body"]).path] = [body]
    for key, objects in {
        "organization": [spec_example("Organization", server)],
        "person": [spec_example("Person", server)],
        "meeting": [meeting],
        "paper": [paper],
        "agendaItem": [item],
        "consultation": [consultation],
        "file": [spec_example("File", server)],
    }.items():
        server.lists[urlsplit(body[key]).path] = objects
    server.system_url = str(system["id"])
    return server.system_url


def raw_page(server: OParlTestServer, path: str, *replace: tuple[str, str]) -> bytes:
    """A list page as bytes, with text replaced (to inject what JSON encoders never write)."""
    text = json.dumps(server._page(path, {}), ensure_ascii=False)
    for old, new in replace:
        assert old in text
        text = text.replace(old, new)
    return text.encode()
