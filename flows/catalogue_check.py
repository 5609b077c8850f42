"""The whole catalogue checked at once: tenant files, their flows and their parameters.

`amtsflow tenants validate` and `amtsflow deploy` share this, so deploy refuses exactly
what validate reports, and a typo in one tenant file can never make deploy remove that
tenant's deployments (deploy changes nothing while any file has an error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from connectors.catalogue import list_tenant_files, load_all
from flows.catalogue import FlowSpec, installed, load_specs
from models.deployment_plan import PlannedDeployment, parameter_problems, plan_tenant
from models.tenant import Tenant


@dataclass(frozen=True)
class Problem:
    """One finding, with the file and the field it is about."""

    file: str
    field: str
    message: str


@dataclass
class CatalogueCheck:
    """Valid tenants with their planned deployments, errors and warnings."""

    tenants: list[Tenant] = field(default_factory=list)
    planned: list[PlannedDeployment] = field(default_factory=list)
    specs: dict[str, FlowSpec] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _file_of(directory: Path, slug: str) -> str:
    for path in list_tenant_files(directory):
        if path.stem == slug:
            return str(path)
    return str(directory / f"{slug}.yaml")


def check_catalogue(directory: Path) -> CatalogueCheck:
    """Load every tenant file, plan its deployments, check parameters against the flows.

    Missing drop folders are warnings, not errors: the folder may be a share mounted only
    on the worker's host. A run whose folder is missing fails and names the folder, so
    the operator sees it in the console instead of an empty inbox being reported as "0 files".
    """
    result = CatalogueCheck()
    tenants, errors = load_all(directory)
    for error in errors:
        result.errors += [Problem(str(error.path), f, m) for f, m in error.problems]
    available = set(installed())
    result.specs = load_specs(sorted(available))
    for tenant in tenants:
        path = _file_of(directory, tenant.slug)
        planned, unusable = plan_tenant(tenant)
        problems = [Problem(path, f, m) for f, m in unusable]
        for item in planned:
            spec = result.specs.get(item.flow_name)
            if spec is None:
                result.warnings.append(
                    Problem(path, f"deployment.flows.{item.flow_name}", "Ablauf nicht installiert")
                )
                continue
            problems += [
                Problem(path, f, m) for f, m in parameter_problems(item, spec.parameter_schema)
            ]
        for i, source in enumerate(tenant.intake_sources):
            if not source.path.is_dir():
                result.warnings.append(
                    Problem(path, f"intake_sources[{i}].path", f"Ordner fehlt: {source.path}")
                )
        if problems:
            result.errors += problems
            continue
        result.tenants.append(tenant)
        result.planned += [p for p in planned if p.flow_name in result.specs]
    result.errors += shared_drop_folders(directory, tenants)
    return result


def shared_drop_folders(directory: Path, tenants: list[Tenant]) -> list[Problem]:
    """Drop folders two municipalities would share (the same, or one inside the other).

    A tenant file copied for a new municipality may still name the old one's folder:
    one would take in the other's citizens' files, and its clean-up would archive them
    away from the other. Both files are named, each at its field.
    """
    sources = [
        (tenant.slug, i, source.path.expanduser().resolve())
        for tenant in tenants
        for i, source in enumerate(tenant.intake_sources)
    ]
    problems: list[Problem] = []
    for slug, i, folder in sources:
        for other, j, elsewhere in sources:
            if other == slug:
                continue
            if (
                folder == elsewhere
                or folder.is_relative_to(elsewhere)
                or (elsewhere.is_relative_to(folder))
            ):
                problems.append(
                    Problem(
                        _file_of(directory, slug),
                        f"intake_sources[{i}].path",
                        f"Ordner überschneidet sich mit dem Eingangsordner der Gemeinde "
                        f"{other} (intake_sources[{j}]): {folder}",
                    )
                )
    return problems
