"""The clerk's approval of a suggested agenda: the Prefect form and the way to send it.

`prepare-agenda` pauses with `AgendaApproval` as its typed input, so the Prefect UI shows
a German form. The clerks' web application sends the same input with `resume_agenda`
(or `aresume_agenda` in async code); it first checks that the run belongs to the clerk's
municipality, is a paused `prepare-agenda` run, and that the corrections name items of
the kept draft, so that a typo is refused before the run continues.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.exceptions import ObjectNotFound
from prefect.flow_runs import aresume_flow_run
from prefect.input import RunInput
from pydantic import ConfigDict, Field

from connectors.storage import TenantStorage
from models.parameter_field import parameter
from models.settings import Settings
from tasks.agenda_outputs.corrections import CorrectionError, apply_corrections
from tasks.agenda_outputs.prepare import load_draft

FLOW_NAME = "prepare-agenda"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class AgendaRunError(LookupError):
    """The approval cannot go to this run (message in German, fit for the clerk)."""


class ApprovalInputError(AgendaRunError):
    """The corrections name items the draft does not have, or cannot move them."""


class AgendaApproval(RunInput):
    """The approval form: approve or reject, move items between the parts, comment."""

    model_config = ConfigDict(extra="forbid", title="Freigabe der Tagesordnung")

    approve: Annotated[
        bool,
        parameter(
            "Tagesordnung freigeben",
            "Ja: Einladung, Tagesordnung und Sitzungsmappen werden geschrieben; "
            "Nein: der Lauf endet ohne Ausgaben",
        ),
    ] = False
    make_nonpublic: Annotated[
        list[str],
        parameter(
            "In den nichtöffentlichen Teil verschieben",
            "TOP-Nummern wie im Entwurf, z. B. 7 oder 5.1 (Unterpunkte wechseln mit)",
        ),
    ] = Field(default_factory=list)
    make_public: Annotated[
        list[str],
        parameter(
            "In den öffentlichen Teil verschieben",
            "TOP-Nummern wie im Entwurf (Unterpunkte wechseln mit)",
        ),
    ] = Field(default_factory=list)
    comment: Annotated[
        str,
        parameter(
            "Bemerkung",
            "Freitext für die Akte (erscheint nicht im Protokoll des Laufs)",
            max_length=2000,
        ),
    ] = ""
    clerk: Annotated[
        str,
        parameter(
            "Bearbeitet von",
            "Kürzel der Sachbearbeiterin / des Sachbearbeiters",
            min_length=2,
            max_length=80,
        ),
    ]


@dataclass(frozen=True)
class PausedAgenda:
    """A prepare-agenda run waiting for its approval."""

    flow_run_id: UUID
    tenant: str
    meeting: str


async def apaused_agendas(tenant: str) -> list[PausedAgenda]:
    """The municipality's agenda runs that wait for an approval, oldest first."""
    async with get_client() as client:
        runs = await client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[FLOW_NAME])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
            ),
        )
    return [
        PausedAgenda(run.id, tenant, str(run.parameters.get("meeting")))
        for run in sorted(runs, key=lambda r: r.created or _EPOCH)
        if run.parameters.get("tenant") == tenant
    ]


async def aresume_agenda(flow_run_id: UUID | str, approval: AgendaApproval, *, tenant: str) -> None:
    """Send the approval to a paused run of `tenant`.

    Raises:
        AgendaRunError: not a paused prepare-agenda run of this municipality.
        ApprovalInputError (an AgendaRunError): the corrections name unknown items or
            cannot be applied; nothing was sent, the run still waits.

    """
    try:
        async with get_client() as client:
            run = await client.read_flow_run(UUID(str(flow_run_id)))
            flow_name = (await client.read_flow(run.flow_id)).name
    except (ValueError, ObjectNotFound):
        raise AgendaRunError("kein Tagesordnungslauf dieser Gemeinde") from None
    if flow_name != FLOW_NAME or run.parameters.get("tenant") != tenant:
        raise AgendaRunError("kein Tagesordnungslauf dieser Gemeinde")
    if run.state is None or not run.state.is_paused():
        raise AgendaRunError("der Lauf wartet nicht auf eine Freigabe")
    if approval.approve:
        draft = load_draft(TenantStorage(Settings().home, tenant), str(run.parameters["meeting"]))
        if draft is not None:
            try:
                apply_corrections(draft, approval.make_nonpublic, approval.make_public)
            except CorrectionError as exc:
                raise ApprovalInputError(str(exc)) from exc
    await aresume_flow_run(run.id, run_input=approval.model_dump(mode="json"))


def resume_agenda(flow_run_id: UUID | str, approval: AgendaApproval, *, tenant: str) -> None:
    """`aresume_agenda` for synchronous callers (not from inside a running event loop)."""
    asyncio.run(aresume_agenda(flow_run_id, approval, tenant=tenant))


def paused_agendas(tenant: str) -> list[PausedAgenda]:
    """`apaused_agendas` for synchronous callers."""
    return asyncio.run(apaused_agendas(tenant))
