"""Resource limits a worker process sets on itself before it reads strangers' files.

Shared by the parse workers (`connectors.documents`) and the agenda merge process
(`connectors.pdf_merge`); imports nothing but the standard library, since both run as
fresh interpreters that should load as little as possible.
"""

from __future__ import annotations

import resource


def lower(which: int, value: int) -> None:
    """Set a soft and hard resource limit to `value`, never above the current hard limit."""
    _soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def allow_cpu(seconds: int) -> None:
    """Allow `seconds` more CPU time from now (RLIMIT_CPU counts the process lifetime).

    Only the soft limit moves; the hard limit stays where it was, so it can be
    raised again before the next document.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    allowed = int(usage.ru_utime + usage.ru_stime) + 1 + seconds
    _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        allowed = min(allowed, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (allowed, hard))
