"""The two audiences of a meeting's outputs, and the wall between them.

Every public output is rendered from a `PublicView` and nothing else; the view is built
by removing, from the draft, everything a non-public item touches: its paper (by id and
by reference), its files (by OParl id and by content hash, since the same document may
hide under two ids), and its title. A public item that shares any of these with a
non-public item is withheld from the public outputs entirely (its number is kept for the
clerk's report, never its title). `check_public_texts` then scans what was rendered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from models.agenda import AgendaDraft, DraftItem, ItemKind

_MIN_REFERENCE = 4  # shorter paper references ("12") would match anything


class PublicLeakError(RuntimeError):
    """A public output would contain something of the non-public part; nothing is written."""


def normalize(text: str) -> str:
    """Casefolded, whitespace collapsed: how titles are compared."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip().casefold()


@dataclass(frozen=True)
class Secrets:
    """What the non-public part consists of, for filtering and for scanning outputs."""

    paper_ids: frozenset[str]
    references: frozenset[str]
    file_ids: frozenset[str]
    file_hashes: frozenset[str]
    titles: frozenset[str]  # normalized titles of non-public paper items (not headings)

    @classmethod
    def of(cls, draft: AgendaDraft, file_hashes: Mapping[str, str]) -> Secrets:
        """Collect the non-public part of a draft (`file_hashes`: OParl file id -> SHA-256)."""
        hidden = draft.nonpublic_items
        files = frozenset(f for item in hidden for f in item.file_ids)
        return cls(
            paper_ids=frozenset(i.paper_id for i in hidden if i.paper_id),
            references=frozenset(normalize(i.paper_reference) for i in hidden if i.paper_reference),
            file_ids=files,
            file_hashes=frozenset(file_hashes[f] for f in files if f in file_hashes),
            # papers' titles only: standing items and headings ("Empfehlungen des
            # Bauausschusses") are the body's generic structure and stand in both parts
            titles=frozenset(normalize(i.title) for i in hidden if i.kind is ItemKind.PAPER),
        )

    def touches(self, item: DraftItem, file_hashes: Mapping[str, str]) -> bool:
        """Whether a (public) item shares its paper, reference or title with the secret part."""
        title = normalize(item.title)
        return bool(
            (item.paper_id and item.paper_id in self.paper_ids)
            or (item.paper_reference and normalize(item.paper_reference) in self.references)
            or any(secret in title for secret in self.titles)
        )

    def blocks_file(self, file_id: str, file_hashes: Mapping[str, str]) -> bool:
        """Whether a file belongs (by id or by content) to the non-public part."""
        return file_id in self.file_ids or file_hashes.get(file_id) in self.file_hashes

    def found_in(self, texts: Iterable[str]) -> list[str]:
        """Which kinds of secret occur in the texts (kinds only: the secret is not repeated).

        Titles count anywhere inside a text, as in `touches`. Paper numbers and ids count
        only as whole tokens: "VO/2026/1" is not inside "VO/2026/10", and a paper's URL is
        not inside the URL of another paper's consultation below it.
        """
        words = [normalize(t) for t in texts if t]
        kinds = []
        if any(secret in word for secret in self.titles for word in words):
            kinds.append("Titel")
        for kind, secrets in (
            ("Vorlagen-Nummer", {r for r in self.references if len(r) >= _MIN_REFERENCE}),
            ("Vorlagen-Id", {normalize(p) for p in self.paper_ids}),
            ("Datei-Id", {normalize(f) for f in self.file_ids}),
        ):
            if secrets and any(_token(secret).search(word) for secret in secrets for word in words):
                kinds.append(kind)
        return kinds


def _token(secret: str) -> re.Pattern[str]:
    """The secret as a whole token: not continued by letters, digits, '/' or '-' (nor '.x')."""
    return re.compile(rf"(?<![\w/.-]){re.escape(secret)}(?![\w/-])(?!\.\w)")


@dataclass(frozen=True)
class AgendaView:
    """The items one audience sees, with the meeting's metadata; rendered as given."""

    draft: AgendaDraft  # metadata only; renderers use `items`, never `draft.items`
    items: tuple[DraftItem, ...]
    public: bool
    withheld: tuple[str, ...] = ()  # numbers of public items kept out of the public view
    blocked_files: Mapping[str, frozenset[str]] = field(default_factory=dict)  # number -> ids

    @property
    def has_nonpublic_part(self) -> bool:
        """Whether the agenda this view was made from has a non-public part at all."""
        return bool(self.draft.nonpublic_items)


def _children(items: Iterable[DraftItem], withheld: set[str]) -> set[str]:
    """Withheld numbers plus every item below one of them."""
    result = set(withheld)
    changed = True
    while changed:
        changed = False
        for item in items:
            if item.parent_number in result and item.number not in result:
                result.add(item.number)
                changed = True
    return result


def public_view(draft: AgendaDraft, file_hashes: Mapping[str, str]) -> AgendaView:
    """The public part, minus every item and file that touches the non-public part."""
    secrets = Secrets.of(draft, file_hashes)
    public = draft.public_items
    nonpublic_numbers = {i.number for i in draft.nonpublic_items}
    touching = {i.number for i in public if secrets.touches(i, file_hashes)}
    touching |= {i.number for i in public if i.parent_number in nonpublic_numbers}
    withheld = _children(public, touching)
    items: list[DraftItem] = []
    blocked: dict[str, frozenset[str]] = {}
    for item in public:
        if item.number in withheld:
            continue
        stop = frozenset(f for f in item.file_ids if secrets.blocks_file(f, file_hashes))
        if stop:
            blocked[item.number] = stop
        items.append(item.model_copy(update={"file_ids": list(item.file_ids)}, deep=True))
    kept = tuple(i.number for i in public if i.number in withheld)
    return AgendaView(draft, tuple(items), True, kept, blocked)


def full_view(draft: AgendaDraft) -> AgendaView:
    """Both parts, for the council members' invitation and agenda (non-public outputs)."""
    return AgendaView(draft, tuple(draft.items), False)


def nonpublic_view(draft: AgendaDraft) -> AgendaView:
    """Only the non-public part: the separate non-public Sitzungsmappe."""
    return AgendaView(draft, tuple(draft.nonpublic_items), False)


def check_public_texts(
    draft: AgendaDraft, file_hashes: Mapping[str, str], output: str, texts: Iterable[str]
) -> None:
    """Refuse a rendered public output that mentions the non-public part.

    Raises:
        PublicLeakError: naming the output and the kind of secret, never the secret itself.

    """
    found = Secrets.of(draft, file_hashes).found_in(texts)
    if found:
        raise PublicLeakError(
            f"{output}: enthält Angaben aus dem nichtöffentlichen Teil ({', '.join(found)}); "
            "nichts geschrieben"
        )
