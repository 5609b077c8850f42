"""Content detection: what a document is, judged from its first bytes.

The file name and the sender's declared media type are chosen by whoever sends the
document, so they decide nothing here; the bytes do.
"""

from __future__ import annotations

import re

from connectors.documents.models import DocumentKind

HEAD_BYTES = 8 * 1024
"""How many leading bytes `detect_kind` looks at; callers read this much."""

_PDF_WINDOW = 1024  # PDF readers accept the marker anywhere in the first KiB
_EML_MAX_LINES = 64
_EML_MIN_KNOWN = 2
_JSON_START = re.compile(rb"\A(?:\xef\xbb\xbf)?[ \t\r\n]*\{")
_HEADER_LINE = re.compile(rb"\A([!-9;-~]+)[ \t]*:")
_KNOWN_HEADERS = frozenset(
    {
        b"return-path",
        b"received",
        b"from",
        b"to",
        b"cc",
        b"bcc",
        b"reply-to",
        b"sender",
        b"subject",
        b"date",
        b"mime-version",
        b"message-id",
        b"in-reply-to",
        b"references",
        b"content-type",
        b"content-transfer-encoding",
        b"delivered-to",
        b"user-agent",
        b"dkim-signature",
        b"authentication-results",
        b"arc-seal",
        b"arc-message-signature",
        b"arc-authentication-results",
    }
)


def detect_kind(head: bytes) -> DocumentKind:
    """Classify a document by its leading bytes.

    Args:
        head: The first bytes of the file; only the first 8 KiB are looked at.

    Returns:
        The detected kind, or UNKNOWN. A zip archive is reported as DOCX; whether it
        really holds a Word document is only known once the parser opens it.

    """
    head = head[:HEAD_BYTES]
    if b"%PDF-" in head[:_PDF_WINDOW]:
        return DocumentKind.PDF
    if head.startswith(b"PK\x03\x04"):
        return DocumentKind.DOCX
    if _JSON_START.match(head):
        return DocumentKind.JSON
    if _looks_like_email(head):
        return DocumentKind.EML
    return DocumentKind.UNKNOWN


def _looks_like_email(head: bytes) -> bool:
    """Tell whether the bytes open with an RFC 822 header block.

    A single known header is not enough (a text file may start with "Subject: ..."),
    so at least two known header names must appear before the first non-header line.
    """
    lines = head.split(b"\n", _EML_MAX_LINES)[:_EML_MAX_LINES]
    if lines and lines[0].startswith(b"From "):  # mbox separator line
        lines = lines[1:]
    known = 0
    for index, raw in enumerate(lines):
        line = raw.rstrip(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            if index == 0:
                return False
            continue  # folded continuation of the previous header
        match = _HEADER_LINE.match(line)
        if match is None:
            break
        name = match.group(1).lower()
        if name in _KNOWN_HEADERS or name.startswith(b"x-"):
            known += 1
        if known >= _EML_MIN_KNOWN:
            return True
    return False
