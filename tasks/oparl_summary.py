"""Publish an OParl sync's counts as a Prefect table artifact: counts only, no contents."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from models.oparl_sync import KINDS, TITLES, OParlSyncSummary


def summary_rows(summary: OParlSyncSummary) -> list[dict[str, str | int]]:
    """One row per object type: read in this run, of which deleted, held now."""
    return [
        {
            "Objektart": TITLES[kind],
            "Gelesen": counts.seen + counts.deleted,
            "Davon gelöscht": counts.deleted,
            "Im Bestand": counts.stored,
        }
        for kind in KINDS
        if (counts := summary.objects.get(kind)) is not None
    ]


@task(name="publish-oparl-summary", persist_result=False, cache_policy=NO_CACHE)
def publish_sync_summary(summary: OParlSyncSummary) -> None:
    """A table for the operator console; names and titles never appear in it."""
    kind = "vollständig" if summary.full else "Änderungen"
    deviations = sum(summary.quirks.values())
    create_table_artifact(
        key=f"oparl-sync-{summary.tenant}",
        table=summary_rows(summary),
        description=f"OParl-Abgleich {summary.tenant} ({kind}): {deviations} tolerierte "
        f"Abweichungen, {summary.dangling_references} offene Verweise, "
        f"{len(summary.errors)} Fehler, {summary.pending} unlesbare Objekte (werden beim "
        f"nächsten Lauf erneut gelesen), {summary.seconds:.1f} s",
    )
