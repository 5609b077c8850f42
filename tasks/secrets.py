"""A tenant's credentials from Prefect Secret blocks, by the name its tenant file gives.

Values travel only as `SecretStr` (printed as `**********`). Errors name the block, the
tenant and the purpose, never the value, and say how the operator sets it. Flows call
`load_secret` inside a task or flow body; the value must never become a flow parameter,
a task result that is persisted, a log argument or part of an artifact.
"""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from connectors.catalogue import load_tenant
from connectors.oparl import OParlSettings
from models.settings import Settings


class MissingSecretError(LookupError):
    """A tenant's credential is not referenced in its file or its block does not exist."""


def secret_block_for(tenant_slug: str, purpose: str, settings: Settings | None = None) -> str:
    """The Secret block name the tenant file references for a purpose.

    Raises:
        MissingSecretError: the tenant file references no secret for this purpose.

    """
    tenant = load_tenant(tenant_slug, (settings or Settings()).tenants)
    name = tenant.secrets.named().get(purpose)
    if name is None:
        raise MissingSecretError(
            f"Gemeinde {tenant_slug}: kein Zugangsdaten-Verweis für {purpose!r} "
            f"(in der Gemeinde-Datei `secrets: [{purpose}]` eintragen)"
        )
    return name


def _unwrap(block: Any) -> SecretStr:
    raw = block.value.get_secret_value()
    return SecretStr(raw if isinstance(raw, str) else str(raw))


def _missing(name: str, tenant_slug: str, purpose: str) -> MissingSecretError:
    return MissingSecretError(
        f"Prefect-Secret-Block {name!r} (Gemeinde {tenant_slug}, {purpose}) fehlt; setzen mit: "
        f"amtsflow secrets set --tenant {tenant_slug} --purpose {purpose}"
    )


def load_secret(tenant_slug: str, purpose: str, settings: Settings | None = None) -> SecretStr:
    """The tenant's credential for a purpose (mail, oparl, dms) as a `SecretStr`.

    Raises:
        MissingSecretError: not referenced, or the block does not exist on the server.

    """
    from prefect.blocks.system import Secret

    name = secret_block_for(tenant_slug, purpose, settings)
    try:
        block = Secret.load(name, _sync=True)  # type: ignore[call-arg]
    except ValueError:
        raise _missing(name, tenant_slug, purpose) from None
    return _unwrap(block)


async def aload_secret(
    tenant_slug: str, purpose: str, settings: Settings | None = None
) -> SecretStr:
    """`load_secret` for async flows and tasks."""
    from prefect.blocks.system import Secret

    name = secret_block_for(tenant_slug, purpose, settings)
    try:
        block = await Secret.aload(name)
    except ValueError:
        raise _missing(name, tenant_slug, purpose) from None
    return _unwrap(block)


def save_secret(
    tenant_slug: str, purpose: str, value: SecretStr, settings: Settings | None = None
) -> str:
    """Store (or replace) the tenant's credential in its Secret block; returns the block name."""
    from prefect.blocks.system import Secret

    name = secret_block_for(tenant_slug, purpose, settings)
    Secret(value=value).save(name, overwrite=True, _sync=True)  # type: ignore[call-arg]
    return name


def secret_exists(name: str) -> bool:
    """Whether a Secret block of that name exists (its value is not read)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_block_document_by_name(
                name, block_type_slug="secret", include_secrets=False
            )
        except ObjectNotFound:
            return False
    return True


def oparl_api_key(
    tenant_slug: str, system_url: str, settings: Settings | None = None
) -> SecretStr | None:
    """The tenant's OParl API key, only for the system its tenant file names.

    A run started with another URL (a parameter anyone with UI access can type) never
    sends the key elsewhere. None when the tenant references no `oparl` secret.

    Raises:
        MissingSecretError: referenced, but the block does not exist.

    """
    tenant = load_tenant(tenant_slug, (settings or Settings()).tenants)
    if "oparl" not in tenant.secrets.named():
        return None
    if tenant.oparl is None or tenant.oparl.system_url != system_url:
        return None
    return load_secret(tenant_slug, "oparl", settings)


def oparl_settings_for(
    tenant_slug: str,
    system_url: str,
    settings: Settings | None = None,
    oparl: OParlSettings | None = None,
) -> OParlSettings:
    """OParl settings for reading `system_url`, with a key only if it belongs to that system.

    A key (the tenant's Secret block, else the installation-wide `AMTSFLOW_OPARL_API_KEY`)
    belongs to the system the tenant file names: a run pointed at any other URL (a flow
    parameter a clerk or operator types) goes without one. The settings also name that
    system, so the client sends the key only to its origin, never to URLs the server's JSON
    points elsewhere.

    Raises:
        MissingSecretError: the tenant references an `oparl` secret whose block is missing.

    """
    settings = settings or Settings()
    oparl = oparl or OParlSettings()
    tenant = load_tenant(tenant_slug, settings.tenants)
    if tenant.oparl is None or tenant.oparl.system_url != system_url:
        return oparl.model_copy(update={"api_key": None, "system_url": None})
    api_key = oparl_api_key(tenant_slug, system_url, settings) or oparl.api_key
    return oparl.model_copy(update={"api_key": api_key, "system_url": system_url})
