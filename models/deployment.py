"""How a municipality's flows are deployed: which flows, parameters, schedules, queue, secrets.

Everything has a default, so a tenant file without a `deployment:` block still gets the
usual catalogue (intake every 15 minutes in office hours, classification at 01:00, OParl
sync at 02:00, the nightly batch at 03:00, all in Europe/Berlin). A tenant file only writes
what differs. Secrets are referenced by the name of a Prefect Secret block, never by value.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Every flow of the catalogue, by its Prefect flow name.
FlowName = Literal[
    "intake", "classify", "retrain", "review-label", "oparl-sync", "prepare-agenda", "nightly"
]
FLOW_NAMES: tuple[str, ...] = FlowName.__args__  # type: ignore[attr-defined]

#: What a credential is for; each is one Secret block per tenant.
SecretPurpose = Literal["mail", "oparl", "dms"]
SECRET_PURPOSES: tuple[str, ...] = SecretPurpose.__args__  # type: ignore[attr-defined]

DEFAULT_TIMEZONE = "Europe/Berlin"
DEFAULT_WORK_POOL = "amtsflow"
BLOCK_NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,80}$"
POOL_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,60}$"

#: Schedules a flow gets when the tenant file names none (cron, Europe/Berlin).
DEFAULT_CRONS: dict[str, list[str]] = {
    "intake": ["*/15 7-17 * * 1-5"],  # every 15 min, 07:00-17:45, Monday to Friday
    "classify": ["0 1 * * *"],
    "oparl-sync": ["0 2 * * *"],
    "nightly": ["0 3 * * *"],
}

#: What happens when a run starts while one of the same deployment is still active.
Overlap = Literal["enqueue", "cancel_new"]

#: Per flow: (runs of one deployment active at once, what happens to one more). Batch
#: work on a tenant's data must not run twice side by side (two intakes of one drop
#: folder, a retrain while the nightly retrains): the schedules' runs that would only
#: repeat the work are dropped, what a clerk may have started waits its turn. Clerks'
#: own processes (an agenda per meeting, a review decision) run side by side.
DEFAULT_OVERLAP: dict[str, tuple[int, Overlap]] = {
    "intake": (1, "enqueue"),
    "classify": (1, "enqueue"),
    "retrain": (1, "enqueue"),
    "oparl-sync": (1, "cancel_new"),
    "nightly": (1, "cancel_new"),
}


_CRON_FIELDS = (
    ("Minute", 0, 59),
    ("Stunde", 0, 23),
    ("Tag", 1, 31),
    ("Monat", 1, 12),
    ("Wochentag", 0, 7),
)
_CRON_NAMES = {
    3: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
    4: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
}
_CRON_PART = re.compile(r"^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(\d+))?$")


def _cron_value(text: str, index: int, low: int) -> int:
    names = _CRON_NAMES.get(index, [])
    if text in names:
        return names.index(text) + (low if index == 3 else 0)
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def cron_problem(expression: str) -> str | None:
    """Why a five-field cron expression is invalid, or None (checked without Prefect's import).

    Prefect's server checks again on deploy; this catches typos while validating tenant files.
    """
    fields = expression.lower().split()
    if len(fields) != 5:
        return "braucht 5 Felder (Minute Stunde Tag Monat Wochentag)"
    for index, (text, (title, low, high)) in enumerate(zip(fields, _CRON_FIELDS, strict=True)):
        for part in text.split(","):
            match = _CRON_PART.match(part)
            if match is None:
                return f"{title}: {part!r} nicht lesbar"
            if match.group(2) is not None and int(match.group(2)) == 0:
                return f"{title}: Schrittweite 0"
            if match.group(1) == "*":
                continue
            try:
                bounds = [_cron_value(v, index, low) for v in match.group(1).split("-")]
            except ValueError as exc:
                return f"{title}: {exc.args[0]!r} nicht lesbar"
            if any(not low <= b <= high for b in bounds) or bounds != sorted(bounds):
                return f"{title}: {match.group(1)!r} außerhalb {low}-{high}"
    return None


def secret_block_name(slug: str, purpose: str) -> str:
    """The conventional Secret block name of a tenant's credential: `amtsflow-<slug>-<purpose>`."""
    return f"amtsflow-{slug}-{purpose}"


def _without_tenant(parameters: dict[str, Any]) -> dict[str, Any]:
    """Parameters a tenant file may set: `tenant` is always the file's own slug."""
    if "tenant" in parameters:
        raise ValueError("`tenant` wird automatisch gesetzt und darf hier nicht stehen")
    return parameters


class Schedule(BaseModel):
    """One schedule: a cron expression or a fixed interval, in a named time zone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cron: str | None = Field(default=None, description="Cron expression, e.g. `0 2 * * *`")
    interval_s: int | None = Field(default=None, ge=60, description="Interval in seconds")
    timezone: str = DEFAULT_TIMEZONE
    active: bool = True
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="Parameter values for runs of this schedule only"
    )

    @field_validator("parameters")
    @classmethod
    def _tenant_stays_bound(cls, value: dict[str, Any]) -> dict[str, Any]:
        # a schedule naming another municipality would fail every night at the guard
        return _without_tenant(value)

    @field_validator("cron")
    @classmethod
    def _check_cron(cls, value: str | None) -> str | None:
        if value is None:
            return value
        problem = cron_problem(value)
        if problem:
            raise ValueError(f"ungültiger Cron-Ausdruck {value!r}: {problem}")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unbekannte Zeitzone: {value!r}") from None
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> Schedule:
        if (self.cron is None) == (self.interval_s is None):
            raise ValueError("genau eines von cron oder interval_s angeben")
        return self


class FlowDeployment(BaseModel):
    """One flow of the catalogue as this tenant uses it.

    `enabled` None means: deploy it if the tenant file configures what the flow needs
    (intake sources for the intake, a taxonomy for classification, an OParl system for the
    sync). `schedules` None means: the default schedules; an empty list means none.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    schedules: list[Schedule] | None = None
    description: str | None = None
    max_active_runs: int | None = Field(
        default=None,
        ge=1,
        le=100,
        description="runs of this deployment active at once (None: the catalogue's default)",
    )
    on_overlap: Overlap | None = Field(
        default=None, description="a run beyond the limit waits (enqueue) or is cancelled"
    )

    @field_validator("parameters")
    @classmethod
    def _tenant_is_bound(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _without_tenant(value)


class DeploymentConfig(BaseModel):
    """Where this tenant's runs are queued and how each flow is deployed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    work_pool: str = Field(default=DEFAULT_WORK_POOL, pattern=POOL_NAME_PATTERN)
    work_queue: str | None = Field(
        default=None, pattern=POOL_NAME_PATTERN, description="None: the tenant's slug"
    )
    flows: dict[FlowName, FlowDeployment] = Field(default_factory=dict)


class SecretRefs(BaseModel):
    """Names of the tenant's Prefect Secret blocks, one per purpose (never the values).

    A purpose written as `true` or an empty value uses the conventional name
    `amtsflow-<slug>-<purpose>`; an explicit name must be `amtsflow-<slug>-` and one word
    without a dash, so one municipality's file can never point at another's credentials.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mail: str | None = Field(default=None, pattern=BLOCK_NAME_PATTERN)
    oparl: str | None = Field(default=None, pattern=BLOCK_NAME_PATTERN)
    dms: str | None = Field(default=None, pattern=BLOCK_NAME_PATTERN)

    def named(self) -> dict[str, str]:
        """Purpose -> block name of the configured secrets."""
        return {p: n for p in SECRET_PURPOSES if (n := getattr(self, p)) is not None}


def normalise_secrets(raw: Any, slug: Any) -> Any:
    """Accept `[mail, oparl]` or `{mail: true}` and fill in conventional block names."""
    if isinstance(raw, list):
        raw = dict.fromkeys(raw, True)
    if not isinstance(raw, dict) or not isinstance(slug, str):
        return raw
    out: dict[Any, Any] = {}
    for purpose, value in raw.items():
        if value is True or value is None or value == "":
            out[purpose] = secret_block_name(slug, str(purpose))
        else:
            out[purpose] = value
    return out


def foreign_secret_problems(slug: str, secrets: SecretRefs) -> list[tuple[str, str]]:
    """Secret references that would reach outside the tenant's own blocks.

    A block is the tenant's when its name is `amtsflow-<slug>-<word>` with no further
    dash: slugs may contain dashes, so a mere prefix would let `aachen` name
    `amtsflow-aachen-kreis-mail`, the block of the municipality `aachen-kreis`.
    """
    prefix = f"amtsflow-{slug}-"
    own = re.compile(rf"{re.escape(prefix)}[a-z0-9]+")
    return [
        (
            f"secrets.{purpose}",
            f"Block-Name muss {prefix!r} und ein Wort ohne Bindestrich sein "
            f"(z. B. {secret_block_name(slug, 'mail')!r})",
        )
        for purpose, name in secrets.named().items()
        if not own.fullmatch(name)
    ]
