"""Summarise an intake run and publish it as a Prefect table artifact."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from models.forms import FORM_TYPES
from models.intake import FormTypeCounts, IntakeSummary
from tasks.intake_context import FileResult, Outcome

UNKNOWN = "unbekannt"


def summarise(
    results: Iterable[FileResult], *, tenant: str, source: str, flow_run_id: str | None
) -> IntakeSummary:
    """Count outcomes per form type and quarantine reason."""
    summary = IntakeSummary(tenant=tenant, source=source, flow_run_id=flow_run_id)
    reasons: Counter[str] = Counter()
    parts: Counter[str] = Counter()
    for result in results:
        summary.files += 1
        parts.update(result.part_reasons)
        counts = summary.by_form_type.setdefault(result.form_type or UNKNOWN, FormTypeCounts())
        if result.outcome is Outcome.ACCEPTED:
            summary.accepted += 1
            summary.cases_created += len(result.file_numbers)
            counts.accepted += 1
        elif result.outcome is Outcome.QUARANTINED:
            summary.quarantined += 1
            counts.quarantined += 1
            reasons[result.reason_code or "?"] += 1
        elif result.outcome is Outcome.DUPLICATE:
            summary.duplicates += 1
            counts.duplicates += 1
        else:
            summary.errors += 1
    summary.quarantine_reasons = dict(sorted(reasons.items()))
    summary.quarantined_parts = parts.total()
    summary.part_reasons = dict(sorted(parts.items()))
    summary.by_form_type = dict(sorted(summary.by_form_type.items()))
    return summary


def _title(form_type: str) -> str:
    form = FORM_TYPES.get(form_type)
    return form.title if form is not None else "Unbekannt / nicht erkannt"


@task(name="publish-summary", persist_result=False, cache_policy=NO_CACHE)
def publish_summary(summary: IntakeSummary) -> None:
    """A table per form type for the operator console; counts only, no personal data."""
    rows = [
        {
            "Formular": _title(name),
            "Angenommen": c.accepted,
            "Quarantäne": c.quarantined,
            "Duplikate": c.duplicates,
        }
        for name, c in summary.by_form_type.items()
    ]
    rows.append(
        {
            "Formular": "Summe",
            "Angenommen": summary.accepted,
            "Quarantäne": summary.quarantined,
            "Duplikate": summary.duplicates,
        }
    )
    create_table_artifact(
        key=f"intake-{summary.tenant}",
        table=rows,
        description=f"Posteingang {summary.tenant}: {summary.files} Dateien, "
        f"{summary.errors} Fehler (bleiben für den nächsten Lauf liegen), "
        f"{summary.quarantined_parts} fehlerhafte Formulare in E-Mails in Quarantäne",
    )
    tally = Counter(summary.quarantine_reasons) + Counter(summary.part_reasons)
    if tally:
        lines = "\n".join(f"| `{code}` | {n} |" for code, n in sorted(tally.items()))
        create_markdown_artifact(
            key=f"intake-{summary.tenant}-quarantaene",
            markdown=f"### Quarantäne nach Grund\n\n| Grund | Anzahl |\n|---|---|\n{lines}\n",
            description="Gründe der Quarantäne (Details: amtsflow quarantine list)",
        )
