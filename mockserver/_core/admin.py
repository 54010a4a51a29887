"""The control plane over HTTP, under ``/__mock/``: journal, stubs, faults, reset.

Off with ``--no-admin``; with ``--admin-token T`` it wants ``Authorization: Bearer T``.
Bodies use the stubs-file format (``schemas/stubs.json``), so errors name their path.
"""

from __future__ import annotations

import hmac
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs

from mockserver._contract.errors import ApiError
from mockserver._control import scenario_export, scenario_files
from mockserver._control.faults import FaultQueue
from mockserver._control.journal import Journal
from mockserver._control.metrics import CONTENT_TYPE, Metrics
from mockserver._control.scenarios import Stubs
from mockserver._control.scopes import HEADER, Scopes
from mockserver._core import admin_guard
from mockserver._core.exchange import Outcome, RawRequest
from mockserver._generation import fixtures


class _Settings(Protocol):
    @property
    def admin_token(self) -> str | None: ...
    @property
    def allowed_hosts(self) -> frozenset[str]: ...
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
    def fixture_folders(self) -> tuple[Path, ...]: ...
    @property
    def metrics(self) -> Metrics: ...
    @property
    def scopes(self) -> Scopes: ...
    def load(self, scenario: scenario_files.Scenario) -> None: ...
    def reset(self) -> None: ...


def _guard(service: Service, raw: RawRequest) -> None:
    """What the admin API trusts (docs/explanation/security.md), for /__mock/ and /metrics alike."""
    admin_guard.check_origin(raw, service.config.allowed_hosts)
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
    body = service.metrics.render((len(journal), journal.bytes))
    return Outcome(200, {"content-type": CONTENT_TYPE}, body)


def handle(service: Service, raw: RawRequest, path: str) -> Outcome:
    route_path = path.removeprefix("/__mock")
    _guard(service, raw)
    route = _ROUTES.get((raw.method, route_path))
    if route is None and raw.method == "DELETE" and route_path.startswith("/stubs/"):
        route = _delete_stub

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
    admin_guard.check_content_type(raw, route_path)
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


YAML_TYPES = admin_guard.YAML_TYPES
"""Admin writes may be YAML, as a scenario file may be; everything else is read as JSON."""


def _document(raw: RawRequest) -> Any:
    media = raw.headers.get("content-type", "").split(";")[0].strip().lower()
    try:  # the reader of scenario files, with its limits (YAML aliases, nesting)
        return scenario_files.body(raw.body, yaml=media in YAML_TYPES)
    except scenario_files.SpecError as exc:
        raise ApiError(400, f"admin API: {exc}", source="upstream") from None


def _items(document: Any, key: str, *, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """A scenario document holding `key`, from the file's own shape ``{key: [...]}`` (what
    GET answers; other keys GET adds, such as ``usage``, are dropped unless kept), a list,
    or a single item."""
    if isinstance(document, dict) and key in document:
        return {key: document[key], **{k: document[k] for k in keep if k in document}}
    return {key: document if isinstance(document, list) else [document]}


def _load(service: Service, document: Any, source: str) -> scenario_files.Scenario:
    try:
        # Fixtures named over HTTP come only from the packaged fixtures and the folder of
        # the scenario file the operator started the mock with: never /etc, never ../..
        within = fixtures.roots(*service.fixture_folders)
        scenario = scenario_files.parse(document, source=source, within=within)
    except scenario_files.SpecError as exc:
        raise ApiError(400, str(exc), source="upstream", code="invalid_mock_scenario") from None
    service.load(scenario)
    return scenario


def _requests(service: Service, raw: RawRequest) -> tuple[int, Any]:
    query = {k: v[-1] for k, v in parse_qs(raw.query, keep_blank_values=True).items()}
    for name in ("status", "limit"):
        # isdigit() accepts "²" and 5,000 digits, which int() refuses: ASCII, at most 9.
        if name in query and not _WHOLE.fullmatch(query[name]):
            raise ApiError(
                400,
                f"admin API: query parameter {name} must be a whole number below 10^9; "
                f"got {query[name][:40]!r}",
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


_WHOLE = re.compile(r"[0-9]{1,9}")


def _clear_requests(service: Service, raw: RawRequest) -> tuple[int, Any]:
    service.journal.clear()
    return 200, {"cleared": "requests"}


def _stubs(service: Service, raw: RawRequest) -> tuple[int, Any]:
    return 200, scenario_export.stubs_document(service.stubs)


def _add_stubs(service: Service, raw: RawRequest) -> tuple[int, Any]:
    document = _items(_document(raw), "stubs", keep=("strict",))
    scenario = _load(service, document, "POST /__mock/stubs")
    return 201, {"added": [s.describe() for s in scenario.stubs]}


def _clear_stubs(service: Service, raw: RawRequest) -> tuple[int, Any]:
    service.stubs.clear()
    return 200, {"cleared": "stubs"}


def _delete_stub(service: Service, raw: RawRequest) -> tuple[int, Any]:
    key = raw.path.rstrip("/").split("/__mock/stubs/", 1)[-1]
    gone = service.stubs.remove(key)
    if not gone:
        known = ", ".join(s.name or f"#{s.number}" for s in service.stubs.all()) or "none"
        raise ApiError(
            404,
            f"admin API: no stub is named {key!r} (unnamed stubs go by their number, as in "
            f"/__mock/stubs/1); stubs: {known}",
            source="upstream",
        )
    return 200, {"deleted": [s.describe() for s in gone]}


def _faults(service: Service, raw: RawRequest) -> tuple[int, Any]:
    return 200, scenario_export.faults_document(service.faults)


def _add_faults(service: Service, raw: RawRequest) -> tuple[int, Any]:
    scenario = _load(service, _items(_document(raw), "faults"), "POST /__mock/faults")
    return 201, {"queued": len(scenario.faults)}


def _get_chaos(service: Service, raw: RawRequest) -> tuple[int, Any]:
    return 200, scenario_export.chaos_document(service.faults)


def _chaos(service: Service, raw: RawRequest) -> tuple[int, Any]:
    document = _document(raw)
    if isinstance(document, dict) and set(document) == {"chaos"}:
        document = document["chaos"]  # the shape GET /__mock/chaos answers
    _load(service, {"chaos": document}, "POST /__mock/chaos")
    return 201, {"chaos": "on"}


def _clear_chaos(service: Service, raw: RawRequest) -> tuple[int, Any]:
    service.faults.clear_chaos()
    return 200, {"cleared": "chaos"}


def _clear_faults(service: Service, raw: RawRequest) -> tuple[int, Any]:
    service.faults.clear()
    return 200, {"cleared": "faults"}


def _get_scenario(service: Service, raw: RawRequest) -> tuple[int, Any]:
    """Everything scripted now, as a scenario file (without use counts, so it POSTs back)."""
    stubs = scenario_export.stubs_document(service.stubs)
    document: dict[str, Any] = {"strict": stubs["strict"], "stubs": stubs["stubs"]}
    document.update(scenario_export.faults_document(service.faults))
    chaos = scenario_export.chaos_document(service.faults)["chaos"]
    if chaos is not None:
        document["chaos"] = chaos
    return 200, document


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


Handler = Callable[[Service, RawRequest], tuple[int, Any]]


@dataclass(frozen=True, slots=True)
class AdminRoute:
    """One route of the control plane, and what its OpenAPI description says."""

    method: str
    path: str
    """Below ``/__mock``."""
    handler: Handler
    summary: str
    body: str | None = None
    """The part of ``schemas/stubs.json`` a write takes (``#`` for a whole scenario file)."""
    query: tuple[tuple[str, str], ...] = ()
    """Query parameters a read takes: (name, what it does)."""


ROUTES: tuple[AdminRoute, ...] = (
    AdminRoute(
        "GET", "/requests", _requests, "The journal: every request, its verdict and its answer",
        query=(
            ("path", "only requests to this path"),
            ("status", "only answers with this status"),
            ("limit", "only the newest N"),
        ),
    ),
    AdminRoute("DELETE", "/requests", _clear_requests, "Empty the journal"),
    AdminRoute("GET", "/stubs", _stubs, "The stubs, with their use counts"),
    AdminRoute("POST", "/stubs", _add_stubs, "Add stubs", body="#/$defs/stub"),
    AdminRoute("DELETE", "/stubs", _clear_stubs, "Remove every stub"),
    AdminRoute("DELETE", "/stubs/{name}", _delete_stub, "Remove one stub, by name or number"),
    AdminRoute("GET", "/faults", _faults, "The queued faults"),
    AdminRoute("POST", "/faults", _add_faults, "Queue faults for the next requests", body="#/$defs/fault"),
    AdminRoute("DELETE", "/faults", _clear_faults, "Drop every queued fault"),
    AdminRoute("GET", "/chaos", _get_chaos, "The chaos setting"),
    AdminRoute("POST", "/chaos", _chaos, "Answer a seeded share of requests with faults", body="#/$defs/chaos"),
    AdminRoute("DELETE", "/chaos", _clear_chaos, "Turn chaos off"),
    AdminRoute("GET", "/scenario", _get_scenario, "Everything scripted, as a scenario file"),
    AdminRoute("POST", "/scenario", _scenario, "Load a scenario file (JSON or YAML)", body="#"),
    AdminRoute("POST", "/reset", _reset, "Back to the state at start (with x-mock-test-id: that scope only)"),
    AdminRoute("GET", "/openapi.json", lambda service, raw: (200, openapi()), "This document"),
)  # fmt: skip
"""The control plane's routes, in the order the documentation lists them."""

_ROUTES: Mapping[tuple[str, str], Handler] = {
    (r.method, r.path): r.handler for r in ROUTES if "{" not in r.path
}


def openapi() -> dict[str, Any]:
    """The control plane as an OpenAPI 3.1 document (``GET /__mock/openapi.json``), from
    `ROUTES`; request bodies refer to ``schemas/stubs.json``."""
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        operation: dict[str, Any] = {
            "summary": route.summary,
            "operationId": f"{route.method.lower()}_{route.path.strip('/').replace('/', '_').strip('{}')}",
            "responses": {
                "201" if route.method == "POST" and route.path != "/reset" else "200": {
                    "description": "done; the body says what changed",
                },
                "4XX": {"description": "the request is wrong; the body says why and where"},
            },
        }
        parameters = [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": text,
                "schema": {"type": "string"},
            }
            for name, text in route.query
        ]
        if "{name}" in route.path:
            parameters.append(
                {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
            )
        if parameters:
            operation["parameters"] = parameters
        if route.body is not None:
            schema = {"$ref": f"https://aimlapi-mockserver.invalid/schemas/stubs.json{route.body}"}
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": schema},
                    "application/yaml": {"schema": schema},
                },
            }
        paths.setdefault(f"/__mock{route.path}", {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "aimlapi-mockserver control plane",
            "version": "1",
            "description": "Script and read the mock under /__mock/: stubs, faults, chaos, "
            "scenario files, the journal. Loopback hosts only unless --allow-host; "
            "Authorization: Bearer <token> with --admin-token.",
        },
        "paths": paths,
    }
