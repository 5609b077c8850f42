"""The public view under adversarial drafts: shared papers, files, contents and titles."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from models.agenda import AgendaDraft, DraftItem, ItemKind
from tasks.agenda_outputs.content import json_strings, oparl_agenda_items, rows
from tasks.agenda_outputs.corrections import apply_corrections
from tasks.agenda_outputs.view import check_public_texts, normalize, public_view
from tests.agenda_drafts import item, standing

TITLES = ["Haushalt", "Personalsache Beispiel", "Grundstück Flur 3", "Schule", "Bericht"]
PAPERS = [f"http://ris/paper/{n}" for n in (1, 10, 2, 20)]  # ids that prefix each other
FILES = [f"f/{n}" for n in range(5)]
HASHES = ["a" * 64, "b" * 64, "c" * 64]


@st.composite
def drafts(draw: st.DrawFn) -> tuple[AgendaDraft, dict[str, str]]:
    """Small drafts whose public and non-public items collide in every possible way."""
    count = draw(st.integers(2, 8))
    items: list[DraftItem] = []
    for n in range(1, count + 1):
        public = draw(st.booleans())
        title = draw(st.sampled_from(TITLES))
        if draw(st.booleans()):
            title = f"{draw(st.sampled_from(['', 'Antrag: ', 'Bericht zu ']))}{title}"
        paper = draw(st.sampled_from([None, *PAPERS]))
        files = draw(st.lists(st.sampled_from(FILES), max_size=3, unique=True))
        reference = draw(st.sampled_from([None, "VO/2026/1", "VO/2026/10", "VO/2026/3"]))
        items.append(
            item(
                str(n),
                title,
                public,
                paper_id=paper,
                paper_reference=reference,
                file_ids=files,
                consultation_id=f"{paper or 'http://ris/x'}/consultation/{n}",
            )
        )
    items = [i for i in items if i.public] + [i for i in items if not i.public]
    hashes = {f: draw(st.sampled_from(HASHES)) for f in FILES if draw(st.booleans())}
    return AgendaDraft(tenant="t", meeting_id="m", items=items), hashes


@settings(max_examples=300, deadline=None)
@given(drafts())
def test_public_view_shares_nothing_with_the_nonpublic_part(
    case: tuple[AgendaDraft, dict[str, str]],
) -> None:
    draft, hashes = case
    view = public_view(draft, hashes)
    hidden = draft.nonpublic_items
    secret_titles = {normalize(i.title) for i in hidden}
    secret_files = {f for i in hidden for f in i.file_ids}
    secret_hashes = {hashes[f] for f in secret_files if f in hashes}
    for shown in view.items:
        assert shown.public
        assert shown.paper_id is None or shown.paper_id not in {i.paper_id for i in hidden}
        assert shown.paper_reference not in {i.paper_reference for i in hidden if i.paper_reference}
        assert not any(s in normalize(shown.title) for s in secret_titles)
        usable = set(shown.file_ids) - view.blocked_files.get(shown.number, frozenset())
        assert not usable & secret_files
        assert not {hashes[f] for f in usable if f in hashes} & secret_hashes
    # what the renderers make of the view passes the independent scan
    export = oparl_agenda_items(view, "t")
    texts = json_strings(json.loads(json.dumps(export)))
    texts += [v for row in rows(view) for v in row.values.values()]
    check_public_texts(draft, hashes, "test", texts)
    # nothing public is lost without a reason: every public item is shown or withheld
    assert len(view.items) + len(view.withheld) == len(draft.public_items)


@settings(max_examples=200, deadline=None)
@given(drafts(), st.data())
def test_corrections_keep_parts_in_order_and_move_what_was_asked(
    case: tuple[AgendaDraft, dict[str, str]], data: st.DataObject
) -> None:
    draft, _ = case
    numbers = [i.number for i in draft.items]
    chosen = data.draw(st.lists(st.sampled_from(numbers), unique=True))
    to_hidden = [n for n in chosen if next(i for i in draft.items if i.number == n).public]
    to_public = [n for n in chosen if n not in to_hidden]
    final = apply_corrections(draft, to_hidden, to_public)
    parts = [i.public for i in final.items]
    assert parts == sorted(parts, reverse=True)  # public part first
    before = {i.consultation_id: i.public for i in draft.items}
    after = {i.consultation_id: i.public for i in final.items}
    flipped = {c for c in before if before[c] != after[c]}
    assert flipped == {
        i.consultation_id for i in draft.items if i.number in chosen
    }  # no sub-items here: exactly what was asked
    assert len(final.items) == len(draft.items)
    if chosen:
        assert [i.number for i in final.items] == [str(n) for n in range(1, len(numbers) + 1)]


def test_sub_items_of_withheld_or_nonpublic_items_are_withheld_too() -> None:
    draft = AgendaDraft(
        tenant="t",
        meeting_id="m",
        items=[
            item("1", "Bericht über die Schule", True, paper_id="p/1"),
            item("1.1", "Empfehlung des Schulausschusses", True, parent_number="1"),
            item("2", "Haushalt", True),
            item("2.1", "Empfehlung zu Grundstück Flur 3", True, parent_number="9"),
            item("3", "Radweg", True),
            item("9", "Grundstück Flur 3", False, paper_id="p/9"),
            item("10", "Schule: Personalsache", False, paper_id="p/1"),  # paper also public
        ],
    )
    view = public_view(draft, {})
    assert [i.number for i in view.items] == ["2", "3"]
    assert view.withheld == ("1", "1.1", "2.1")


def test_headings_and_standing_items_in_both_parts_do_not_withhold_each_other() -> None:
    heading = "Beratung und Beschlussfassung über die Empfehlungen des Bauausschusses"
    draft = AgendaDraft(
        tenant="t",
        meeting_id="m",
        items=[
            standing("1", "Mitteilungen", True),
            item("2", heading, True, kind=ItemKind.HEADING),
            item("2.1", "Bebauungsplan Nr. 3", True, parent_number="2", paper_id="p/1"),
            standing("3", "Mitteilungen", False),
            item("4", heading, False, kind=ItemKind.HEADING),
            item("4.1", "Grundstück Flur 3", False, parent_number="4", paper_id="p/2"),
        ],
    )
    view = public_view(draft, {})
    assert [i.number for i in view.items] == ["1", "2", "2.1"] and view.withheld == ()
