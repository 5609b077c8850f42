"""Confidentiality decision: the title memory, similar titles and the model per kind of item."""

from __future__ import annotations

from models.agenda import AgendaConfig, ConfidentialitySource
from tasks.agenda.confidentiality import decide
from tasks.agenda.rules import BUILTIN_RULES
from tasks.agenda.title_model import TitleModel


def test_memory_keeps_items_with_and_without_paper_apart() -> None:
    """A matter deliberated in public with its paper may come back non-public without one."""
    model = TitleModel(min_examples=5)
    model.learn([("Schulentwicklungskonzept der Gemeinde", True, True)])
    model.learn([("Jahresabschluss 2020", False, False)])
    with_paper, without_paper, closed = model.judge(
        ["Schulentwicklungskonzept der Gemeinde"] * 2 + ["Jahresabschluss 2020"],
        [True, False, False],
    )
    assert (with_paper.seen_public, with_paper.seen_nonpublic) == (1, 0)
    assert (without_paper.seen_public, without_paper.seen_nonpublic) == (0, 0)
    assert (closed.seen_public, closed.seen_nonpublic) == (0, 1)
    decision = decide(
        "Schulentwicklungskonzept der Gemeinde", without_paper, BUILTIN_RULES, AgendaConfig()
    )
    assert not decision.public and decision.source is ConfidentialitySource.DOUBT
