"""E-mail (RFC 822/MIME): subject, plain body, form-mailer fields and attachments.

Form mailers on municipal websites send one `Label: value` line per form field; that
is all the structure an e-mail body has. Attachments are handed back as bytes, to be
stored and parsed as documents of their own.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from html.parser import HTMLParser

from connectors.documents.bounds import FieldSink, clip
from connectors.documents.models import Attachment, DocumentKind, ParsedDocument

MAX_MAIL_FIELDS = 200
MAX_ATTACHMENTS = 50
_MAX_SCAN = 1_000_000  # characters of body (or HTML) looked at for text and fields
_MAX_DEPTH = 20  # MIME nesting
_FORM_LINE = re.compile(r"(?P<label>[^\s:][^:\r\n]{0,59}):[ \t]*(?P<value>[^\r\n]*)")
_SKIP_TAGS = frozenset({"script", "style", "head", "title"})
_BLOCK_TAGS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table"})


def read_eml(data: bytes) -> ParsedDocument:
    """Read an e-mail.

    Args:
        data: The message's bytes as received (headers may be RFC 2047 encoded).

    Returns:
        Subject as title, plain body as text, its `Label: value` lines as fields, the
        attachments, and how many attached parts were left out (over the limit, nested
        too deep, undecodable) so that the intake can tell the clerk something is missing.

    """
    message = email.message_from_bytes(data, policy=policy.default)
    subject = message.get("Subject")
    title = clip(" ".join(str(subject).split()), 500) if subject is not None else ""
    body = _body(message)
    found = _Found()
    _collect_attachments(message, found, depth=0, related=False)
    return ParsedDocument(
        kind=DocumentKind.EML,
        fields=_form_fields(body),
        title=title or None,
        text=clip(body.strip()),
        attachments=found.attachments,
        dropped_parts=found.dropped,
    )


def _body(message: Message) -> str:
    """Return the plain-text body; of an HTML-only body, its text without tags."""
    if not isinstance(message, EmailMessage):
        return ""
    part = message.get_body(preferencelist=("plain",))
    if part is not None:
        return _decode(part)[:_MAX_SCAN]
    part = message.get_body(preferencelist=("html",))
    if part is None:
        return ""
    stripper = _TextOnly()
    stripper.feed(_decode(part)[:_MAX_SCAN])
    stripper.close()
    return "".join(stripper.parts)


def _decode(part: Message) -> str:
    """Decode a text part; a wrong or unknown charset falls back to UTF-8, then Latin-1."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    for charset in (part.get_content_charset() or "utf-8", "utf-8"):
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")


def _form_fields(body: str) -> dict[str, str]:
    """`Label: value` lines that start at the left margin (a form mailer's output)."""
    sink = FieldSink(limit=MAX_MAIL_FIELDS)
    for line in body.splitlines():
        match = _FORM_LINE.fullmatch(line)
        if match is None:
            continue
        label, value = match.group("label").rstrip(), match.group("value").strip()
        if not any(char.isalpha() for char in label) or value.startswith("//"):
            continue  # numbers and URLs ("https://...") are no labels
        if label[-1] in "0123456789" and value[:1] in tuple("0123456789"):
            continue  # a time of day ("um 10:30")
        sink.add(label, value)
        if sink.full:
            break
    return sink.fields


@dataclass
class _Found:
    """Attachments collected so far, and how many attached parts were left out."""

    attachments: list[Attachment] = field(default_factory=list)
    dropped: int = 0


def _collect_attachments(part: Message, found: _Found, *, depth: int, related: bool) -> None:
    """Collect every attached part below `part`; inline parts and the body stay out.

    A part counts as attached when it is not marked inline and has a file name, a
    non-text type, or an explicit `attachment` disposition. Images referenced from an
    HTML body (multipart/related with a Content-ID) are inline even when unmarked.
    Whatever is left out for a limit or because it cannot be decoded is counted, never
    dropped silently: a clerk must learn that the e-mail held more than was taken over.
    A subtree nested too deep counts as one part (it is not walked, that is the limit).
    """
    if depth > _MAX_DEPTH:
        found.dropped += 1
        return
    if part.get_content_maintype() == "multipart":
        payload = part.get_payload()
        is_related = part.get_content_subtype() == "related"
        for child in payload if isinstance(payload, list) else []:
            if isinstance(child, Message):
                _collect_attachments(child, found, depth=depth + 1, related=is_related)
        return
    disposition = part.get_content_disposition()
    filename = part.get_filename()
    inline = disposition == "inline" or (
        disposition is None and related and part.get("Content-ID") is not None
    )
    wanted = disposition == "attachment" or filename or part.get_content_maintype() != "text"
    if inline or not wanted:
        return
    if len(found.attachments) >= MAX_ATTACHMENTS:
        found.dropped += 1  # counted without decoding: the limit bounds the work
        return
    content = _content(part)
    if content is None:
        found.dropped += 1
        return
    found.attachments.append(
        Attachment(
            filename=clip(filename, 255) if filename else None,
            media_type=part.get_content_type(),
            content=content,
        )
    )


def _content(part: Message) -> bytes | None:
    """Return the decoded bytes of a part; of an attached e-mail, the whole message."""
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return inner[0].as_bytes()
        return None
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else None


class _TextOnly(HTMLParser):
    """Keeps the text of an HTML body: no scripts, styles or markup, blocks on new lines."""

    def __init__(self) -> None:
        """Start with no text and outside any skipped element."""
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Enter a skipped element, or break the line before a block."""
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        """Leave a skipped element, or break the line after a block."""
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        """Keep text outside skipped elements."""
        if not self._skipping:
            self.parts.append(data)
