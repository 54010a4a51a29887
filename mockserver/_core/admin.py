"""The control plane over HTTP, under ``/__mock/``: journal, stubs, faults, reset.

Off with ``--no-admin``; with ``--admin-token T`` it wants ``Authorization: Bearer T``.
Bodies use the stubs-file format (``schemas/stubs.json``), so errors name their path.
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import parse_qs

from mockserver._contract.errors import ApiError
from mockserver._control import scenario_files
from mockserver._control.faults import FaultQueue
from mockserver._control.journal import Journal
from mockserver._control.metrics import CONTENT_TYPE, Metrics
from mockserver._control.scenarios import Stubs
from mockserver._control.scopes import HEADER, Scopes
from mockserver._core.exchange import Outcome, RawRequest


class _Settings(Protocol):
    @property
    def admin_token(self) -> str | None: ...
    @property
    def workers(self) -> int: ...


class Service(Protocol):
    """What the admin API drives: the pipeline's control plane (`mockserver.Service`)."""

    @property
    def config(self) -> _Settings: ...
    @property
    def journal(self) -> Journal: ...
    @property
    def stubs(self) -> Stubs: ...
    @property
    def faults(self) -> FaultQueue: ...
    @property
    def metrics(self) -> Metrics: ...
    @property
    def scopes(self) -> Scopes: ...
    def load(self, scenario: scenario_files.Scenario) -> None: ...
    def reset(self) -> None: ...


def _guard(service: Service, raw: RawRequest) -> None:
    """What the admin API trusts (README "Security"), for /__mock/ and /metrics alike."""
    token = service.config.admin_token
    given = raw.headers.get("authorization", "").encode()
    if token is not None and not hmac.compare_digest(given, f"Bearer {token}".encode()):
        raise ApiError(
            401,
            "the mock's admin API wants 'Authorization: Bearer <admin token>'",
            source="upstream",
            code="invalid_admin_token",
        )


def metrics(service: Service, raw: RawRequest) -> Outcome:
    """``GET /metrics``: the Prometheus text format, under the admin API's protections."""
    if raw.method not in ("GET", "HEAD"):
        raise ApiError(
            405,
            f"Method {raw.method} is not allowed on /metrics; use GET",
            source="upstream",
            headers={"allow": "GET"},
        )
    _guard(service, raw)
    journal = service.journal
    body = service.metrics.render((len(journal), getattr(journal, "bytes", 0)))
    return Outcome(200, {"content-type": CONTENT_TYPE}, body)


def handle(service: Service, raw: RawRequest, path: str) -> Outcome:
    _guard(service, raw)
    route_path = path.removeprefix("/__mock")
    route = _ROUTES.get((raw.method, route_path))
    if route is None:
        allowed = [m for m, p in _ROUTES if p == route_path]
        if allowed:
            raise ApiError(
                405,
                f"Method {raw.method} is not allowed on {path}; use {', '.join(allowed)}",
                source="upstream",
                headers={"allow": ", ".join(allowed)},
            )
        known = ", ".join(f"{m} /__mock{p}" for m, p in _ROUTES)
        raise ApiError(
            404, f"no admin route {raw.method} {path}; routes: {known}", source="upstream"
        )
    workers = service.config.workers
    if raw.method != "GET" and workers > 1:
        raise ApiError(
            409,
            f"the mock runs {workers} worker processes that do not share run-time state, so "
            f"{raw.method} {path} would change one of them only; load stubs and faults at start "
            "(--stubs FILE) or serve with --workers 1",
            source="upstream",
            code="mock_workers_do_not_share_state",
        )
    status, body = route(service, raw)
    return Outcome(status, {"content-type": "application/json"}, json.dumps(body).encode())


def _document(raw: RawRequest) -> Any:
    try:
        return json.loads(raw.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"admin API: the body is not JSON: {exc}", source="upstream") from None


def _load(service: Service, document: Any, source: str) -> scenario_files.Scenario:
    try:
        scenario = scenario_files.parse(document, source=source)
    except scenario_files.SpecError as exc:
        raise ApiError(400, str(exc), source="upstream", code="invalid_mock_scenario") from None
    service.load(scenario)
    return scenario


def _requests(service: Service, raw: RawRequest) -> tuple[int, Any]:
    query = {k: v[-1] for k, v in parse_qs(raw.query, keep_blank_values=True).items()}
    for name in ("status", "limit"):
        if name in query and not query[name].isdigit():
            raise ApiError(
                400,
                f"admin API: query parameter {name} must be a whole number; got {query[name]!r}",
                source="upstream",
                param=name,
            )
    entries = service.journal.entries()
    if "path" in query:
        entries = [e for e in entries if e.path == query["path"]]
    if "status" in query:
        entries = [e for e in entries if e.status == int(query["status"])]
    if "limit" in query:
        # The newest `limit` entries; slicing with [-0:] would return them all.
        limit = int(query["limit"])
        entries = entries[len(entries) - limit :] if limit < len(entries) else entries
    found: dict[str, Any] = {"requests": [e.as_dict() for e in entries], "count": len(entries)}
    if service.config.workers > 1:
        found["partial"] = (
            f"this journal holds the requests of one worker (pid {os.getpid()}) of "
            f"{service.config.workers}; each worker keeps its own"
        )
    return 200, found


def _clear_requests(service: Service, raw: RawRequest) -> tuple[int, Any]:
    service.journal.clear()
    return 200, {"cleared": "requests"}


def _stubs(service: Service, raw: RawRequest) -> tuple[int, Any]:
    return 200, {
        "strict": service.stubs.strict,
        "stubs": [
            {
                "name": s.describe(),
                "used": s.used,
                "times": s.times,
                "priority": s.priority,
                "exhausted": s.exhausted,
            }
            for s in service.stubs.all()
        ],
    }


def _add_stubs(service: Service, raw: RawRequest) -> tuple[int, Any]:
    document = _document(raw)
    items = document if isinstance(document, list) else [document]
    scenario = _load(service, {"stubs": items}, "POST /__mock/stubs")
    return 201, {"added": [s.describe() for s in scenario.stubs]}


def _clear_stubs(service: Service, raw: RawRequest) -> tuple[int, Any]:
    service.stubs.clear()
    return 200, {"cleared": "stubs"}


def _add_faults(service: Service, raw: RawRequest) -> tuple[int, Any]:
    document = _document(raw)
    items = document if isinstance(document, list) else [document]
    scenario = _load(service, {"faults": items}, "POST /__mock/faults")
    return 201, {"queued": len(scenario.faults)}


def _chaos(service: Service, raw: RawRequest) -> tuple[int, Any]:
    _load(service, {"chaos": _document(raw)}, "POST /__mock/chaos")
    return 201, {"chaos": "on"}


def _clear_faults(service: Service, raw: RawRequest) -> tuple[int, Any]:
    service.faults.clear()
    return 200, {"cleared": "faults"}


def _scenario(service: Service, raw: RawRequest) -> tuple[int, Any]:
    scenario = _load(service, _document(raw), "POST /__mock/scenario")
    return 201, {"stubs": len(scenario.stubs), "faults": len(scenario.faults)}


def _reset(service: Service, raw: RawRequest) -> tuple[int, Any]:
    test_id = raw.headers.get(HEADER)
    if test_id:
        service.scopes.drop(test_id)
        return 200, {"reset": True, "test_id": test_id}
    service.reset()
    return 200, {"reset": True}


_ROUTES: Mapping[tuple[str, str], Callable[[Service, RawRequest], tuple[int, Any]]] = {
    ("GET", "/requests"): _requests,
    ("DELETE", "/requests"): _clear_requests,
    ("GET", "/stubs"): _stubs,
    ("POST", "/stubs"): _add_stubs,
    ("DELETE", "/stubs"): _clear_stubs,
    ("POST", "/faults"): _add_faults,
    ("DELETE", "/faults"): _clear_faults,
    ("POST", "/chaos"): _chaos,
    ("POST", "/scenario"): _scenario,
    ("POST", "/reset"): _reset,
}
