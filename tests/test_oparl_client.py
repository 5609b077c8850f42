"""The client's manners over real HTTP: User-Agent, bounded concurrency, retries with
backoff, loop guards on `links.next`, incremental queries, downloads with checksums."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import socket
from typing import Any

import pytest
from pydantic import SecretStr

from connectors.oparl import ChecksumError, OParlError
from connectors.oparl.client import OParlClient
from connectors.oparl.models import File
from connectors.oparl.settings import USER_AGENT
from tests.conftest_oparl import fast_settings, spec_server_fixture  # noqa: F401
from tests.oparl_server import Answer, OParlTestServer

ORGS = "/body/0/organizations/"
PDF = b"%PDF-1.4\n% Amtsflow test\n" + bytes(range(256)) * 40


def _page(server: OParlTestServer, next_path: str | None) -> Answer:
    links = {"next": server.url(next_path)} if next_path else {}
    return Answer(body=json.dumps({"data": server.lists[ORGS], "links": links}).encode())


def _walk(server: OParlTestServer, **settings: Any) -> tuple[list[Any], OParlClient]:
    client = OParlClient(fast_settings(**settings), sleep=lambda _s: None)
    with client:
        return list(client.walk_list("organization", server.url(ORGS))), client


def test_every_request_names_us_and_asks_for_json(spec_server: OParlTestServer) -> None:
    with OParlClient(fast_settings()) as client:
        ((body, _),) = client.bodies(client.system(spec_server.system_url))
        assert sum(len(p.entries) for p in client.pages(body)) == 7
    assert len(spec_server.requests) == 9
    for _path, headers in spec_server.requests:
        assert headers["User-Agent"] == USER_AGENT == "Amtsflow/0.1 (+kommunal)"
        assert headers["Accept"] == "application/json"
        assert "Authorization" not in headers


def test_concurrency_is_bounded(spec_server: OParlTestServer) -> None:
    for path in list(spec_server.lists):
        if path.startswith("/body/0/"):
            spec_server.fail(path, Answer(body=b"[]", delay_s=0.3))
    with OParlClient(fast_settings(concurrency=2)) as client:
        ((body, _),) = client.bodies(client.system(spec_server.system_url))
        pages = list(client.pages(body))
    assert len(pages) == 7 and spec_server.max_in_flight == 2


def test_a_next_link_loop_is_cut_and_leaves_the_list_incomplete(
    spec_server: OParlTestServer,
) -> None:
    spec_server.fixed[ORGS] = _page(spec_server, ORGS)  # next: itself
    pages, client = _walk(spec_server)
    assert [len(p.entries) for p in pages] == [1, 0]
    assert pages[0].error is None and "links.next führt zurück" in str(pages[1].error)
    spec_server.fixed[ORGS] = _page(spec_server, ORGS + "?page=2")
    spec_server.fixed[ORGS + "?page=2"] = _page(spec_server, ORGS)  # A -> B -> A
    pages, client = _walk(spec_server)
    assert [p.error is None for p in pages] == [True, True, False]
    assert spec_server.url(ORGS) in str(pages[-1].error)
    assert client.quirks.summary()["list_loop"] == 1


def test_a_list_without_end_stops_at_max_pages(spec_server: OParlTestServer) -> None:
    spec_server.page_size = 1
    spec_server.lists[ORGS] *= 6  # six pages
    pages, _ = _walk(spec_server, max_pages=3)
    assert [p.error is None for p in pages] == [True, True, True, False]
    assert "mehr als 3 Seiten" in str(pages[-1].error)


def test_retries_run_out_and_the_list_reports_its_error(spec_server: OParlTestServer) -> None:
    spec_server.fixed[ORGS] = Answer(500, b"{}")
    delays: list[float] = []
    with OParlClient(
        fast_settings(max_retries=4, backoff_s=1, backoff_max_s=5), sleep=delays.append
    ) as client:
        (page,) = client.walk_list("organization", spec_server.url(ORGS))
    assert delays == [1, 2, 4, 5]  # doubling, capped
    assert page.error and spec_server.url(ORGS) in page.error and "5 Versuchen" in page.error
    assert len(spec_server.requests) == 5


def test_dropped_connections_and_timeouts_are_retried(spec_server: OParlTestServer) -> None:
    spec_server.fail(ORGS, Answer(close=True), Answer(delay_s=0.6))
    pages, client = _walk(spec_server, timeout_s=0.3)
    assert [len(p.entries) for p in pages] == [1]
    assert client.quirks.summary()["server_error_retried"] == 2


def test_an_unreachable_system_is_a_transient_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with OParlClient(fast_settings(max_retries=1), sleep=lambda _s: None) as client:
        with pytest.raises(OParlError) as caught:
            client.system(f"http://127.0.0.1:{port}/oparl")
        assert caught.value.transient
        with pytest.raises(OParlError) as refused:
            client.system("file:///etc/passwd")
        assert not refused.value.transient


def test_incremental_walks_ask_for_changes_since(spec_server: OParlTestServer) -> None:
    since = dt.datetime(2013, 1, 1, tzinfo=dt.UTC)
    spec_server.page_size = 1
    org = spec_server.lists[ORGS][0]
    spec_server.lists[ORGS] = [
        {**org, "id": f"o{i}", "modified": f"201{2 + i}-06-01T00:00:00+02:00"} for i in range(3)
    ]
    with OParlClient(fast_settings()) as client:
        pages = list(client.walk_list("organization", spec_server.url(ORGS), since))
    assert [obj.id for p in pages for obj, _ in p.entries] == ["o1", "o2"]
    assert all("modified_since=2013-01-01" in path for path in spec_server.paths_requested())


def test_the_api_key_is_sent_but_never_shown(spec_server: OParlTestServer) -> None:
    settings = fast_settings(api_key=SecretStr("geheim-123"), system_url=spec_server.system_url)
    assert "geheim-123" not in repr(settings) and "geheim-123" not in str(settings.model_dump())
    with OParlClient(settings) as client:
        client.system(spec_server.system_url)
    assert spec_server.requests[0][1]["Authorization"] == "Bearer geheim-123"


def _file(server: OParlTestServer, **fields: Any) -> File:
    values = {"id": server.url("/files/1"), "downloadUrl": server.url("/files/download/1.pdf")}
    return File.model_validate(values | fields)


def test_downloads_are_checked_against_their_checksums(spec_server: OParlTestServer) -> None:
    spec_server.files["/files/download/1.pdf"] = PDF
    spec_server.fail("/files/download/1.pdf", Answer(503))
    sha1 = hashlib.sha1(PDF).hexdigest()
    with OParlClient(fast_settings(), sleep=lambda _s: None) as client:
        got = client.download(_file(spec_server, sha1Checksum=sha1.upper()))
        assert got.data == PDF and got.verified
        assert got.sha256 == hashlib.sha256(PDF).hexdigest()
        sha512 = hashlib.sha512(PDF).hexdigest()
        assert client.download(_file(spec_server, sha512Checksum=sha512)).verified
        assert not client.download(_file(spec_server)).verified  # nothing to check against
        with pytest.raises(ChecksumError, match="sha1Checksum"):
            client.download(_file(spec_server, sha1Checksum="0" * 40))
        spec_server.files["/files/1.pdf"] = PDF
        via_access = _file(spec_server, downloadUrl=None, accessUrl=spec_server.url("/files/1.pdf"))
        assert client.download(via_access).data == PDF
        with pytest.raises(OParlError, match="HTTP 404"):
            client.download(_file(spec_server, downloadUrl=spec_server.url("/nirgends.pdf")))


def test_a_download_larger_than_allowed_is_refused(spec_server: OParlTestServer) -> None:
    spec_server.files["/files/download/1.pdf"] = b"x" * (2**20 + 1)
    with OParlClient(fast_settings(max_file_mb=1)) as client, pytest.raises(OParlError):
        client.download(_file(spec_server))


def test_the_api_key_goes_only_to_the_systems_origin(spec_server: OParlTestServer) -> None:
    # a list page whose links.next and a file whose downloadUrl name another origin (the
    # same host on another port): the municipality's token must not travel there
    other = OParlTestServer()
    other.lists[ORGS] = spec_server.lists[ORGS]
    other.files["/files/download/1.pdf"] = PDF
    spec_server.fixed[ORGS] = Answer(
        body=json.dumps({"data": [], "links": {"next": other.url(ORGS)}}).encode()
    )
    settings = fast_settings(api_key=SecretStr("geheim-123"), system_url=spec_server.system_url)
    with other.running(), OParlClient(settings) as client:
        client.system(spec_server.system_url)
        pages = list(client.walk_list("organization", spec_server.url(ORGS)))
        assert [p.error for p in pages] == [None, None] and len(pages[1].entries) == 1
        assert client.download(_file(other)).data == PDF
    assert spec_server.paths_requested() == [spec_server.system_url[len(spec_server.base) :], ORGS]
    for _path, headers in spec_server.requests:
        assert headers["Authorization"] == "Bearer geheim-123"
    assert [path for path, _ in other.requests] == [ORGS, "/files/download/1.pdf"]
    for _path, headers in other.requests:
        assert "Authorization" not in headers
        assert "geheim-123" not in json.dumps(headers)


def test_an_api_key_without_its_system_is_sent_nowhere(spec_server: OParlTestServer) -> None:
    with OParlClient(fast_settings(api_key=SecretStr("geheim-123"))) as client:
        client.system(spec_server.system_url)
    assert "Authorization" not in spec_server.requests[0][1]


def test_an_oversize_page_is_refused_with_its_path_and_the_limit(
    spec_server: OParlTestServer,
) -> None:
    big = {"data": [spec_server.lists[ORGS][0]] * 200, "links": {}}
    target = ORGS + "?access_token=s3cret"  # a query that must not show in the error
    spec_server.fixed[target] = Answer(body=json.dumps(big).encode())
    url = spec_server.url(target)
    with OParlClient(fast_settings(max_page_bytes=4096)) as client:
        (page,) = client.walk_list("organization", url)
        assert page.error is not None and page.entries == []
        assert spec_server.url(ORGS) in page.error and "4096 Bytes" in page.error
        assert "s3cret" not in page.error and "MAX_PAGE_BYTES" in page.error
        with pytest.raises(OParlError, match="größer als 4096 Bytes"):
            client.system(url)
        # without Content-Length the cap holds while reading
        spec_server.fixed[target] = Answer(body=json.dumps(big).encode(), chunked=True)
        with pytest.raises(OParlError, match="größer als 4096 Bytes"):
            client.system(url)
        # a page within the limit still reads
        (ok,) = client.walk_list("organization", spec_server.url(ORGS))
        assert ok.error is None and len(ok.entries) == 1
    assert len(spec_server.paths_requested()) == 4  # refused at once, never retried
