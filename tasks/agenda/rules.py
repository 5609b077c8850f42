"""Keyword rules for matters that must be dealt with in the non-public part.

The categories follow the usual Geschäftsordnung (e.g. § 48 Abs. 2 GO NRW with the
Mustergeschäftsordnung): personnel matters, land and property transactions, individual
tax/levy or social matters, contracts and awards naming private persons. Each rule has a
name and a reason in German, so the clerk sees why an item went to the non-public part.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from models.agenda import ConfidentialityRuleConfig


@dataclass(frozen=True)
class Rule:
    """One named rule: a matching title is non-public for `reason`."""

    name: str
    pattern: re.Pattern[str]
    reason: str


def _rule(name: str, pattern: str, reason: str) -> Rule:
    return Rule(name, re.compile(pattern, re.IGNORECASE), reason)


BUILTIN_RULES: tuple[Rule, ...] = (
    _rule(
        "personal",
        r"personal(angelegenheit|sache|entscheidung|ie?n\b)|höhergruppier|eingruppier|"
        r"stellenbesetzung|stellenausschreibung|einstellung\s+(eines|einer)|"
        r"\bbeförderung\s+(eines|einer|des|der|von)\s+(beamt|mitarbeit|beschäftigt)|"
        r"abmahnung|kündigung\s+(eines|einer|des|der)\s+(mitarbeit|beschäftigt|angestellt|beamt)|"
        r"dienstunfähig|bewerbung(en)?\s+(um|auf)\s+die\s+stelle|"
        # applicants for a post, not candidates of an election (public) nor asylum seekers
        r"\b(stellen)?bewerber(n|in|innen)?\b(?!\s+(der|des|zur|zum|für\s+die)\s+\S*wahl)",
        "Personalangelegenheit (§ 48 Abs. 2 GO NRW i. V. m. der Geschäftsordnung)",
    ),
    _rule(
        "grundstueck",
        r"gr[uü]n?dstücks(angelegenheit|geschäft|verkauf|kauf|erwerb|tausch|veräußerung)|"
        r"(erwerb|verkauf|ankauf|kauf|veräußerung|tausch|überlassung|übertragung)\s+"
        r"(\S+\s+){0,3}(gr[uü]n?dstück|teilfläche|fläche|flurstück|parzelle|liegenschaft)|"
        r"erbbaurecht|grunderwerb|vorkaufsrecht|(kauf|pacht|miet)vertrag|verpachtung|"
        r"bauplatzvergabe|vergabe\s+von\s+(bau)?grundstücken",
        "Grundstücks- oder Liegenschaftsgeschäft (Vertragspartner schutzwürdig)",
    ),
    _rule(
        "abgaben_soziales",
        # one debtor's deferral; a deferral offered to every taxpayer is a public measure
        r"stundung(?!s(angebot|programm|regelung|richtlinie))|niederschlagung|"
        r"erlass\s+(von|der|einer)\s+(forderung|steuerschuld|gebührenschuld|beitragsschuld)|"
        r"billigkeitsmaßnahme|steuerschuld|"
        r"sozialhilfe|unterbringung\s+(eines|einer|von\s+(herrn|frau))|härtefall|wohngeld",
        "Einzelne Abgaben-, Steuer- oder Sozialangelegenheit (Steuer-/Sozialgeheimnis)",
    ),
    _rule(
        "vertrag_privat",
        r"(vertrag|vereinbarung|vergleich|auftrag|kauf|pacht|miet)\w*\s+.*"
        r"\b(herrn|frau|eheleute|familie|firma)\s+\w|"
        r"vergabe\s+(der|des|von)\s+\w+(arbeiten|leistungen|auftr)|auftragsvergabe|zuschlag|"
        r"submission|vergleich\s+(mit|im)|rechtsstreit|klageverfahren|schadensersatz|regress",
        "Vertrag, Vergabe oder Rechtsstreit mit Namen Dritter (schutzwürdige Interessen)",
    ),
)


def tenant_rules(configured: Sequence[ConfidentialityRuleConfig]) -> tuple[Rule, ...]:
    """The built-in rules plus the tenant's own."""
    extra = tuple(_rule(c.name, c.pattern, c.reason) for c in configured)
    return BUILTIN_RULES + extra


def match_rule(title: str, rules: Sequence[Rule] = BUILTIN_RULES) -> Rule | None:
    """The first rule whose pattern occurs in the title, or None."""
    for rule in rules:
        if rule.pattern.search(title):
            return rule
    return None
