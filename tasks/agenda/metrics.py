"""The replay's figures: how close a rebuilt agenda comes to the real one.

Kept free of the builder so that a tiny hand-checked case can test each figure.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence


def kendall_tau(real: Sequence[Hashable], rebuilt: Sequence[Hashable]) -> float | None:
    """Kendall's tau of the common elements' order (no ties); None below two in common."""
    position = {x: k for k, x in enumerate(rebuilt)}
    common = [x for x in real if x in position]
    n = len(common)
    if n < 2:
        return None
    concordant = discordant = 0
    for i in range(n):
        for j in range(i + 1, n):
            if position[common[i]] < position[common[j]]:
                concordant += 1
            else:
                discordant += 1
    return (concordant - discordant) / (n * (n - 1) / 2)


def sibling_sets(
    parent_of: dict[str, str | None], keep: set[str]
) -> dict[str, frozenset[str] | None]:
    """For each kept paper: the kept papers under the same parent (None: top level)."""
    by_parent: dict[str, set[str]] = {}
    for paper, parent in parent_of.items():
        if parent is not None and paper in keep:
            by_parent.setdefault(parent, set()).add(paper)
    return {
        paper: (frozenset(by_parent[parent]) if parent is not None else None)
        for paper, parent in parent_of.items()
        if paper in keep
    }


def grouping_hits(
    real_parent: dict[str, str | None], rebuilt_parent: dict[str, str | None]
) -> tuple[int, int]:
    """(papers placed like reality, papers compared): same top level or same siblings."""
    common = set(real_parent) & set(rebuilt_parent)
    real = sibling_sets(real_parent, common)
    rebuilt = sibling_sets(rebuilt_parent, common)
    hits = sum(real[p] == rebuilt[p] for p in common)
    return hits, len(common)


def ratio(numerator: float, denominator: float) -> float | None:
    """A share rounded to four places; None when nothing was counted."""
    return round(numerator / denominator, 4) if denominator else None
