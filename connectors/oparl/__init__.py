"""The council information system, read through OParl 1.0/1.1.

Flows and tasks depend on `OParlSource`, not on the client, so a test can hand them a fake
and another council information system can slot in beside this one; `make_source` is the
door that reads `AMTSFLOW_OPARL_*` and returns the httpx client.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Protocol

from connectors.oparl.client import ChecksumError, Downloaded, ListPage, OParlClient
from connectors.oparl.fetch import OParlError
from connectors.oparl.models import Body, File, System
from connectors.oparl.quirks import Quirk, QuirkLog
from connectors.oparl.settings import OParlSettings


class OParlSource(Protocol):
    """What a sync needs from a council information system."""

    quirks: QuirkLog

    def system(self, url: str) -> System:
        """The System object at the entry URL."""
        ...

    def bodies(self, system: System) -> list[tuple[Body, dict[str, Any]]]:
        """The bodies (municipalities) of the system, with their raw JSON."""
        ...

    def pages(self, body: Body, modified_since: dt.datetime | None = None) -> Iterator[ListPage]:
        """All pages of the body's lists; only objects changed since, if given."""
        ...

    def objects(self, kind: str, urls: list[str]) -> ListPage:
        """Objects of one kind read again by their URLs (ones a list could not read)."""
        ...

    def download(self, file: File) -> Downloaded:
        """A file's bytes, checked against its checksums."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def make_source(settings: OParlSettings | None = None) -> OParlSource:
    """An OParl client configured from the environment by default."""
    return OParlClient(settings or OParlSettings())


__all__ = [
    "ChecksumError",
    "Downloaded",
    "ListPage",
    "OParlError",
    "OParlSettings",
    "OParlSource",
    "Quirk",
    "QuirkLog",
    "make_source",
]
