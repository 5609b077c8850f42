"""The replay's figures on tiny hand-checked cases (so that the metric code can fail)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.agenda import AgendaConfig, AgendaDraft, ConfidentialitySource, DraftItem, ItemKind
from tasks.agenda.archive import ItemRecord
from tasks.agenda.metrics import grouping_hits, kendall_tau
from tasks.agenda.replay import Tally, compare, judged_items, replay
from tests.agenda_history import RAT, T0, World, council_rows


@pytest.mark.parametrize(
    ("real", "rebuilt", "tau"),
    [
        ("abc", "abc", 1.0),
        ("abc", "cba", -1.0),
        ("abc", "bac", 1 / 3),
        ("abcd", "xbadc", 1 / 3),  # x is not real: ignored; (a,b) (c,d) swapped -> (4-2)/6
        ("abc", "a", None),  # fewer than two in common
    ],
)
def test_kendall_tau(real: str, rebuilt: str, tau: float | None) -> None:
    found = kendall_tau(list(real), list(rebuilt))
    assert found == pytest.approx(tau) if tau is not None else found is None


def test_grouping_compares_siblings_not_names() -> None:
    real = {"a": None, "b": "item-7", "c": "item-7", "d": "item-9"}
    rebuilt = {"a": None, "b": "3.", "c": "3.", "d": None, "e": "4."}
    # a: top level in both; b, c: together under one parent in both; d: under a parent
    # in reality, top level in the rebuilt agenda; e: not real, not compared
    assert grouping_hits(real, rebuilt) == (3, 4)
    assert grouping_hits(real, {"a": "1.", "b": "2.", "c": "3.", "d": "4."}) == (1, 4)


def _item(pos: int, number: str, title: str, public: bool, paper: str | None = None) -> ItemRecord:
    return ItemRecord(f"i{pos}", pos, number, title, public, number in {"A", "B"}, paper)


def _line(number: str, paper: str | None, parent: str | None = None) -> DraftItem:
    return DraftItem(
        number=number,
        title=paper or "Überschrift",
        kind=ItemKind.PAPER if paper else ItemKind.HEADING,
        public=True,
        paper_id=paper,
        parent_number=parent,
        confidentiality_source=ConfidentialitySource.STANDING,
    )


REAL = [
    _item(0, "A", "Öffentliche Sitzung", True),
    _item(1, "1.", "Fragen der Einwohner", True),
    _item(2, "2.", "Bebauungsplan", True, "a"),
    _item(3, "3.", "Empfehlungen des Bauausschusses", True),
    _item(4, "3.1", "Radweg", True, "b"),
    _item(5, "3.2", "Spielplatz", True, "c"),
    _item(6, "4.", "Mitteilungen", True),
    _item(7, "B", "Nichtöffentliche Sitzung", False),
    _item(8, "5.", "Grundstücksverkauf", False),
    _item(9, "6.", "Mitteilungen", False),
]


def test_one_meeting_compared_by_hand() -> None:
    judged = judged_items(REAL)
    # section markers and "Mitteilungen" (a standing item in both parts) are left out
    assert [i.number for i in judged] == ["1.", "2.", "3.", "3.1", "3.2", "5."]
    draft = AgendaDraft(
        tenant="t",
        meeting_id="m",
        items=[
            _line("1.", None),
            _line("1.1", "b", "1."),
            _line("1.2", "c", "1."),
            _line("2.", "a"),
        ],
    )
    tally = Tally()
    # verdicts (non-public?) on the judged titles: one right, one public item called non-public
    compare(tally, REAL, draft, [False, False, True, False, False, True])
    figures = tally.figures()
    assert figures["meetings"] == 1 and figures["papers"] == 3
    assert figures["paper_recall"] == 1.0
    assert figures["order_tau"] == pytest.approx(-1 / 3, abs=1e-4)  # real a,b,c; rebuilt b,c,a
    assert figures["grouping_accuracy"] == 1.0
    assert figures["confidentiality"] == {"tp": 1, "fp": 1, "fn": 0, "tn": 4}
    assert (figures["nonpublic_recall"], figures["nonpublic_precision"]) == (1.0, 0.5)

    missing = AgendaDraft(tenant="t", meeting_id="m", items=[_line("1.", "a"), _line("2.", "b")])
    tally = Tally()
    compare(tally, REAL, missing, [False, False, False, False, False, False])
    figures = tally.figures()
    assert figures["paper_recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert figures["grouping_accuracy"] == 0.5  # a right; b alone at the top, really under 3.
    assert figures["nonpublic_recall"] == 0.0 and figures["nonpublic_precision"] is None


def test_replay_uses_only_earlier_meetings() -> None:
    world = World()
    titles = ["Sanierung Turnhalle", "Radweg nach Gey", "Bebauungsplan Nr. 7"]
    for k, title in enumerate(titles):
        paper = world.paper(title, f"{k}/2024")
        world.meeting(RAT, T0 + k * 30 * dt.timedelta(days=1), council_rows(k, [(paper, title)]))
    figures = replay(world.archive, AgendaConfig())
    assert figures["meetings"] == 3 and figures["paper_recall"] == 1.0
    # the first meeting has no history: its titles are doubtful, so non-public
    conf = figures["confidentiality"]
    assert conf["fp"] >= 3 and conf["tp"] >= 1
    only_last = replay(world.archive, AgendaConfig(), meeting_ids=[list(world.archive.items)[-1]])
    assert only_last["meetings"] == 1
    # by the third meeting the standing items and the land matter are learnt
    assert only_last["confidentiality"]["fn"] == 0
