"""The web application's view of Prefect: one municipality's deployments, runs, artifacts.

Plain REST calls on one shared `httpx.Client` (thread-safe, keeps connections open), the
same endpoints the Prefect UI uses. Every read of a single deployment or run checks its
`tenant:<slug>` tag (the only tenant tag, and the `tenant` parameter naming the same
municipality) before anything is shown or done; a foreign or unknown id is reported
as `NotFoundError`, which the pages turn into 404, so ids of other municipalities cannot even
be confirmed to exist.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from models.deployment_plan import owned_by, tenant_tag

T = TypeVar("T")
#: How long lists that change by the minute are served from memory (seconds).
LIST_TTL_S = 3.0
#: A finished run (and its artifacts) no longer changes: kept a little longer.
FINAL_TTL_S = 30.0
FINAL_STATES = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})
#: Pauses before the second, third and fourth attempt of a call the server could not take.
RETRY_DELAYS_S = (0.5, 1.0, 2.0)
#: Answers that say the server did nothing (busy database, rate limit): always safe to repeat.
BUSY_STATUS = frozenset({429, 503})
#: A proxy in front of the server lost its answer: the request may have been done.
PROXY_LOST_STATUS = frozenset({502, 504})
#: Errors before the request reached the server: always safe to repeat.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: Errors after the request was sent: repeated only where a repeat cannot do a thing twice.
ANSWER_LOST = (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError)


class NotFoundError(LookupError):
    """No such object for this municipality (unknown, or another tenant's)."""


class PrefectUnavailableError(RuntimeError):
    """The Prefect server did not answer (or answered with a server error)."""


class PrefectRejectedError(ValueError):
    """The Prefect server refused a request (e.g. parameters invalid, run not paused)."""


class PrefectGateway:
    """A municipality-aware client of the Prefect REST API."""

    def __init__(
        self,
        api_url: str,
        *,
        timeout_s: float = 15.0,
        cache_s: float = 10.0,
        list_cache_s: float = LIST_TTL_S,
        retry_budget_s: float = 30.0,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._client = httpx.Client(base_url=self.api_url, timeout=timeout_s)
        self._cache_s = cache_s
        self._retry_budget_s = retry_budget_s
        self._timeout_s = timeout_s
        self._min_attempt_s = min(2.0, timeout_s)
        self._list_ttl = list_cache_s
        self._final_ttl = FINAL_TTL_S if list_cache_s > 0 else 0.0
        self._lock = threading.Lock()
        self._deployments: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        self._flow_names: dict[str, str] = {}
        self._cache: dict[tuple[Any, ...], tuple[float, Any]] = {}

    def _cached(self, key: tuple[Any, ...], ttl: float, load: Callable[[], T]) -> T:
        """A value loaded at most once per `ttl` seconds (many clerks, one municipality)."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and now - hit[0] < ttl:
                value: T = hit[1]
                return value
        value = load()
        with self._lock:
            self._cache[key] = (now, value)
            if len(self._cache) > 2000:  # bounded: drop the oldest half
                for old in sorted(self._cache, key=lambda k: self._cache[k][0])[:1000]:
                    del self._cache[old]
        return value

    def forget(self, tenant: str) -> None:
        """Drop the tenant's cached lists (after it started or decided something)."""
        with self._lock:
            for key in [k for k in self._cache if k[1] == tenant]:
                del self._cache[key]

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def _call(self, method: str, path: str, body: Any = None, *, repeatable: bool = False) -> Any:
        """One REST call, repeated a few times where the server was busy or the answer lost.

        Prefect's server answers 503 while its SQLite database is locked and may stall for
        seconds after a large run (see the Prefect notes); a clerk should not see an error
        page for that. A call is repeated when the server said it did nothing (429/503) or
        the request never left; when the answer was lost after sending (timeout, dropped
        connection, a proxy's 502/504), only if `repeatable` (a read, or a create carrying an
        idempotency key). All attempts together keep within `retry_budget_s` (each gets at
        most the time left, at least 2 s): a clerk is waiting.
        """
        deadline = time.monotonic() + self._retry_budget_s
        for attempt in range(len(RETRY_DELAYS_S) + 1):
            left = deadline - time.monotonic()
            timeout = min(self._timeout_s, max(left, self._min_attempt_s))
            delay = RETRY_DELAYS_S[attempt] if attempt < len(RETRY_DELAYS_S) else None
            failure: httpx.HTTPError | None = None
            try:
                response = self._client.request(method, path, json=body, timeout=timeout)
            except NOT_SENT as exc:
                failure = exc
            except httpx.HTTPError as exc:
                if not (repeatable and isinstance(exc, ANSWER_LOST)):
                    raise PrefectUnavailableError(_unreachable(exc)) from exc
                failure = exc
            else:
                again = response.status_code in BUSY_STATUS or (
                    repeatable and response.status_code in PROXY_LOST_STATUS
                )
                if not again:
                    break
                if delay is not None:
                    delay = max(delay, _retry_after(response))
            if delay is None or deadline - time.monotonic() - delay < self._min_attempt_s:
                if failure is not None:  # no time for another whole attempt
                    raise PrefectUnavailableError(_unreachable(failure)) from failure
                break
            time.sleep(delay)
        if response.status_code == 404:
            raise NotFoundError(path)
        if response.status_code >= 500 or response.status_code == 429:
            raise PrefectUnavailableError(f"Prefect-Server antwortet mit {response.status_code}")
        if response.status_code >= 400:
            raise PrefectRejectedError(_detail(response))
        return response.json() if response.content else None

    def _read(self, path: str, body: Any = None) -> Any:
        """A call that changes nothing on the server (GET, or a POST filter/count)."""
        return self._call("GET" if body is None else "POST", path, body, repeatable=True)

    # deployments -----------------------------------------------------------------
    def deployments(self, tenant: str) -> list[dict[str, Any]]:
        """The tenant's deployments (cached briefly: the list changes only on deploy)."""
        now = time.monotonic()
        with self._lock:
            cached = self._deployments.get(tenant)
            if cached is not None and now - cached[0] < self._cache_s:
                return cached[1]
        found: list[dict[str, Any]] = self._read(
            "/deployments/filter",
            {"deployments": {"tags": {"all_": [tenant_tag(tenant)]}}, "limit": 200},
        )
        found = [d for d in found if owned_by(d, tenant)]
        names = self.flow_names([d["flow_id"] for d in found])
        for d in found:
            d["flow_name"] = names.get(d["flow_id"], "")
        found.sort(key=lambda d: d["flow_name"])
        with self._lock:
            self._deployments[tenant] = (now, found)
        return found

    def deployment(self, tenant: str, deployment_id: str) -> dict[str, Any]:
        """One deployment of the tenant (NotFoundError for any other).

        Served from the tenant's cached list when it is there (the list holds only the
        tenant's own deployments); otherwise read and checked by its tag.
        """
        wanted = _uuid(deployment_id)
        for cached in self.deployments(tenant):
            if cached["id"] == wanted:
                return cached
        found = self._read_owned(f"/deployments/{wanted}", tenant)
        found["flow_name"] = self.flow_names([found["flow_id"]]).get(found["flow_id"], "")
        return found

    def flow_names(self, flow_ids: list[str]) -> dict[str, str]:
        """Flow id -> flow name (ids never change their name: cached for good)."""
        missing = sorted({i for i in flow_ids if i not in self._flow_names})
        if missing:
            flows = self._read("/flows/filter", {"flows": {"id": {"any_": missing}}})
            with self._lock:
                self._flow_names.update({f["id"]: f["name"] for f in flows})
        return {i: self._flow_names.get(i, "") for i in flow_ids}

    def start_run(
        self, tenant: str, deployment_id: str, parameters: dict[str, Any], *, request_key: str
    ) -> dict[str, Any]:
        """Create a run of the tenant's deployment; the tenant parameter stays the fixed one.

        `request_key` names the clerk's one press of "Lauf starten" (a token of the form).
        It becomes the run's idempotency key, so the server creates one run however often
        the same request arrives: a repeat after a lost answer, a double click, a reload of
        the posted form. The key holds tenant and deployment, so no key of one municipality
        can ever return another's run (Prefect keys are unique per flow, and the flows are
        shared), and the parameters, so the same form sent again with other values (the
        browser's back button keeps the token) is another run. The returned run is checked
        for tenant and deployment all the same.
        """
        deployment = self.deployment(tenant, deployment_id)
        params = {k: v for k, v in parameters.items() if k != "tenant"}
        if "tenant" in (deployment.get("parameter_openapi_schema") or {}).get("properties", {}):
            params["tenant"] = tenant
        run: dict[str, Any] = self._call(
            "POST",
            f"/deployments/{deployment['id']}/create_flow_run",
            {
                "parameters": params,
                "tags": [tenant_tag(tenant)],
                "idempotency_key": _start_key(tenant, deployment["id"], request_key, params),
            },
            repeatable=True,
        )
        if run.get("deployment_id") != deployment["id"] or not owned_by(run, tenant):
            raise PrefectRejectedError("Der Server nannte einen fremden Lauf.")
        return run

    # runs ------------------------------------------------------------------------
    def _run_filter(self, tenant: str, **extra: Any) -> dict[str, Any]:
        return {"tags": {"all_": [tenant_tag(tenant)]}, **extra}

    def count_runs(self, tenant: str) -> int:
        """How many runs the tenant has."""
        body = {"flow_runs": self._run_filter(tenant)}
        return self._cached(
            ("count", tenant),
            self._list_ttl,
            lambda: int(self._read("/flow_runs/count", body)),
        )

    def list_runs(self, tenant: str, *, offset: int, limit: int) -> list[dict[str, Any]]:
        """A page of the tenant's runs, newest first, with their flow names."""
        body = {
            "flow_runs": self._run_filter(tenant),
            "sort": "EXPECTED_START_TIME_DESC",
            "offset": offset,
            "limit": limit,
        }
        runs: list[dict[str, Any]] = self._cached(
            ("runs", tenant, offset, limit),
            self._list_ttl,
            lambda: self._read("/flow_runs/filter", body),
        )
        runs = [r for r in runs if owned_by(r, tenant)]
        names = self.flow_names([r["flow_id"] for r in runs])
        for r in runs:
            r["flow_name"] = names.get(r["flow_id"], "")
        return runs

    def run(self, tenant: str, run_id: str) -> dict[str, Any]:
        """One run of the tenant (NotFoundError for any other)."""
        key = ("run", tenant, _uuid(run_id))
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < self._final_ttl:
            cached: dict[str, Any] = hit[1]
            return cached
        found = self._read_owned(f"/flow_runs/{_uuid(run_id)}", tenant)
        found["flow_name"] = self.flow_names([found["flow_id"]]).get(found["flow_id"], "")
        if (found.get("state") or {}).get("type") in FINAL_STATES:
            with self._lock:
                self._cache[key] = (time.monotonic(), found)
        return found

    def paused_runs(self, tenant: str, flow_names: list[str]) -> list[dict[str, Any]]:
        """The tenant's paused runs of the given flows (waiting for a human), oldest first."""
        body = {
            "flow_runs": self._run_filter(tenant, state={"type": {"any_": ["PAUSED"]}}),
            "flows": {"name": {"any_": flow_names}},
            "sort": "EXPECTED_START_TIME_ASC",
            "limit": 200,
        }
        runs: list[dict[str, Any]] = self._cached(
            ("paused", tenant, tuple(flow_names)),
            self._list_ttl,
            lambda: self._read("/flow_runs/filter", body),
        )
        names = self.flow_names([r["flow_id"] for r in runs])
        for r in runs:
            r["flow_name"] = names.get(r["flow_id"], "")
        return [r for r in runs if owned_by(r, tenant)]

    def task_progress(self, run_id: str) -> tuple[int, int]:
        """(finished, all) task runs of a run: a simple progress measure."""
        base = {"flow_runs": {"id": {"any_": [run_id]}}}
        total = int(self._read("/task_runs/count", base))
        done = int(
            self._read(
                "/task_runs/count",
                {**base, "task_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}},
            )
        )
        return done, total

    def artifacts(self, run_id: str, *, final: bool = False) -> list[dict[str, Any]]:
        """The run's artifacts (tables, markdown, progress), newest first."""
        body = {"artifacts": {"flow_run_id": {"any_": [run_id]}}, "sort": "CREATED_DESC"}
        found: list[dict[str, Any]] = self._cached(
            ("artifacts", "", run_id),
            self._final_ttl if final else self._list_ttl,
            lambda: self._read("/artifacts/filter", body),
        )
        return found

    def resume(self, tenant: str, run_id: str, run_input: dict[str, Any]) -> None:
        """Resume the tenant's paused run with a typed input, as the Prefect UI does.

        Raises:
            NotFoundError: not a run of this tenant.
            PrefectRejectedError: the run does not wait, or the server refused the input.

        """
        run = self.run(tenant, run_id)
        answer = self._call("POST", f"/flow_runs/{run['id']}/resume", {"run_input": run_input})
        status = (answer or {}).get("status")
        if status != "ACCEPT":
            reason = ((answer or {}).get("details") or {}).get("reason") or status
            raise PrefectRejectedError(f"Der Lauf hat die Eingabe nicht angenommen: {reason}")

    def _read_owned(self, path: str, tenant: str) -> dict[str, Any]:
        found: dict[str, Any] = self._read(path)
        if not owned_by(found, tenant):
            raise NotFoundError(path)
        return found


def _uuid(value: str) -> str:
    """The id as a canonical UUID, or NotFoundError (never passes text into the API path)."""
    from uuid import UUID

    try:
        return str(UUID(value))
    except ValueError as exc:
        raise NotFoundError(value) from exc


def _start_key(tenant: str, deployment_id: str, request_key: str, params: dict[str, Any]) -> str:
    """The idempotency key of one press with these parameters (hashed: keys stay short)."""
    values = json.dumps(params, sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(f"{request_key}\n{values}".encode()).hexdigest()[:32]
    return f"amtsflow-web:{tenant}:{deployment_id}:{digest}"


def _unreachable(exc: httpx.HTTPError) -> str:
    return f"Prefect-Server nicht erreichbar ({exc})"


def _retry_after(response: httpx.Response) -> float:
    """The server's Retry-After in seconds (0 if none), at most 5 s: a clerk is waiting."""
    try:
        return min(max(float(response.headers.get("retry-after", "0")), 0.0), 5.0)
    except ValueError:
        return 0.0


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:500]
    detail = data.get("detail", data) if isinstance(data, dict) else data
    return str(detail)[:1000]
