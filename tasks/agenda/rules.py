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
        r"personal(angelegenheit|sache|entscheidung|ie?n)|höhergruppier|eingruppier|"
        r"stellenbesetzung|stellenausschreibung|einstellung\s+(eines|einer)|"
        r"beförderung|abmahnung|kündigung\s+(eines|einer|des|der)\s+(mitarbeit|beschäftigt|"
        r"angestellt|beamt)|dienstunfähig|bewerbung|personalie|ernennung",
        "Personalangelegenheit (§ 48 Abs. 2 GO NRW i. V. m. der Geschäftsordnung)",
    ),
    _rule(
        "grundstueck",
        r"grundstück|flurstück|gemarkung\s+\w+.*\b(erwerb|verkauf|kauf|tausch)|"
        r"(an|ver)kauf\s+(eine[rs]?|von)\s+(teil)?fläche|erbbaurecht|grunderwerb|"
        r"liegenschaft|vorkaufsrecht|(kauf|pacht|miet)vertrag|verpachtung|vermietung|"
        r"bauplatzvergabe|baugrundstück",
        "Grundstücks- oder Liegenschaftsangelegenheit (Vertragspartner schutzwürdig)",
    ),
    _rule(
        "abgaben_soziales",
        r"stundung|niederschlagung|erlass\s+(von|der|einer)\s+(forderung|gebühr|steuer|"
        r"beitr)|billigkeit|gewerbesteuer\w*\s+(eines|einer|der firma)|steuerschuld|"
        r"vollstreckung|sozialhilfe|unterbringung\s+(eines|einer|von\s+(herrn|frau))|"
        r"härtefall|wohngeld|hilfe\s+zur",
        "Einzelne Abgaben-, Steuer- oder Sozialangelegenheit (Steuer-/Sozialgeheimnis)",
    ),
    _rule(
        "vertrag_privat",
        r"\b(herrn|frau|eheleute|familie)\s+[A-ZÄÖÜ]|\bfirma\b|\bgmbh\b.*\b(vertrag|auftrag)|"
        r"vergabe\s+(der|des|von)|auftragsvergabe|zuschlag|submission|"
        r"vergleich\s+(mit|im)|rechtsstreit|klageverfahren|schadensersatz|regress",
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
