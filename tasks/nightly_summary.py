"""Turn each nightly step's final state into an outcome, and publish the run's summary.

Exception messages may quote a path or a value; what reaches the artifact and the final
error is the exception type plus its first line with paths, e-mail addresses and long
digit runs (IBANs, phone numbers) replaced, cut to 200 characters.
"""

from __future__ import annotations

import re
from typing import Any

from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.objects import State
from pydantic import BaseModel

from models.nightly import NightlySummary, StepOutcome

_QUOTED_PATH = re.compile(r"(['\"])[^'\"]*[\\/][^'\"]*\1")
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\s'\"\\/:]+){2,}[\\/]?")
_MAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGITS = re.compile(r"\b[A-Z]{0,2}\d[\d ]{6,}\d\b")
_PREFIX = "Flow run encountered an exception: "


class NightlyFailedError(RuntimeError):
    """At least one step of the nightly chain failed; the message names which and why."""

    def __init__(self, summary: NightlySummary) -> None:
        parts = [f"{s.step} ({s.reason})" for s in summary.failed]
        super().__init__(
            f"Nachtlauf {summary.tenant}: {len(parts)} Schritt(e) fehlgeschlagen: "
            + "; ".join(parts)
        )
        self.summary = summary


def scrub(message: str) -> str:
    """A state message without paths, addresses or long numbers, one line, ≤ 200 chars."""
    text = (message or "").strip().removeprefix(_PREFIX).splitlines()
    line = text[0] if text else ""
    line = _QUOTED_PATH.sub("'<Pfad>'", line)
    line = _PATH.sub("<Pfad>", line)
    line = _MAIL.sub("<Adresse>", line)
    line = _DIGITS.sub("<Zahl>", line)
    return line[:200]


def _counts(result: Any) -> dict[str, int]:
    if not isinstance(result, BaseModel):
        return {}
    dumped = result.model_dump()
    return {k: v for k, v in dumped.items() if isinstance(v, int) and not isinstance(v, bool)}


def outcome_of_state(step: str, state: State[Any]) -> StepOutcome:
    """The outcome of one step from its final state (never raises)."""
    run_id = state.state_details.flow_run_id
    if state.is_completed():
        result = state.result(raise_on_failure=False)
        note = getattr(result, "skipped_reason", None)  # e.g. retrain: data unchanged
        return StepOutcome(
            step=step,
            status="completed",
            reason=scrub(note) if isinstance(note, str) else None,
            counts=_counts(result),
            flow_run_id=str(run_id) if run_id else None,
        )
    return StepOutcome(
        step=step,
        status="failed",
        reason=scrub(state.message or state.type.value),
        flow_run_id=str(run_id) if run_id else None,
    )


def publish_nightly_summary(summary: NightlySummary) -> None:
    """One markdown artifact: a row per step (status, reason, counts); no personal data."""
    rows = [
        "| Schritt | Ergebnis | Grund | Zahlen | Sekunden |",
        "|---|---|---|---|---|",
    ]
    words = {"completed": "erledigt", "skipped": "übersprungen", "failed": "FEHLGESCHLAGEN"}
    for s in summary.steps:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(s.counts.items()) if k != "seconds")
        reason = (s.reason or "").replace("|", "/")
        rows.append(f"| {s.step} | {words[s.status]} | {reason} | {counts} | {s.seconds} |")
    failed = len(summary.failed)
    head = f"# Nachtlauf {summary.tenant}\n\n" + (
        f"**{failed} Schritt(e) fehlgeschlagen.**\n\n"
        if failed
        else "Alle Schritte ohne Fehler.\n\n"
    )
    create_markdown_artifact(
        key=f"nightly-{summary.tenant}",
        markdown=head + "\n".join(rows) + "\n",
        description=f"Nachtlauf {summary.tenant}",
    )
