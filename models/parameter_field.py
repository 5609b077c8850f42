"""Flow parameters with German titles that survive into the Prefect UI's run form.

Prefect builds a deployment's parameter schema itself and overwrites every field's `title`
with the Python parameter name (and takes `description` only from a default `Field` or the
docstring), so `Annotated[str, Field(title="Gemeinde")]` shows up as "tenant". Values put in
`json_schema_extra` are applied last and do survive; `parameter()` writes both, so the form
is German whether the flow runs locally, through `prefect deploy` or `amtsflow deploy`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from models.tenant import SLUG_PATTERN


def parameter(title: str, description: str, **constraints: Any) -> Any:
    """A pydantic `Field` for a flow parameter, German title and description included.

    Args:
        title: the label of the form field (German, short).
        description: the help text under it (German, says what an empty value means).
        **constraints: further `Field` arguments (`pattern`, `ge`, `le`, ...).

    """
    return Field(
        title=title,
        description=description,
        json_schema_extra={"title": title, "description": description},
        **constraints,
    )


#: The `tenant` parameter every catalogue flow takes; deployments pin it to one slug.
TenantSlug = Annotated[
    str,
    parameter(
        "Gemeinde",
        "Kurzname der Gemeinde (z. B. musterstadt); in einer Bereitstellung fest vorgegeben",
        pattern=SLUG_PATTERN,
    ),
]
