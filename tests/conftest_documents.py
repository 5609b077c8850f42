"""Shared material for the document parser tests: fixture paths and hostile-file builders.

Not a pytest conftest (the lead owns tests/conftest.py); the test modules import it.
"""

from __future__ import annotations

import zlib
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "documents"
MAX_BYTES = 50 * 2**20


def fixture_files() -> list[Path]:
    """Every fixture document (licence files left out)."""
    return sorted(
        path
        for path in FIXTURES.rglob("*")
        if path.is_file() and not path.name.startswith("LICENSE")
    )


def make_pdf(stream: bytes, stream_dict: bytes = b"", trailer: bytes = b"") -> bytes:
    """A one-page PDF with a correct cross-reference table around `stream`.

    Args:
        stream: The page's content stream, already encoded.
        stream_dict: Extra entries of the stream dictionary (e.g. a /Filter).
        trailer: Extra trailer entries (e.g. a broken /Info).
    """
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(stream), stream_dict, stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\n" % (len(objects) + 1, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def text_pdf(text: bytes = b"Hallo Welt") -> bytes:
    """A small valid PDF showing `text`."""
    return make_pdf(b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text)


def slow_pdf() -> bytes:
    """A 4 KB PDF whose text extraction takes seconds: 300,000 show-text operations.

    Small, valid and CPU-bound; pypdf walks the whole content stream however little
    text is kept, which is what a wall-clock timeout is for.
    """
    stream = b"BT /F1 12 Tf 10 10 Td " + b"(x) Tj " * 300_000 + b"ET"
    return make_pdf(zlib.compress(stream), b"/Filter /FlateDecode")


def bomb_pdf(megabytes: int = 200) -> bytes:
    """A decompression bomb: `megabytes` of zeros as a ~0.2 MB FlateDecode content stream."""
    packer = zlib.compressobj(9)
    chunk = bytes(2**20)
    stream = b"".join(packer.compress(chunk) for _ in range(megabytes)) + packer.flush()
    return make_pdf(stream, b"/Filter /FlateDecode")


def memory_hog_json(lists: int = 4_000_000) -> bytes:
    """A 12 MB JSON object that needs ~300 MB once parsed (one Python list per 3 bytes)."""
    return b'{"a":[' + b"[]," * lists + b"[]]}"
