"""The learnt order of direct papers on tiny hand-checked worlds."""

from __future__ import annotations

import datetime as dt

import pytest

from models.agenda import AgendaConfig
from tasks.agenda.archive import PaperRecord
from tasks.agenda.build import assemble_draft, history_titles
from tasks.agenda.ordering import (
    WORD_WEIGHT,
    OrderModel,
    difference,
    paper_features,
    real_blocks,
    reference_ranks,
    title_words,
)
from tasks.agenda.rules import tenant_rules
from tasks.agenda.title_model import TitleModel
from tests.agenda_history import ABT1, ABT2, RAT, T0, World, council_rows

DAY = dt.timedelta(days=1)


def _paper(
    pid: str, reference: str, title: str = "Sache", kind: str = "Beschlussvorlage"
) -> PaperRecord:
    return PaperRecord(id=pid, title=title, reference=reference, paper_type=kind)


def test_title_words_leave_out_stopwords_and_numbers() -> None:
    assert title_words("Bebauungsplan Nr. 12 für die Ortsteile; hier: Offenlage") == {
        "bebauungsplan",
        "ortsteile",
        "offenlage",
    }


def test_reference_ranks_by_year_then_number() -> None:
    papers = [_paper("a", "12/2024"), _paper("b", "3/2024"), _paper("c", "70/2023 1. Ergänzung")]
    assert reference_ranks(papers) == {"c": 0.0, "b": 0.5, "a": 1.0}
    assert reference_ranks([_paper("x", "1/2024")]) == {"x": 0.0}


def test_paper_features_and_difference() -> None:
    paper = _paper("a", "5/2024 1. Ergänzung", "Neuwahl eines Schriftführers", "Tischvorlage")
    features = paper_features(paper, 0.25)
    assert features == {
        "type=Tischvorlage": 1.0,
        "reference_rank": 0.25,
        "supplement": 1.0,
        "word=neuwahl": WORD_WEIGHT,
        "word=schriftführers": WORD_WEIGHT,
    }
    assert difference({"x": 1.0, "y": 2.0}, {"y": 0.5, "z": 1.0}) == {"x": 1.0, "y": 1.5, "z": -1.0}


def _history(world: World, meetings: int) -> None:
    """Past councils: the appointment of members first, though its reference lies between
    the other two papers' references, which go by reference."""
    for k in range(meetings):
        titles = ["Verpflichtung sachkundiger Bürger", "Sanierung Turnhalle", "Ausbau Radweg"]
        references = [f"{10 * k + 2}/2023", f"{10 * k + 1}/2023", f"{10 * k + 3}/2023"]
        papers = [(world.paper(t, r), t) for t, r in zip(titles, references, strict=True)]
        world.meeting(RAT, T0 + k * 30 * DAY, council_rows(k, papers))


def test_real_blocks_are_the_top_level_papers_per_part_in_order() -> None:
    world = World()
    a, b, c = (world.paper(t, f"{n}/2023") for n, t in enumerate("abc", start=1))
    rows = council_rows(0, [(b, "b"), (a, "a")])
    at = next(i for i, r in enumerate(rows) if r[1] == "schriftliche Mitteilungen")
    rows.insert(at + 1, (f"{rows[at][0]}1", "c", True, c))  # filed under a standing item
    meeting = world.meeting(RAT, T0, rows)
    assert [[p.id for p in block] for block in real_blocks(world.archive, meeting)] == [[b, a]]


def test_model_learns_what_stands_first_from_earlier_agendas() -> None:
    world = World()
    _history(world, 8)
    order = OrderModel()
    order.learn(world.archive, world.archive.history(T0 + 365 * DAY))
    assert order.meetings == 8 and order.pairs == 8 * 3
    new = [
        _paper("p1", "1/2024", "Bau eines Kreisverkehrs"),
        _paper("p2", "3/2024", "Neubau Feuerwehrhaus"),
        _paper("p3", "2/2024", "Verpflichtung sachkundiger Bürger"),
    ]
    assert [p.id for p in order.order(new)] == ["p3", "p1", "p2"]
    scores = order.scores(new)
    assert scores[2] > scores[0] > scores[1]


def test_without_enough_history_the_model_does_not_answer() -> None:
    world = World()
    _history(world, 1)
    order = OrderModel(min_pairs=20)
    order.learn(world.archive, world.archive.history(T0 + 365 * DAY))
    assert not order.fitted
    new = [_paper("b", "2/2024"), _paper("a", "1/2024")]
    assert order.scores(new) == [0.0, 0.0]
    assert [p.id for p in order.order(new)] == ["a", "b"]  # by reference


def test_model_refits_lazily_every_few_meetings() -> None:
    world = World()
    _history(world, 3)
    order = OrderModel(refit_every=2, min_pairs=1)
    meetings = world.archive.history(T0 + 365 * DAY)
    order.learn(world.archive, meetings[:1])
    assert order.fitted and order.stale() is False
    order.learn(world.archive, meetings[1:2])
    assert order.stale() is False  # one new meeting: the old fit stays
    order.learn(world.archive, meetings[2:])
    assert order.stale() is True


@pytest.mark.parametrize("learnt", [True, False])
def test_builder_sorts_direct_papers_by_the_learnt_order(learnt: bool) -> None:
    world = World()
    _history(world, 8)
    late = world.paper("Neubau Feuerwehrhaus", "2/2024", department=ABT1)
    member = world.paper("Verpflichtung sachkundiger Bürger", "3/2024", department=ABT2)
    meeting = world.meeting(RAT, T0 + 200 * DAY, papers=[member, late])
    m = world.archive.meetings[meeting]
    assert m.start is not None
    titles = TitleModel(min_examples=5)
    titles.learn(history_titles(world.archive, world.archive.history(m.start)))
    order = OrderModel()
    order.learn(world.archive, world.archive.history(m.start))
    config = AgendaConfig()
    draft = assemble_draft(
        world.archive,
        m,
        config,
        titles,
        tenant_rules(config.rules),
        tenant="t",
        today=(m.start - 30 * DAY).date(),
        order=order if learnt else None,
    )
    papers = [i.paper_id for i in draft.items if i.paper_id]
    # learnt: the appointment first; without: by department (Abteilung 1 first)
    assert papers == ([member, late] if learnt else [late, member])
