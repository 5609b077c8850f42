"""Property tests: whatever the bytes, the parser answers, quickly and without content leaks."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.documents import ParsedDocument, ParserPool, parse_document
from tests.conftest_documents import MAX_BYTES, fixture_files

PREFIXES = [b"%PDF-1.7\n", b"PK\x03\x04", b"{", b"From: a@b\nSubject: x\n\n"]
SMALL_FIXTURES = [path.read_bytes() for path in fixture_files() if path.stat().st_size < 300_000]
EXCEPTION_DETAIL = re.compile(r"(json|pdf|docx|eml|unknown): [A-Za-z_][A-Za-z0-9_]*")  # class
FIXED_DETAILS = {
    "empty file",
    "unknown content",
    "json: not UTF-8",
    "json: top level is not an object",
    "json: nested too deeply",
    "pdf: password required",
    "docx: not a Word document",
    "docx: unpacks beyond limit",
    "zip without word/document.xml",
}
SECONDS = 5.0  # far above any sane document; the pool would time out at this order

random_bytes = st.binary(max_size=4096)
prefixed = st.tuples(st.sampled_from(PREFIXES), random_bytes).map(b"".join)
truncated = st.tuples(st.sampled_from(SMALL_FIXTURES), st.floats(0, 1)).map(
    lambda pair: pair[0][: int(len(pair[0]) * pair[1])]
)
mangled = st.tuples(
    st.sampled_from(SMALL_FIXTURES), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)))
).map(
    lambda pair: bytes(
        _mangle(bytearray(pair[0]), [(int(at * (len(pair[0]) - 1)), b) for at, b in pair[1]])
    )
)
hostile_bytes = st.one_of(random_bytes, prefixed, truncated, mangled)


def _mangle(data: bytearray, changes: list[tuple[int, int]]) -> bytearray:
    for position, value in changes:
        data[position] = value
    return data


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hypothesis") / "input"


def check_answer(doc: ParsedDocument) -> None:
    assert isinstance(doc, ParsedDocument)
    assert len(doc.text) <= 20_000 and len(doc.fields) <= 1_000
    if not doc.ok:
        detail = doc.failure_detail or ""
        assert detail in FIXED_DETAILS or EXCEPTION_DETAIL.fullmatch(detail), detail
        assert not doc.fields and not doc.text and not doc.attachments and doc.title is None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=hostile_bytes)
def test_parse_document_never_raises(scratch: Path, data: bytes) -> None:
    scratch.write_bytes(data)
    started = time.monotonic()
    doc = parse_document(scratch, MAX_BYTES)
    assert time.monotonic() - started < SECONDS
    check_answer(doc)


@pytest.fixture(scope="module")
def pool() -> Iterator[ParserPool]:
    with ParserPool(workers=2, timeout_s=SECONDS) as pool:
        yield pool


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(prefixed, truncated, mangled))
def test_pool_answers_whatever_the_bytes(pool: ParserPool, scratch: Path, data: bytes) -> None:
    scratch.write_bytes(data)
    doc = pool.parse(scratch)
    check_answer(doc)
    assert doc == parse_document(scratch, MAX_BYTES)
