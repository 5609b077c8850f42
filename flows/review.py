"""A clerk's decision on one document's label, as a form in the Prefect UI.

The run pauses with a typed German form (the taxonomy as a dropdown, the machine's
suggestion preselected); resuming it, in the UI or through the API, writes the same
decision the command line and the clerks' pages write (`tasks.classification.review`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from prefect import flow, get_run_logger
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from pydantic import AfterValidator, Field, create_model

from connectors.database import make_engine, tenant_session
from models.parameter_field import TenantSlug, parameter
from models.settings import Settings
from tasks.classification.review import MAX_USER, MIN_USER, ReviewError, decide, list_reviews
from tasks.tenant_guard import guard_run

_EDGE = r"[^\s\x00-\x1f\x7f-\x9f]"
REVIEWER_PATTERN = rf"^{_EDGE}(?:[^\x00-\x1f\x7f-\x9f]*{_EDGE})?$"
"""No blank at either end, no control character: what the server can check itself, so
the form refuses such a name before the run resumes (it would fail in `decide`)."""


def _printable(value: str) -> str:
    if not value.isprintable():  # the rest of `decide`'s rule (e.g. zero-width marks)
        raise ValueError("Kürzel enthält nicht druckbare Zeichen")
    return value


def decision_form(options: list[str], suggestion: str | None) -> type[RunInput]:
    """The form the clerk fills in: a dropdown of the tenant's labels and a name."""
    label_type: Any = Literal[tuple(options)]
    default = suggestion if suggestion in options else options[0]
    model: type[RunInput] = create_model(
        "Pruefentscheidung",
        __base__=RunInput,
        kategorie=(
            label_type,
            Field(
                default=default,
                title="Kategorie",
                description="Vorschlag der Maschine bestätigen oder richtige Kategorie wählen",
            ),
        ),
        bearbeitet_von=(
            Annotated[str, AfterValidator(_printable)],
            Field(
                title="Bearbeitet von",
                description="Kürzel der Sachbearbeiterin / des Sachbearbeiters",
                min_length=MIN_USER,
                max_length=MAX_USER,
                pattern=REVIEWER_PATTERN,
            ),
        ),
    )
    return model


@flow(name="review-label", flow_run_name="pruefung-{tenant}-{review_id}", persist_result=False)
def review_label(
    tenant: TenantSlug,
    review_id: Annotated[
        int,
        parameter(
            "Prüfauftrag",
            "Nummer des Prüfauftrags (amtsflow review list zeigt die offenen)",
            ge=1,
        ),
    ],
    timeout_s: Annotated[
        int,
        parameter(
            "Wartezeit (Sekunden)",
            "So lange wartet der Lauf auf die Entscheidung (60 Sekunden bis 7 Tage)",
            ge=60,
            le=7 * 86400,
        ),
    ] = 86400,
) -> dict[str, Any]:
    """Pause for the clerk's decision on one review item, then record it."""
    guard_run(tenant)
    logger = get_run_logger()
    engine = make_engine(Settings().effective_database_url)
    try:
        with tenant_session(engine, tenant) as session:
            item = next((r for r in list_reviews(session) if r["id"] == review_id), None)
        if item is None:
            raise ReviewError(f"Prüfauftrag {review_id} ist nicht offen")
        logger.info("Warte auf Entscheidung zu Prüfauftrag %d", review_id)
        answer: Any = pause_flow_run(
            wait_for_input=decision_form(item["options"], item["suggestion"]),
            timeout=timeout_s,
        )
        with tenant_session(engine, tenant) as session:
            result = decide(session, review_id, answer.kategorie, answer.bearbeitet_von)
        logger.info("Prüfauftrag %d entschieden: %s", review_id, result["status"])
        return {"id": review_id, "status": result["status"]}
    finally:
        engine.dispose()
