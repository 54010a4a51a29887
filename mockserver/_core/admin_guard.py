"""Cross-site protection for the admin API (``/__mock/``).

A web page open in the user's browser can send requests to ``http://127.0.0.1:8000``;
a DNS-rebinding page can even read the answers, because the browser believes the page's
own host name points there. So the admin API trusts a request only when:

- its ``Host`` is one of the names the mock answers to (loopback names by default, plus
  the address it was told to bind, plus the host of the in-process base URL): a rebound
  name fails this;
- it carries no ``Origin`` from another site (browsers send ``Origin`` on every
  cross-site write, and on reads made with ``fetch``);
- a write with a body declares ``application/json`` (or YAML for scenario files): a page
  cannot send those cross-site without a CORS preflight, which the mock never grants.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

from mockserver._contract.errors import ApiError
from mockserver._core.exchange import LOOPBACK_HOSTS, RawRequest

__all__ = ["LOOPBACK_HOSTS", "check_content_type", "check_origin", "host_name"]
JSON_TYPES = ("application/json",)
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def host_name(value: str) -> str:
    """The host of a ``Host`` header or a URL authority, lower case, without port or
    brackets: ``[::1]:8000`` -> ``::1``."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value[1:]
    if value.count(":") == 1:
        return value.partition(":")[0]
    return value


def check_origin(raw: RawRequest, allowed_hosts: Collection[str]) -> None:
    """Raise the 403 that refuses `raw` when a page on another site (or a rebound name)
    sent it."""
    allowed = {host_name(h) for h in allowed_hosts}
    host = raw.headers.get("host")
    if host is not None and host_name(host) not in allowed:
        raise ApiError(
            403,
            f"the mock's admin API refuses Host {host!r}: it answers only requests addressed "
            f"to {', '.join(sorted(allowed))} (a page on another site must not drive it; "
            "serve with --allow-host NAME to add a name)",
            source="upstream",
            code="mock_forbidden_host",
        )
    origin = raw.headers.get("origin")
    if origin is not None and _origin_host(origin) not in allowed:
        raise ApiError(
            403,
            f"the mock's admin API refuses cross-site requests: Origin {origin!r} is not one "
            f"of {', '.join(sorted(allowed))}",
            source="upstream",
            code="mock_forbidden_origin",
        )


def _origin_host(origin: str) -> str:
    try:
        return host_name(urlsplit(origin.strip()).netloc) if "://" in origin else ""
    except ValueError:
        return ""


def check_content_type(raw: RawRequest, route: str) -> None:
    """Raise the 415 that refuses a write to `route` whose body is not declared JSON or
    YAML (the two forms of a scenario file)."""
    if raw.method not in _WRITES:
        return
    declared = raw.headers.get("content-type")
    if declared is None and not raw.body.strip():
        return  # a bodiless write (POST /__mock/reset, DELETE ...): nothing to smuggle
    accepted = JSON_TYPES + YAML_TYPES
    media = (declared or "").partition(";")[0].strip().lower()
    if media not in accepted:
        shown = f"{declared!r}" if declared is not None else "none"
        raise ApiError(
            415,
            f"the mock's admin API takes {' or '.join(accepted)} bodies on /__mock{route}; "
            f"got Content-Type {shown}",
            source="upstream",
            code="unsupported_media_type",
            headers={"accept": ", ".join(accepted)},
        )
