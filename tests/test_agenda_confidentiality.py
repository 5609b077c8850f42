"""Confidentiality decision: the title memory, similar titles and the model per kind of item."""

from __future__ import annotations

import pytest

from models.agenda import AgendaConfig, ConfidentialitySource
from tasks.agenda.confidentiality import decide
from tasks.agenda.rules import BUILTIN_RULES, match_rule
from tasks.agenda.title_model import TitleModel, TitleVerdict


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


def test_similar_titles_of_the_same_kind_count() -> None:
    model = TitleModel(min_examples=5)
    model.learn([(f"Verleihung des Bürgerpreises {year}", True, False) for year in (2019, 2020)])
    model.learn([("Verleihung des Bürgerpreises 2021", False, True)])  # other kind: not counted
    model.learn([("Verzicht auf den Gesamtabschluss 2020", False, False)])
    (prize, closed, new) = model.judge(
        [
            "Verleihung des Bürgerpreises 2022",
            "Verzicht auf den Gesamtabschluss 2021",
            "Neubau der Sporthalle",
        ]
    )
    assert (prize.like_public, prize.like_nonpublic) == (2, 0)
    assert (closed.like_public, closed.like_nonpublic) == (0, 1)
    assert (new.like_public, new.like_nonpublic) == (0, 0)
    (exact,) = model.judge(["Verleihung des Bürgerpreises 2019"])
    assert (exact.seen_public, exact.like_public) == (1, 0)  # exact memory first, no likes


@pytest.mark.parametrize(
    ("verdict", "public", "source", "flagged"),
    [
        (TitleVerdict(0.3, like_public=2), True, ConfidentialitySource.CLASSIFIER, False),
        (TitleVerdict(0.05, like_nonpublic=1), False, ConfidentialitySource.CLASSIFIER, False),
        # similar titles in both parts: the classifier between the thresholds decides doubt
        (
            TitleVerdict(0.3, like_public=2, like_nonpublic=1),
            False,
            ConfidentialitySource.DOUBT,
            True,
        ),
        # similar titles public, but the classifier calls it non-public: doubt
        (TitleVerdict(0.8, like_public=2), False, ConfidentialitySource.DOUBT, True),
        # no model yet: similar titles do not decide alone
        (TitleVerdict(None, like_public=2), False, ConfidentialitySource.DOUBT, True),
    ],
)
def test_similar_titles_decide_unless_the_classifier_disagrees(
    verdict: TitleVerdict, public: bool, source: ConfidentialitySource, flagged: bool
) -> None:
    d = decide("Verleihung des Bürgerpreises 2022", verdict, BUILTIN_RULES, AgendaConfig())
    assert (d.public, d.source, d.flagged) == (public, source, flagged)
    assert d.reason


@pytest.mark.parametrize(
    ("title", "rule"),
    [
        ("Auswahl unter den Bewerbern für die Stelle der Kämmerin", "personal"),
        ("Bewerberinnen und Bewerber um die Leitung des Bauhofs", "personal"),
        # the candidates of an election are public, so is the result
        ("Feststellung des Wahlergebnisses sowie der Bewerber der Bürgermeisterwahl", None),
        ("Unterbringung von Asylbewerbern", None),
        ("Stellenbewerber für die Kämmerei", "personal"),
        ("Stundung der Grundbesitzabgaben für eine Abgabepflichtige", "abgaben_soziales"),
        # a deferral offered to every taxpayer is a general measure
        ("Stundungsangebot für kommunale Steuerforderungen in der Pandemie", None),
    ],
)
def test_rules_tell_persons_from_general_measures(title: str, rule: str | None) -> None:
    found = match_rule(title, BUILTIN_RULES)
    assert (found.name if found else None) == rule


def test_a_rule_against_a_published_paper_stays_nonpublic_but_is_flagged() -> None:
    """The safe side wins, and the clerk learns the system already publishes the paper."""
    title = "Grundstücksangelegenheit: Verkauf einer Teilfläche an Herrn M."
    assert match_rule(title, BUILTIN_RULES) is not None
    published = decide(
        title, TitleVerdict(0.2, published_public=1.0), BUILTIN_RULES, AgendaConfig()
    )
    assert not published.public and published.source is ConfidentialitySource.RULE
    assert published.flagged and "veröffentlicht" in published.reason
    unpublished = decide(title, TitleVerdict(0.2), BUILTIN_RULES, AgendaConfig())
    assert not unpublished.public and not unpublished.flagged
