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


def limits() -> str:
    """Every bound the mock applies, read from the constants that apply it."""
    import sys

    from mockserver._contract import strict_json, timed_regex
    from mockserver._control import faults, scenario_files, scopes
    from mockserver._control.journal import KEPT_CHARS
    from mockserver._core import chat
    from mockserver._core.exchange import Config
    from mockserver._generation import budget, fixtures, warm

    config = Config()
    rows = [
        ("request body", _size(config.max_body_bytes), "413, as soon as the limit is crossed",
         "`--max-body-bytes`, `max_body_bytes=`"),
        ("JSON nesting", f"{strict_json.MAX_DEPTH} levels of objects and arrays",
         "400 naming the problem", "chat and admin bodies, scenario files, Python stubs"),
        ("JSON containers", f"{strict_json.MAX_CONTAINERS:,} objects and arrays in one body",
         "400", "chat and admin bodies"),
        ("JSON numbers", f"finite doubles; integers of up to {sys.get_int_max_str_digits():,} "
         "digits", "400 naming the number", "everywhere"),
        ("one generated string", f"{budget.MAX_STRING_LENGTH:,} characters (`minLength`, "
         "`pattern`)", "400 `invalid_function_parameters` or `invalid_json_schema`",
         "tool arguments, `json_schema` content"),
        ("one generated array / object", f"{budget.MAX_ITEMS:,} items (`minItems`) / "
         f"{budget.MAX_PROPERTIES:,} properties (`minProperties`)", "the same", "the same"),
        ("one generated value", f"{budget.MAX_OUTPUT_CHARS:,} characters of strings in all",
         "the same", "the same"),
        ("generation time", f"{budget.GENERATION_SECONDS:g} s per request, all choices and "
         "tools together", "the same", "the same"),
        ("a regular expression", f"{timed_regex.REGEX_SECONDS:g} s per search; "
         f"{timed_regex.MAX_PATTERN_SIZE:,} characters, counted repeats unrolled",
         "a schema `pattern`: 400; `last_user_regex`: refused when written if too large, no "
         "match when a search runs out of time", "schema patterns, `last_user_regex`"),
        ("scripted delays", f"{faults.MAX_DELAY_SECONDS:g} s each (`ttft`, `between`, "
         "`jitter`)", "refused where the fault is written: 400 or `ValueError`",
         "faults in Python, files, the admin API, the header"),
        ("`retry_after` / `retry_after_ms`", f"{int(faults.MAX_RETRY_AFTER_SECONDS):,} s / "
         f"{int(faults.MAX_RETRY_AFTER_SECONDS * 1000):,} ms", "the same", "the same"),
        ("`x-mock-scenario` header", f"{scenario_files.MAX_HEADER_CHARS:,} characters",
         "400 `invalid_mock_scenario`", "request header"),
        ("`x-mock-test-id` header", f"{scopes.MAX_ID_LENGTH} characters; "
         f"{scopes.MAX_SCOPES} scopes alive at once", "400 `invalid_mock_test_id`; the scope "
         "used least recently is dropped", "request header"),
        ("a fixture file", f"a regular file of at most {_size(fixtures.MAX_FIXTURE_BYTES)}",
         "scenario files and the admin API: refused when loaded; `FromFixture` in Python: "
         "500 `mock_fixture_unreadable` when served", "fixtures that stubs name"),
        ("the journal", f"{config.journal_size:,} entries and {_size(config.journal_bytes)} of "
         f"bodies; a body over 1/64 of that is kept with each string beyond {KEPT_CHARS:,} "
         "characters cut", "the oldest entries go first; `notes.body_truncated` says so",
         "`--journal-size`, `--journal-bytes`"),
        ("answers remembered for bodies that come again", f"bodies up to "
         f"{_size(chat.REMEMBER_BYTES)}, {chat.REMEMBER_BODIES} of them; {warm.TEMPLATES:,} "
         f"rendered answers, at most {_size(warm.TEMPLATE_BYTES)} of them",
         "the oldest are forgotten (answers stay the same)", "server and in process"),
    ]  # fmt: skip
    lines = ["| what | limit | beyond it | where |", "|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    return "\n".join(lines)


def _size(n: int) -> str:
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n:,} bytes"


GENERATORS: Mapping[str, Callable[[], str]] = {
    "cli": cli,
    "marker-options": marker_options,
    "fixtures": fixtures,
    "pytest-options": pytest_options,
    "admin-api": admin_api,
    "scenario-format": scenario_format,
    "errors": errors,
    "metrics": metrics,
    "limits": limits,
}
