"""The tenant guard: a run bound to one municipality can never reach another's data.

Prefect's open-source server has no tenants, and every operator can start any deployment
with parameters of their choosing. So every catalogue flow calls `guard_run(tenant)` first:
when the run belongs to a deployment (directly, or as a subflow of one), that deployment's
`tenant:<slug>` tag, which `amtsflow deploy` sets, must name exactly the `tenant`
parameter, else the run fails before it reads or writes anything. A crafted parameter
cannot switch tenants. Rows are then confined by the tenant-scoped session
(`models.tenant_scope`); paths given as parameters are confined by `confine_path`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
from prefect.client.orchestration import get_client
from prefect.exceptions import PrefectException
from prefect.runtime import deployment, flow_run

from connectors.storage import PathEscapeError
from models.deployment_plan import tenant_tags
from models.tenant import Tenant

TENANT_TAG_PREFIX = "tenant:"
logger = logging.getLogger(__name__)


class TenantGuardError(PermissionError):
    """A run's deployment belongs to another municipality than its `tenant` parameter."""


def guard_run(tenant: str) -> None:
    """Fail unless the current run's deployment is bound to `tenant`.

    A run started without a deployment (command line, tests, the demo) is not bound: whoever
    starts it has the machine's files anyway. A run of a deployment, and every subflow of
    one (Prefect hands the root deployment's id down), must carry the tag `tenant:<tenant>`;
    a deployment without any tenant tag is refused too, so an untagged deployment cannot
    serve as a door to every municipality.

    Raises:
        TenantGuardError: the deployment is bound to another tenant, several, or none.

    """
    deployment_id = deployment.id
    if deployment_id is None:
        tag_run(tenant)
        return
    with get_client(sync_client=True) as client:
        found = client.read_deployment(deployment_id)
    bound = tenant_tags(list(found.tags))
    if bound == [tenant]:
        tag_run(tenant)
        return
    if not bound:
        raise TenantGuardError(
            f"Bereitstellung {found.name!r} ist keiner Gemeinde zugeordnet "
            f"(Schlagwort tenant:<kurzname> fehlt); Lauf für {tenant!r} abgebrochen"
        )
    raise TenantGuardError(
        f"Bereitstellung {found.name!r} gehört zu Gemeinde {', '.join(bound)}, der Lauf "
        f"verlangt {tenant!r}: abgebrochen, bevor etwas gelesen oder geschrieben wurde"
    )


def tag_run(tenant: str) -> None:
    """Give the current run its municipality's tag when it lacks it.

    Runs of a deployment get the tag from it; runs started on the command line and the
    nightly batch's subflows do not, and the clerks' pages (which show a tenant only runs
    carrying its tag) would not list them. Only called after the guard passed, so the tag
    names the tenant whose data the run works on. A failed update costs the listing, not
    the run.
    """
    run_id = flow_run.id
    wanted = f"{TENANT_TAG_PREFIX}{tenant}"
    tags = list(flow_run.tags or [])
    if run_id is None or wanted in tags:
        return
    try:
        with get_client(sync_client=True) as client:
            client.update_flow_run(run_id, tags=[*tags, wanted])
    except (httpx.HTTPError, PrefectException) as exc:
        kind = type(exc).__name__
        logger.warning("Lauf %s: Gemeinde-Schlagwort nicht gesetzt (%s)", run_id, kind)


def tenant_roots(tenant: Tenant, home: Path) -> list[Path]:
    """The folders a run for this tenant may name: its data folder and its drop folders."""
    roots = [(home / "tenants" / tenant.slug).resolve()]
    roots += [source.path.resolve() for source in tenant.intake_sources]
    return roots


def confine_path(path: Path, tenant: Tenant, home: Path) -> Path:
    """Resolve a path given as a parameter and refuse it unless it is the tenant's own.

    Resolution follows every symlink and `..`, so neither can lead out. A path inside
    another municipality's data folder is refused even if a (mis)configured drop folder
    of this tenant encloses it.

    Raises:
        PathEscapeError: the path lies outside the tenant's folders.

    """
    resolved = path.expanduser().resolve()
    all_tenants = (home / "tenants").resolve()
    own = (all_tenants / tenant.slug).resolve()
    foreign = resolved.is_relative_to(all_tenants) and not resolved.is_relative_to(own)
    if not foreign and any(resolved.is_relative_to(r) for r in tenant_roots(tenant, home)):
        return resolved
    raise PathEscapeError(
        f"Pfad liegt außerhalb der Ordner der Gemeinde {tenant.slug} "
        "(Datenordner und eingetragene Eingangsordner); abgelehnt"
    )
