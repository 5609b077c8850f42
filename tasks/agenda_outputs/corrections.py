"""The clerk's corrections on approval: items moved between the public and non-public part.

A moved item takes its sub-items with it; a sub-item cannot leave its parent's part alone.
After a move the public part comes first again and, where the body numbers its items
1, 2, 3 (sub-items 5.1, 5.2), the items are numbered afresh in the new order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from models.agenda import AgendaDraft, ConfidentialitySource, DraftItem

_PLAIN = re.compile(r"^\d+$")


class CorrectionError(ValueError):
    """The corrections name items that do not exist or cannot move (message in German)."""


def _subtree(items: list[DraftItem], number: str) -> set[str]:
    found = {number}
    changed = True
    while changed:
        changed = False
        for item in items:
            if item.parent_number in found and item.number not in found:
                found.add(item.number)
                changed = True
    return found


def _renumber(items: list[DraftItem]) -> list[DraftItem]:
    """Number top-level items 1..n and sub-items parent.k, if the body numbers that way."""
    if not all(_PLAIN.match(i.number) for i in items if i.parent_number is None):
        return items
    new: dict[str, str] = {}
    top = 0
    children: dict[str, int] = {}
    out: list[DraftItem] = []
    for item in items:
        if item.parent_number is None:
            top += 1
            new[item.number] = str(top)
            number, parent = str(top), None
        else:
            parent = new.get(item.parent_number, item.parent_number)
            children[parent] = children.get(parent, 0) + 1
            number = f"{parent}.{children[parent]}"
            new[item.number] = number
        out.append(item.model_copy(update={"number": number, "parent_number": parent}))
    return out


def apply_corrections(
    draft: AgendaDraft, make_nonpublic: Iterable[str], make_public: Iterable[str]
) -> AgendaDraft:
    """The draft with the clerk's moves applied (unchanged if there are none).

    Raises:
        CorrectionError: a number is unknown, named twice, or a sub-item would leave its
            parent's part alone.

    """
    to_hidden = [n.strip() for n in make_nonpublic if n.strip()]
    to_public = [n.strip() for n in make_public if n.strip()]
    if not to_hidden and not to_public:
        return draft
    items = list(draft.items)
    by_number = {item.number: item for item in items}
    unknown = [n for n in (*to_hidden, *to_public) if n not in by_number]
    if unknown:
        raise CorrectionError(f"unbekannte TOP-Nummern: {', '.join(unknown)}")
    both = set(to_hidden) & set(to_public)
    if both:
        raise CorrectionError(f"TOP in beide Teile verschoben: {', '.join(sorted(both))}")
    target: dict[str, bool] = {}
    for numbers, public in ((to_hidden, False), (to_public, True)):
        for number in numbers:
            parent = by_number[number].parent_number
            if parent in by_number and by_number[parent].public != public and parent not in target:
                raise CorrectionError(f"TOP {number} kann nur mit TOP {parent} den Teil wechseln")
            for member in _subtree(items, number):
                target[member] = public
    moved = [
        item.model_copy(
            update={
                "public": target[item.number],
                "confidentiality_source": ConfidentialitySource.CLERK,
                "confidentiality_reason": "vom Sitzungsdienst bei der Freigabe festgelegt",
                "flagged": False,
            }
        )
        if item.number in target and target[item.number] != item.public
        else item
        for item in items
    ]
    ordered = [i for i in moved if i.public] + [i for i in moved if not i.public]
    return draft.model_copy(update={"items": _renumber(ordered)})
