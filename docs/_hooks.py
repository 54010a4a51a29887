"""MkDocs hooks: the reference pages are generated from the code at build time, so they
cannot drift from it. A page writes ``<!-- generated: NAME -->`` and the build replaces it
with what ``GENERATORS[NAME]`` returns; an unknown NAME fails the build."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

_MARK = re.compile(r"<!-- generated: ([a-z-]+) -->")


def on_page_markdown(markdown: str, **_: Any) -> str:
    return _MARK.sub(lambda m: GENERATORS[m.group(1)](), markdown)


# ---- the command line ----------------------------------------------------------------------


def cli() -> str:
    """Every command's help, as `mockserver COMMAND --help` prints it."""
    from mockserver._cli import main

    parser = main._parser()
    sections = [f"```text\n$ mockserver --help\n{_help(parser)}```"]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                sections.append(
                    f"## mockserver {name}\n\n```text\n$ mockserver {name} --help\n"
                    f"{_help(command)}```"
                )
    return "\n\n".join(sections)


def _help(parser: argparse.ArgumentParser) -> str:
    # A fixed width, so that the page reads the same whatever terminal builds it.
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=88)
    return parser.format_help()


# ---- pytest -----------------------------------------------------------------------------------


def marker_options() -> str:
    from mockserver._plugin import options

    return options.table()


def fixtures() -> str:
    import mockserver.pytest_plugin as plugin

    rows = ["| fixture | scope | what it gives |", "|---|---|---|"]
    for name, scope in (
        ("aimlapi_mock", "function"),
        ("aimlapi_server", "function"),
        ("aimlapi_live_server", "session"),
    ):
        doc = " ".join((getattr(plugin, name).__doc__ or "").split()).replace("``", "`")
        rows.append(f"| `{name}` | {scope} | {doc} |")
    return "\n".join(rows)


def pytest_options() -> str:
    """The command-line options the plugin adds to pytest."""
    import mockserver.pytest_plugin as plugin

    rows = ["| option | what it does |", "|---|---|"]

    class Recorder:  # what pytest_addoption declares, as pytest's parser would take it
        def getgroup(self, *args: Any, **kwargs: Any) -> Recorder:
            return self

        def addoption(self, *names: str, **attrs: Any) -> None:
            text = str(attrs.get("help", "")).replace("%(default)s", str(attrs.get("default")))
            rows.append(f"| {', '.join(f'`{n}`' for n in names)} | {text} |")

        def addini(self, name: str, text: str, **attrs: Any) -> None:
            rows.append(f"| `{name}` (ini option) | {text} |")

    plugin.pytest_addoption(Recorder())  # type: ignore[arg-type]
    return "\n".join(rows)


# ---- the control plane ---------------------------------------------------------------------


def admin_api() -> str:
    """The admin API, from the OpenAPI document the control plane serves."""
    from mockserver._core import admin

    document = admin.openapi()
    rows = ["| method | path | what it does | body |", "|---|---|---|---|"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = ""
            if "requestBody" in operation:
                ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                part = ref.partition("#")[2].removeprefix("/$defs/") or "a whole scenario file"
                body = f"[{part}](scenario-files.md)"
            query = ", ".join(
                f"`{p['name']}`" for p in operation.get("parameters", ()) if p["in"] == "query"
            )
            summary = operation["summary"] + (f" (query: {query})" if query else "")
            rows.append(f"| {method.upper()} | `{path}` | {summary} | {body} |")
    return "\n".join(rows)


def scenario_format() -> str:
    """schemas/stubs.json, one table per object."""
    from mockserver import schemas

    schema = schemas.schema("stubs")
    sections = [_object_table("A scenario file", schema)]
    for name, node in schema["$defs"].items():
        sections.append(_object_table(f"`{name}`", node))
    return "\n\n".join(sections)


def _object_table(title: str, node: Mapping[str, Any]) -> str:
    lines = [f"### {title}", ""]
    if node.get("description"):
        lines += [node["description"], ""]
    properties = node.get("properties", {})
    if properties:
        required = set(node.get("required", ()))
        lines += ["| key | type | what it is |", "|---|---|---|"]
        for key, value in properties.items():
            mark = " (required)" if key in required else ""
            text = " ".join(str(value.get("description", "")).split())
            lines.append(f"| `{key}`{mark} | {_type(value)} | {text} |")
    return "\n".join(lines)


def _type(node: Mapping[str, Any]) -> str:
    if "$ref" in node:
        target = node["$ref"].rpartition("/")[2]
        return f"[{target}](#{target})"
    if "enum" in node:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in node["enum"])
    for key in ("oneOf", "anyOf"):
        if key in node:
            return " or ".join(_type(n) for n in node[key])
    kind = node.get("type", "any")
    if kind == "array" and "items" in node:
        return f"list of {_type(node['items'])}"
    return " or ".join(kind) if isinstance(kind, list) else str(kind)


# ---- what the mock answers -------------------------------------------------------------------


def errors() -> str:
    """Each scripted error status: its documented text and the body each profile sends."""
    from mockserver._contract import errors as texts
    from mockserver._contract.profiles import PROFILES

    rows = ["| status | message | type | code |", "|---|---|---|---|"]
    for status, (message, kind, code) in sorted(texts.STATUS_TEXTS.items()):
        rows.append(f"| {status} | {message} | `{kind}` | `{code}` |")
    samples = []
    for profile in PROFILES.values():
        body = texts.for_status(429).body(profile, "/v1/chat/completions", "req_0123", 1.79e9)
        samples.append(f"`{profile.name}` profile:\n\n```json\n{json.dumps(body, indent=2)}\n```")
    return (
        "\n".join(rows) + "\n\nA scripted 429, as each profile sends it:\n\n" + "\n\n".join(samples)
    )


def metrics() -> str:
    """The families `GET /metrics` exposes."""
    from mockserver._control.metrics import Metrics

    text = Metrics().render((0, 0)).decode()
    helps = dict(re.findall(r"^# HELP (\S+) (.*)$", text, re.M))
    rows = ["| metric | type | what it counts |", "|---|---|---|"]
    for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M):
        rows.append(f"| `{name}` | {kind} | {helps.get(name, '')} |")
    return "\n".join(rows)


GENERATORS: Mapping[str, Callable[[], str]] = {
    "cli": cli,
    "marker-options": marker_options,
    "fixtures": fixtures,
    "pytest-options": pytest_options,
    "admin-api": admin_api,
    "scenario-format": scenario_format,
    "errors": errors,
    "metrics": metrics,
}
