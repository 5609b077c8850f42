"""Public or non-public: the rules first, then the body's history, in doubt non-public.

Publishing a non-public matter is a data-protection breach; keeping a public one back is
only a correction for the clerk. So every path that is not sure ends non-public and
flagged, and the reason is always given in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.agenda import AgendaConfig, ConfidentialitySource
from tasks.agenda.rules import Rule, match_rule
from tasks.agenda.title_model import TitleVerdict

PUBLISHED_SURE = 0.99


@dataclass(frozen=True)
class Decision:
    """The decision for one title, with its source, reason and confidence."""

    public: bool
    source: ConfidentialitySource
    reason: str
    confidence: float | None
    flagged: bool


def decide(
    title: str, verdict: TitleVerdict, rules: Sequence[Rule], config: AgendaConfig
) -> Decision:
    """Decide one title from rules, the memory of equal and similar titles, the classifier."""
    rule = match_rule(title, rules)
    if rule is not None:
        # the rule wins (safe side); but a paper the information system already publishes
        # contradicts it: the clerk must look (and possibly withdraw the publication)
        published = verdict.published_public is not None
        return Decision(
            False,
            ConfidentialitySource.RULE,
            f"Regel {rule.name}: {rule.reason}"
            + (
                "; die Vorlage ist aber im Ratsinformationssystem veröffentlicht: bitte prüfen"
                if published
                else ""
            ),
            1.0,
            published,
        )
    p = verdict.p_nonpublic
    share = verdict.published_public
    if share is not None and share >= PUBLISHED_SURE:
        # a paper the information system publishes with a consultation for this meeting,
        # where such papers have (nearly) always been public: public, unless the title
        # model strongly disagrees, then public but flagged
        doubtful = (p is not None and p >= config.nonpublic_threshold) or verdict.seen_nonpublic > 0
        return Decision(
            True,
            ConfidentialitySource.CLASSIFIER,
            f"Vorlage im Ratsinformationssystem veröffentlicht; früher waren solche Vorlagen "
            f"zu {share:.0%} öffentlich"
            + (
                ", der Betreff wirkt aber nichtöffentlich oder war es früher: bitte prüfen"
                if doubtful
                else ""
            ),
            round(share, 3),
            doubtful,
        )
    seen = verdict.seen_public + verdict.seen_nonpublic
    if seen and (verdict.seen_public == 0 or verdict.seen_nonpublic == 0):
        public = verdict.seen_nonpublic == 0
        part = "öffentlichen" if public else "nichtöffentlichen"
        return Decision(
            public,
            ConfidentialitySource.CLASSIFIER,
            f"Gleicher Betreff {seen}-mal im {part} Teil früherer Sitzungen",
            1.0,
            False,
        )
    if p is None:
        return Decision(
            False,
            ConfidentialitySource.DOUBT,
            "Zu wenig frühere Tagesordnungen zum Lernen: bitte prüfen",
            None,
            True,
        )
    if seen:  # the same title in both parts before: the memory cannot decide
        return Decision(
            False,
            ConfidentialitySource.DOUBT,
            "Gleicher Betreff früher in beiden Teilen: bitte prüfen",
            round(max(p, 1 - p), 3),
            True,
        )
    like = verdict.like_public + verdict.like_nonpublic
    if like and (verdict.like_public == 0 or verdict.like_nonpublic == 0):
        # the same item under a slightly different title (another year, a typo): public
        # only if the classifier does not call it non-public; then doubt
        public = verdict.like_nonpublic == 0
        part = "öffentlichen" if public else "nichtöffentlichen"
        if not public or p < config.nonpublic_threshold:
            return Decision(
                public,
                ConfidentialitySource.CLASSIFIER,
                f"Ähnlicher Betreff {like}-mal im {part} Teil früherer Sitzungen",
                round(max(p, 1 - p), 3),
                False,
            )
        return Decision(
            False,
            ConfidentialitySource.DOUBT,
            f"Ähnlicher Betreff {like}-mal im öffentlichen Teil früherer Sitzungen, der Betreff "
            f"wirkt aber nichtöffentlich (Wahrscheinlichkeit {p:.2f}): bitte prüfen",
            round(p, 3),
            True,
        )
    if p >= config.nonpublic_threshold:
        return Decision(
            False,
            ConfidentialitySource.CLASSIFIER,
            f"Ähnliche Betreffe waren nichtöffentlich (Wahrscheinlichkeit {p:.2f})",
            round(p, 3),
            False,
        )
    if p <= config.public_threshold:
        return Decision(
            True,
            ConfidentialitySource.CLASSIFIER,
            f"Ähnliche Betreffe waren öffentlich (Wahrscheinlichkeit nichtöffentlich {p:.2f})",
            round(1 - p, 3),
            False,
        )
    return Decision(
        False,
        ConfidentialitySource.DOUBT,
        f"Unsicher (Wahrscheinlichkeit nichtöffentlich {p:.2f}): nichtöffentlich, bitte prüfen",
        round(max(p, 1 - p), 3),
        True,
    )
