"""Which address the login limit counts, behind a trusted proxy and without one."""

from __future__ import annotations

from starlette.requests import Request

from app.web.common import client_address


def _request(forwarded: str | None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    scope = {"type": "http", "headers": headers, "client": ("10.0.0.5", 51000)}
    return Request(scope)


def test_the_proxys_own_entry_counts_not_what_the_client_wrote() -> None:
    # the client may send any X-Forwarded-For; our proxy appends the real address last
    spoofed = _request("192.0.2.77, 198.51.100.9")
    assert client_address(spoofed, trust_proxy=True) == "198.51.100.9"
    assert client_address(_request("198.51.100.9"), trust_proxy=True) == "198.51.100.9"
    # without a trusted proxy the header is ignored altogether
    assert client_address(spoofed, trust_proxy=False) == "10.0.0.5"
    assert client_address(_request(None), trust_proxy=True) == "10.0.0.5"
