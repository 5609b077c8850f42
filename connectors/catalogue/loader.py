"""Load tenant files and report every problem with its file and field.

An operator editing YAML for dozens of municipalities needs to know exactly which
file and which key is wrong, so pydantic's errors are rewritten to `file: a.b[0].c: msg`.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import ValidationError

from models.deployment import foreign_secret_problems
from models.deployment_plan import plan_tenant
from models.tenant import SLUG_PATTERN, Tenant


class TenantNotFoundError(LookupError):
    """No tenant file for the slug."""


class TenantConfigError(ValueError):
    """A tenant file is unreadable or invalid; `problems` lists (field, message)."""

    def __init__(self, path: Path, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}: {field}: {message}" for field, message in problems]
        super().__init__("\n".join(lines))


def list_tenant_files(directory: Path) -> list[Path]:
    """Tenant files in a folder, sorted; hidden files and templates are skipped."""
    if not directory.is_dir():
        return []
    return sorted(
        p
        for p in directory.iterdir()
        if p.suffix in {".yaml", ".yml"} and not p.name.startswith((".", "_"))
    )


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for an invalid mapping key
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(Datei)"


def _parse(path: Path) -> Tenant:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TenantConfigError(path, [("(Datei)", f"nicht lesbar: {exc}")]) from None
    if not isinstance(raw, dict):
        raise TenantConfigError(path, [("(Datei)", "erwartet eine Zuordnung (key: value)")])
    problems: list[tuple[str, str]] = []
    if isinstance(raw.get("slug"), str) and raw["slug"] != path.stem:
        problems.append(("slug", f"muss dem Dateinamen {path.stem!r} gleichen"))
    try:
        tenant = Tenant.model_validate(raw)
    except ValidationError as exc:
        problems += [(_location(e["loc"]), e["msg"]) for e in exc.errors()]
        raise TenantConfigError(path, problems) from None
    problems += foreign_secret_problems(tenant.slug, tenant.secrets)
    if problems:  # the rest of the file is readable: report its flow problems too
        raise TenantConfigError(path, problems + plan_tenant(tenant)[1])
    sources = [
        s.model_copy(update={"path": (path.parent / s.path).resolve()})
        for s in tenant.intake_sources
    ]
    update: dict[str, object] = {"intake_sources": sources}
    config = tenant.classification
    if config is not None and config.seed_data is not None:
        seed = (path.parent / config.seed_data).resolve()
        update["classification"] = config.model_copy(update={"seed_data": seed})
    return tenant.model_copy(update=update)


def load_tenant(slug: str, directory: Path) -> Tenant:
    """Load and validate one tenant by slug.

    The slug is checked before it becomes part of a path, so a crafted slug such as
    `../x` cannot read files outside the catalogue.
    """
    if not re.fullmatch(SLUG_PATTERN, slug):
        raise TenantNotFoundError(f"ungültiger Gemeinde-Kurzname: {slug!r}")
    for suffix in (".yaml", ".yml"):
        path = directory / f"{slug}{suffix}"
        if path.is_file():
            return _parse(path)
    raise TenantNotFoundError(f"keine Gemeinde {slug!r} in {directory}")


def load_all(directory: Path) -> tuple[list[Tenant], list[TenantConfigError]]:
    """Every tenant in a folder, plus the errors of the files that failed."""
    tenants: list[Tenant] = []
    errors: list[TenantConfigError] = []
    files = list_tenant_files(directory)
    stems = [p.stem for p in files]
    for path in files:
        if stems.count(path.stem) > 1:  # x.yaml and x.yml: which one would a run read?
            other = next(p for p in files if p.stem == path.stem and p != path)
            errors.append(TenantConfigError(path, [("(Datei)", f"doppelt mit {other.name}")]))
            continue
        try:
            tenants.append(_parse(path))
        except TenantConfigError as exc:
            errors.append(exc)
    return tenants, errors
