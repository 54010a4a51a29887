"""Every path the mock serves, declared in one table (as Starlette apps declare theirs).

`find` picks the route of a request; `Service.handle` calls its endpoint and stamps the
outcome. The chat route's endpoint is the one chat step (`chat.py`); ``/__mock/...`` is
the control plane (`admin.py`), mounted as one entry with routes of its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mockserver._contract import errors, jsonio, validation
from mockserver._contract.endpoint import CHAT_PATHS
from mockserver._control.journal import Entry
from mockserver._core import admin
from mockserver._core.chat import Chat
from mockserver._core.exchange import Config, Outcome, RawRequest


class Service(admin.Service, Protocol):
    """What the routes use of their `mockserver.Service` (the admin API's part, and more)."""

    @property
    def config(self) -> Config: ...
    @property
    def chat(self) -> Chat: ...
    def authenticate_if_keyed(self, headers: Mapping[str, str]) -> None: ...


__all__ = ["ADMIN_PREFIX", "CHAT_PATHS", "ROUTES", "Route", "find"]

Endpoint = Callable[[Service, RawRequest, Entry], Outcome]

ADMIN_PREFIX = "/__mock"
_GET = ("GET", "HEAD")


@dataclass(frozen=True, slots=True)
class Route:
    """One path (or, ending in ``/{rest}``, every path under a prefix) and what answers it."""

    path: str
    methods: tuple[str, ...] | None
    """Methods it answers (the first is the one its 405 names); None: the endpoint decides."""
    endpoint: Endpoint
    name: str | None
    """How the journal and /metrics name the answerer of its requests; None: the
    endpoint names it (the chat step: ``generator``, ``stub:...``, ``fault:...``)."""
    admin: bool = False
    """Part of the control plane: served only with ``Config.admin``."""
    journaled: bool = True

    @property
    def prefix(self) -> str | None:
        """For a route over a prefix (``/v1/models/{model}``): ``/v1/models/``."""
        head, brace, _ = self.path.partition("{")
        return head if brace else None


def _chat(service: Service, raw: RawRequest, entry: Entry) -> Outcome:
    return service.chat(raw, entry)


def _model(model: str) -> dict[str, Any]:
    # o3-mini's entry in OpenAI's model list (created 2025-01-17).
    return {"id": model, "object": "model", "created": 1737146383, "owned_by": "system"}


def _json(body: Any) -> Outcome:
    return Outcome(200, {"content-type": "application/json"}, jsonio.dumps(body))


def known_models() -> frozenset[str]:
    """The model ids the request schema accepts."""
    return frozenset(validation.schema("request")["properties"]["model"]["enum"])


def _models(service: Service, raw: RawRequest, entry: Entry) -> Outcome:
    service.authenticate_if_keyed(raw.headers)  # the real API wants a key here too
    return _json({"object": "list", "data": [_model(m) for m in sorted(known_models())]})


def _one_model(service: Service, raw: RawRequest, entry: Entry) -> Outcome:
    service.authenticate_if_keyed(raw.headers)
    path = raw.path.rstrip("/")
    model = path[path.index("/models/") + len("/models/") :]
    if model not in known_models():
        raise errors.unknown_model(model)
    return _json(_model(model))


def _health(service: Service, raw: RawRequest, entry: Entry) -> Outcome:
    return _json({"status": "ok", "profile": service.config.profile.name})


def _openapi(service: Service, raw: RawRequest, entry: Entry) -> Outcome:
    from mockserver._contract import openapi  # built on first use: it reads every schema

    return _json(openapi.document(service.config.profile))


def _metrics(service: Service, raw: RawRequest, entry: Entry) -> Outcome:
    return admin.metrics(service, raw)


def _control_plane(service: Service, raw: RawRequest, entry: Entry) -> Outcome:
    return admin.handle(service, raw, raw.path.rstrip("/"))


ROUTES: tuple[Route, ...] = (
    Route(CHAT_PATHS[0], ("POST",), _chat, None),
    Route(CHAT_PATHS[1], ("POST",), _chat, None),
    Route("/v1/models", _GET, _models, "models"),
    Route("/models", _GET, _models, "models"),
    Route("/v1/models/{model}", _GET, _one_model, "models"),
    Route("/models/{model}", _GET, _one_model, "models"),
    Route("/health", _GET, _health, "health"),
    Route("/openapi.json", _GET, _openapi, "openapi"),
    Route("/metrics", None, _metrics, "admin", admin=True),
    Route(ADMIN_PREFIX + "/{rest}", None, _control_plane, "admin", admin=True, journaled=False),
)

_EXACT: Mapping[str, Route] = {r.path: r for r in ROUTES if r.prefix is None}
_PREFIXED = tuple(r for r in ROUTES if r.prefix is not None)


def find(raw: RawRequest, *, admin_on: bool) -> Route | None:
    """The route of `raw`, or None when no route has its path. Trailing slashes do not
    count; a prefix route wants something after its prefix."""
    return _find(raw.path, admin_on)


@functools.lru_cache(maxsize=512)  # a client asks for the same few paths again and again
def _find(raw_path: str, admin_on: bool) -> Route | None:
    path = raw_path.rstrip("/") or "/"
    route = _EXACT.get(path)
    if route is None:
        for candidate in _PREFIXED:
            prefix = candidate.prefix
            assert prefix is not None
            if path.startswith(prefix) and len(path) > len(prefix):
                route = candidate
                break
    if route is None or (route.admin and not admin_on):
        return None
    return route


def check_method(route: Route, raw: RawRequest, service: Service) -> None:
    """A 405 naming the method the route wants, unless it answers `raw`'s."""
    if route.methods is not None and raw.method not in route.methods:
        path = raw.path.rstrip("/") or "/"
        raise errors.wrong_method(service.config.profile, raw.method, path, route.methods[:1])
