"""The agenda builder on small crafted worlds: standing items, order, grouping, numbering,
confidentiality (rules, memory, doubt) and the notice period."""

from __future__ import annotations

import datetime as dt

import pytest

from models.agenda import (
    AgendaConfig,
    AgendaDraft,
    ConfidentialitySource,
    ItemKind,
    Part,
    Slot,
    StandingItemConfig,
)
from tasks.agenda.build import assemble_draft, history_titles
from tasks.agenda.confidentiality import decide
from tasks.agenda.notice import check_notice
from tasks.agenda.rules import BUILTIN_RULES, match_rule, tenant_rules
from tasks.agenda.title_model import TitleModel, TitleVerdict
from tests.agenda_history import ABT1, ABT2, BAU, RAT, T0, World, council_rows

DAY = dt.timedelta(days=1)
# titles the council has used in public before: the builder's memory knows their part
PUBLIC_TITLES = [
    "Sanierung Sportplatz",
    "Sanierung Turnhalle",
    "Neubau Feuerwehrhaus",
    "Haushaltssatzung 2025",
    "Radweg nach Vossenack",
    "Bebauungsplan Nr. 7 Am Mühlbach",
    "Neugestaltung des Spielplatzes in Gey",
    "Bericht über den Haushalt",
]


def _model(world: World, before: dt.datetime) -> TitleModel:
    model = TitleModel(min_examples=5)
    model.learn(history_titles(world.archive, world.archive.history(before)))
    return model


def _council_history(world: World, meetings: int = 3) -> None:
    for k in range(meetings):
        past = [
            (world.paper(title, f"{n}/2023", department=ABT1), title)
            for n, title in enumerate(PUBLIC_TITLES[2 * k : 2 * k + 3], start=1)
        ]
        info = world.paper(PUBLIC_TITLES[-1], f"9{k}/2023", paper_type="Mitteilungsvorlage")
        rows = council_rows(k, past)
        at = next(i for i, r in enumerate(rows) if r[1] == "schriftliche Mitteilungen")
        number = rows[at][0]
        rows.insert(at + 1, (f"{number}1", PUBLIC_TITLES[-1], True, info))
        world.meeting(RAT, T0 + k * 30 * DAY, rows)


def _build(
    world: World, meeting: str, config: AgendaConfig | None = None, today: dt.date | None = None
) -> AgendaDraft:
    config = config or AgendaConfig()
    m = world.archive.meetings[meeting]
    assert m.start is not None
    return assemble_draft(
        world.archive,
        m,
        config,
        _model(world, m.start),
        tenant_rules(config.rules),
        tenant="t",
        today=today or (m.start - 30 * DAY).date(),
    )


def test_standing_items_order_and_filed_papers_learnt_from_history() -> None:
    world = World()
    _council_history(world)
    later = world.paper("Neubau Feuerwehrhaus", "12/2024", department=ABT2)
    earlier = world.paper("Sanierung Turnhalle", "15/2024", department=ABT1)
    first = world.paper("Sanierung Sportplatz", "11/2024", department=ABT1)
    info = world.paper("Bericht über den Haushalt", "13/2024", paper_type="Mitteilungsvorlage")
    meeting = world.meeting(RAT, T0 + 100 * DAY, papers=[later, info, earlier, first])
    draft = _build(world, meeting)
    lines = [(i.number, i.title, i.public, i.parent_number) for i in draft.items]
    assert lines == [
        ("1.", "Fragestunde der Einwohner", True, None),
        ("2.", "Sanierung Sportplatz", True, None),  # Abteilung 1, 11/2024
        ("3.", "Sanierung Turnhalle", True, None),  # Abteilung 1, 15/2024
        ("4.", "Neubau Feuerwehrhaus", True, None),  # Abteilung 2
        ("5.", "Mitteilungen", True, None),
        ("5.1", "schriftliche Mitteilungen", True, "5."),
        ("5.11", "Bericht über den Haushalt", True, "5.1"),  # numbered as SD.NET does
        ("5.2", "mündliche Mitteilungen", True, "5."),
        ("6.", "Fragen", True, None),
        ("7.", "Mitteilungen", False, None),
        ("8.", "Fragen", False, None),
    ]
    kinds = {i.title: i.kind for i in draft.items}
    assert kinds["Fragen"] is ItemKind.STANDING and kinds["Sanierung Turnhalle"] is ItemKind.PAPER
    assert draft.items[1].paper_id == first and draft.items[1].file_ids
    assert any("nichtöffentliche Vorlagen" in w for w in draft.warnings)


def test_configured_standing_items_replace_learnt_ones() -> None:
    world = World()
    _council_history(world)
    paper = world.paper("Sanierung Turnhalle", "15/2024")
    meeting = world.meeting(RAT, T0 + 100 * DAY, papers=[paper])
    config = AgendaConfig(
        standing_items=[
            StandingItemConfig(title="Eröffnung und Feststellung der Beschlussfähigkeit"),
            StandingItemConfig(title="Anfragen", slot=Slot.TAIL),
            StandingItemConfig(title="Anfragen (nö)", part=Part.NONPUBLIC, slot=Slot.TAIL),
            StandingItemConfig(title="Nur im Ausschuss", organizations=["BA"]),
        ]
    )
    draft = _build(world, meeting, config)
    assert [(i.number, i.title, i.public) for i in draft.items] == [
        ("1.", "Eröffnung und Feststellung der Beschlussfähigkeit", True),
        ("2.", "Sanierung Turnhalle", True),
        ("3.", "Anfragen", True),
        ("4.", "Anfragen (nö)", False),
    ]
    assert "Konfiguration" in draft.items[0].confidentiality_reason


def test_committee_recommendations_grouped_and_numbered_with_committee_numbers() -> None:
    world = World()
    _council_history(world)
    heading = "Beratung und Beschlussfassung über die Empfehlungen des Bau- und Umweltausschusses"
    rows = council_rows(9, [])
    rows.insert(2, ("2.", heading, True, None))
    world.meeting(RAT, T0 + 80 * DAY, rows)  # the council groups recommendations
    plan = world.paper("Bebauungsplan Nr. 7 Am Mühlbach", "20/2024")
    road = world.paper("Radweg nach Vossenack", "21/2024")
    kept = world.paper("Spielplatz Kleinhau", "22/2024")
    playground_old = world.paper("Neugestaltung des Spielplatzes in Gey", "23/2024")
    world.meeting(
        BAU,
        T0 + 90 * DAY,
        [
            ("A", "Öffentliche Sitzung", True, None),
            ("1.", "Bebauungsplan Nr. 7 Am Mühlbach", True, plan),
            ("2.", "Spielplatz Kleinhau", True, kept),  # not forwarded to the council
            ("3.", "Neugestaltung des Spielplatzes in Gey", True, playground_old),
            ("4.", "Radweg nach Vossenack", True, road),
        ],
    )
    # in older years the council got a paper of its own with the committee's title
    playground = world.paper("Neugestaltung des Spielplatzes in Gey", "30/2024")
    direct = world.paper("Haushaltssatzung 2025", "31/2024")
    meeting = world.meeting(RAT, T0 + 100 * DAY, papers=[direct, road, playground, plan])
    draft = _build(world, meeting)
    lines = [(i.number, i.title, i.parent_number) for i in draft.items if i.public][:6]
    assert lines == [
        ("1.", "Fragestunde der Einwohner", None),
        ("2.", heading, None),
        ("2.1", "Bebauungsplan Nr. 7 Am Mühlbach", "2."),
        ("2.3", "Neugestaltung des Spielplatzes in Gey", "2."),
        ("2.4", "Radweg nach Vossenack", "2."),
        ("3.", "Haushaltssatzung 2025", None),
    ]
    assert draft.items[1].kind is ItemKind.HEADING
    assert draft.items[3].paper_id == playground  # the council's own paper, not the committee's


def test_committee_does_not_group_without_such_headings_in_its_history() -> None:
    world = World()
    world.meeting(BAU, T0, [("A", "Öffentliche Sitzung", True, None), ("1", "Fragen", True, None)])
    paper = world.paper("Radweg nach Vossenack", "21/2024")
    world.meeting(RAT, T0 + 5 * DAY, [("1.", "Radweg nach Vossenack", True, paper)])
    meeting = world.meeting(BAU, T0 + 10 * DAY, papers=[paper])
    draft = _build(world, meeting)
    assert all(i.parent_number is None for i in draft.items)
    # this committee writes "1", not "1."; its one standing item "Fragen" comes first
    assert [(i.number, i.kind) for i in draft.items] == [
        ("1", ItemKind.STANDING),
        ("2", ItemKind.PAPER),
    ]


@pytest.mark.parametrize(
    ("title", "rule"),
    [
        ("Personalangelegenheit: Höhergruppierung einer Beschäftigten", "personal"),
        ("Stellenbesetzung im Bauamt", "personal"),
        ("Verkauf eines Grundstücks in der Gemarkung Gey", "grundstueck"),
        ("Erwerb des Flurstücks 4711", "grundstueck"),
        ("Antrag auf Stundung der Gewerbesteuer", "abgaben_soziales"),
        ("Niederschlagung von Forderungen", "abgaben_soziales"),
        ("Vertrag mit Herrn Müller über die Nutzung der Halle", "vertrag_privat"),
        ("Vergabe der Dachdeckerarbeiten", "vertrag_privat"),
        ("Bebauungsplan Nr. 7 Am Mühlbach", None),
        ("Haushaltssatzung 2025", None),
    ],
)
def test_rules_name_their_category(title: str, rule: str | None) -> None:
    found = match_rule(title, BUILTIN_RULES)
    assert (found.name if found else None) == rule
    decision = decide(title, TitleVerdict(0.01), BUILTIN_RULES, AgendaConfig())
    assert decision.public is (rule is None)
    assert decision.source is (
        ConfidentialitySource.RULE if rule else ConfidentialitySource.CLASSIFIER
    )
    if rule:
        assert decision.reason.startswith(f"Regel {rule}:") and not decision.flagged


def test_tenant_rule_and_invalid_pattern() -> None:
    config = AgendaConfig.model_validate(
        {"rules": [{"name": "kita", "pattern": r"kita-?platz", "reason": "Einzelfall"}]}
    )
    assert match_rule("Vergabe eines Kita-Platzes", tenant_rules(config.rules)) is not None
    assert match_rule("Kitaplatz für ein Kind", tenant_rules(config.rules)).name == "kita"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="ungültiger regulärer Ausdruck"):
        AgendaConfig.model_validate(
            {"rules": [{"name": "kaputt", "pattern": "(ab", "reason": "egal"}]}
        )


@pytest.mark.parametrize(
    ("verdict", "public", "source", "flagged"),
    [
        (TitleVerdict(None), False, ConfidentialitySource.DOUBT, True),  # nothing learnt yet
        (TitleVerdict(0.35), False, ConfidentialitySource.DOUBT, True),  # between thresholds
        (TitleVerdict(0.9, 1, 1), False, ConfidentialitySource.DOUBT, True),  # both parts
        (TitleVerdict(0.9), False, ConfidentialitySource.CLASSIFIER, False),
        (TitleVerdict(0.05), True, ConfidentialitySource.CLASSIFIER, False),
        (TitleVerdict(0.9, seen_public=3), True, ConfidentialitySource.CLASSIFIER, False),
        (TitleVerdict(0.01, seen_nonpublic=2), False, ConfidentialitySource.CLASSIFIER, False),
        # a paper published with its consultation, where such papers were always public
        (TitleVerdict(0.35, published_public=1.0), True, ConfidentialitySource.CLASSIFIER, False),
        (TitleVerdict(0.9, published_public=1.0), True, ConfidentialitySource.CLASSIFIER, True),
        (TitleVerdict(0.05, 0, 1, 1.0), True, ConfidentialitySource.CLASSIFIER, True),
        (TitleVerdict(0.35, published_public=0.9), False, ConfidentialitySource.DOUBT, True),
    ],
)
def test_doubt_is_nonpublic_and_flagged(
    verdict: TitleVerdict, public: bool, source: ConfidentialitySource, flagged: bool
) -> None:
    d = decide("Sanierung der Turnhalle", verdict, BUILTIN_RULES, AgendaConfig())
    assert (d.public, d.source, d.flagged) == (public, source, flagged)
    assert d.reason


def test_title_model_learns_the_body_s_history() -> None:
    model = TitleModel(min_examples=5)
    assert model.judge(["Grundstücksangelegenheit"])[0].p_nonpublic is None
    model.learn([(f"Bebauungsplan Nr. {k}", True, False) for k in range(10)])
    model.learn([(f"Vergabeangelegenheit Los {k}", False, False) for k in range(10)])
    public, secret = model.judge(["Bebauungsplan Nr. 99", "Vergabeangelegenheit Los 99"])
    assert public.p_nonpublic is not None and secret.p_nonpublic is not None
    assert public.p_nonpublic < 0.5 < secret.p_nonpublic
    (seen,) = model.judge(["bebauungsplan nr. 3"])
    assert (seen.seen_public, seen.seen_nonpublic) == (1, 0)


def test_doubtful_paper_goes_to_the_nonpublic_part_flagged() -> None:
    world = World()
    paper = world.paper("Angelegenheit der Gemeindewerke", "1/2024")
    meeting = world.meeting(RAT, T0, papers=[paper])
    draft = _build(world, meeting)  # no history at all: nothing to learn from
    (item,) = draft.items
    assert (item.public, item.flagged, item.confidentiality_source) == (
        False,
        True,
        ConfidentialitySource.DOUBT,
    )
    assert draft.flagged_items == [item] and any("unsicher" in w for w in draft.warnings)
    assert any("Keine früheren Sitzungen" in w for w in draft.warnings)


def test_notice_period() -> None:
    start = dt.datetime(2026, 12, 10, 18, tzinfo=dt.UTC)
    ok = check_notice(start, 7, dt.date(2026, 12, 1))
    assert not ok.late and ok.latest_invitation == dt.date(2026, 12, 3)
    assert "03.12.2026" in ok.message and "noch 2 Tag(e)" in ok.message
    edge = check_notice(start, 7, dt.date(2026, 12, 3))
    assert not edge.late
    late = check_notice(start, 7, dt.date(2026, 12, 5))
    assert late.late and "Ladungsfrist nicht eingehalten" in late.message
    assert "2 Tag(e) zu spät" in late.message
    assert check_notice(start, 14, dt.date(2026, 11, 26)).late is False
    assert check_notice(start, 14, dt.date(2026, 11, 27)).latest_invitation == dt.date(2026, 11, 26)


def test_late_invitation_is_a_draft_warning() -> None:
    world = World()
    meeting = world.meeting(RAT, T0, papers=[world.paper("Haushaltssatzung", "1/2024")])
    config = AgendaConfig(notice_days=10)
    draft = _build(world, meeting, config, today=(T0 - 3 * DAY).date())
    assert draft.notice is not None and draft.notice.late and draft.notice.required_days == 10
    assert draft.notice.message in draft.warnings
    fine = _build(world, meeting, config, today=(T0 - 11 * DAY).date())
    assert fine.notice is not None and not fine.notice.late
    assert fine.notice.message not in fine.warnings


def test_tenant_file_agenda_block() -> None:
    from pydantic import ValidationError

    from models.tenant import Tenant

    base = {
        "slug": "kleinort",
        "name": "Kleinort",
        "ags": "09999001",
        "departments": [{"code": "1", "name": "Hauptamt"}],
    }
    tenant = Tenant.model_validate(
        base | {"agenda": {"notice_days": 14, "standing_items": [{"title": "Anfragen"}]}}
    )
    assert tenant.agenda is not None and tenant.agenda.notice_days == 14
    assert Tenant.model_validate(base).agenda is None
    with pytest.raises(ValidationError, match=r"agenda\.notice_days"):
        Tenant.model_validate(base | {"agenda": {"notice_days": -1}})
    with pytest.raises(ValidationError, match=r"agenda\.unbekannt"):
        Tenant.model_validate(base | {"agenda": {"unbekannt": 1}})


def test_a_consultation_whose_paper_is_gone_is_a_warning_not_a_silent_gap() -> None:
    world = World()
    kept = world.paper("Haushaltssatzung", "1/2024")
    withdrawn = world.paper("Neubau Feuerwehrhaus", "2/2024")
    meeting = world.meeting(RAT, T0, papers=[kept, withdrawn])
    assert "fehlt oder gelöscht" not in " ".join(_build(world, meeting).warnings)
    del world.archive.papers[withdrawn]  # deleted in the council information system
    draft = _build(world, meeting)
    assert [i.title for i in draft.items] == ["Haushaltssatzung"]
    [warning] = [w for w in draft.warnings if "fehlt oder gelöscht" in w]
    assert warning.startswith("1 Beratung(en) dieser Sitzung nennen eine Vorlage")
