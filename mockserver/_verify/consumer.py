"""Consumer-driven contracts (Pact's idea, for one LLM endpoint).

`Recorder` listens to every mock in the test session and writes what the client relied
on: each distinct request shape it sent (model, parameters, message roles, tools and
their schemas, response format, stream options, with the first request of that shape as
the example to replay) and each response variant it was tested against; the answers of
its negative tests (scripted faults and errors, broken streams, answers to invalid
requests) are kept apart, under ``negative``, so that they never widen what a provider may
answer. `replay` sends each example to a provider and checks that the answer is one of the
accepted variants and satisfies the schemas: the completion, stream or error schema, the
tools' parameter schemas and the response format's schema. `union` joins the parts that
pytest-xdist workers record.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from mockserver._contract import folding, response_variants, sse, validation
from mockserver._contract.response_variants import Variant
from mockserver._control import documents, taps
from mockserver._control.journal import Entry
from mockserver._verify.runner import Result
from mockserver._verify.target import BudgetExhausted, Exchange, NoAnswer, Target

FORMAT = "aimlapi-mockserver/consumer-contract"
VERSION = 1

# The request fields a shape names on their own; every other one is a "parameter".
_OWN_FIELDS = (
    "model",
    "messages",
    "stream",
    "stream_options",
    "tools",
    "tool_choice",
    "response_format",
)


def shape_of(request: Mapping[str, Any]) -> dict[str, Any]:
    """The request shape of a valid chat-completion body."""
    return {
        "model": request["model"],
        "stream": request.get("stream") is True,
        "stream_options": request.get("stream_options"),
        "parameters": sorted(k for k in request if k not in _OWN_FIELDS),
        "roles": [m["role"] for m in request["messages"]],
        "tools": request.get("tools") or [],
        "tool_choice": request.get("tool_choice"),
        "response_format": request.get("response_format"),
    }


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


# Stream framings that say the stream broke: a provider sending one is not answering.
_BROKEN = frozenset({"malformed", "dropped", "no_done", "error_event"})


def negative(entry: Entry, variant: Variant) -> bool:
    """Whether the answer came from a negative test: a fault shaped it (queued, chaos, a
    stub's, the ``x-mock-scenario`` header), a stub or cassette scripted an error or a broken
    stream, or the client's request was invalid. The client was tested to survive such an
    answer, not to accept it from a provider."""
    if "fault" in entry.notes or not entry.valid:
        return True
    scripted = entry.answered_by.startswith(("stub", "cassette"))
    return scripted and (
        variant["status"] >= 400 or bool(_BROKEN & set(variant.get("framing", ())))
    )


class Recorder:
    """Collects request shapes and response variants from every mock's answers; those of
    negative tests (`negative`) apart."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[str, dict[str, Any]] = {}
        self._variants: dict[str, Variant] = {}
        self._negative: dict[str, Variant] = {}
        self._stop: Any = None

    def __enter__(self) -> Recorder:
        self._stop = taps.listen(self.add)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def add(self, entry: Entry, answer: taps.Answer) -> None:
        """Take one answered chat request into the contract."""
        if not entry.path.rstrip("/").endswith("/chat/completions") or entry.method != "POST":
            return
        content_type = answer.headers.get("content-type", "")
        variant = response_variants.of_answer(
            answer.status, content_type, answer.body, dropped=answer.dropped
        )
        with self._lock:
            kept = self._negative if negative(entry, variant) else self._variants
            kept.setdefault(_key(variant), variant)
            # A request the schema rejects is a client bug the plugin reports; it is no
            # shape the provider is expected to answer.
            if entry.valid and isinstance(entry.body, dict):
                shape = shape_of(entry.body)
                found = self._requests.setdefault(
                    _key(shape), {"shape": shape, "example": entry.body, "count": 0}
                )
                found["count"] += 1

    def contract(self) -> dict[str, Any]:
        with self._lock:
            requests = sorted(self._requests.values(), key=lambda r: _key(r["shape"]))
            variants = sorted(self._variants.values(), key=_key)
            negatives = sorted(self._negative.values(), key=_key)
        return {
            "format": FORMAT,
            "version": VERSION,
            "requests": requests,
            "responses": variants,
            "negative": negatives,
        }

    def write(self, path: str | Path) -> None:
        write(path, self.contract())


def write(path: str | Path, contract: Mapping[str, Any]) -> None:
    text = json.dumps(contract, indent=2, ensure_ascii=False, sort_keys=True)
    Path(path).write_text(text + "\n", "utf-8")


def union(contracts: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One contract holding what all of `contracts` hold (each a part written by one
    pytest-xdist worker): request shapes with their counts summed and the first part's
    example, every response variant, the negative ones apart."""
    requests: dict[str, dict[str, Any]] = {}
    variants: dict[str, Any] = {}
    negatives: dict[str, Any] = {}
    for part in contracts:
        for item in part.get("requests", ()):
            found = requests.setdefault(_key(item["shape"]), {**item, "count": 0})
            found["count"] += item["count"]
        for variant in part.get("responses", ()):
            variants.setdefault(_key(variant), variant)
        for variant in part.get("negative", ()):
            negatives.setdefault(_key(variant), variant)
    return {
        "format": FORMAT,
        "version": VERSION,
        "requests": sorted(requests.values(), key=lambda r: _key(r["shape"])),
        "responses": sorted(variants.values(), key=_key),
        "negative": sorted(negatives.values(), key=_key),
    }


class ContractError(ValueError):
    """The contract file cannot be used; the message says why and where."""


def load(path: str | Path) -> dict[str, Any]:
    """Read and validate a contract file (schemas/contract.json)."""
    try:
        value = documents.load(path)
    except (documents.Refused, documents.Unreadable) as exc:
        raise ContractError(str(exc)) from None
    found = validation.validate("contract", value)
    if any(v.path == "requests" and v.rule == "minItems" for v in found):
        raise ContractError(
            f"{path}: the contract holds no request shape, so there is nothing to verify: "
            "the tests that wrote it sent no valid chat-completion request"
        )
    if found:
        raise ContractError(f"{path}: " + "; ".join(str(v) for v in found[:5]))
    contract: dict[str, Any] = value
    return contract


def describe_shape(shape: Mapping[str, Any]) -> str:
    """``o3-mini stream developer,user,assistant,tool tools=get_weather response_format=...``."""
    words = [shape["model"], "stream" if shape["stream"] else "plain", ",".join(shape["roles"])]
    if shape["tools"]:
        names = [t.get("function", {}).get("name", "?") for t in shape["tools"]]
        words.append("tools=" + ",".join(names))
    if shape["response_format"]:
        words.append(f"response_format={shape['response_format'].get('type')}")
    if shape["parameters"]:
        words.append("+" + ",".join(shape["parameters"]))
    return " ".join(words)


def replay(target: Target, contract: Mapping[str, Any]) -> list[Result]:
    """Send each request shape's example; one result per shape."""
    variants = {_key(v) for v in contract["responses"]}
    negatives = {_key(v) for v in contract.get("negative", ())}
    known = [response_variants.describe(v) for v in contract["responses"]]
    results = []
    for item in contract["requests"]:
        result = Result(describe_shape(item["shape"]))
        started = time.perf_counter()
        try:
            answer = target.post(item["example"])
            problems = check_answer(answer, item["example"], variants, known, negatives)
        except BudgetExhausted as exc:
            result.incomplete = str(exc)
        except NoAnswer as exc:
            result.failure, result.exchange = str(exc), target.last
        else:
            result.checked = 1
            if problems:
                result.failure, result.exchange = "; ".join(problems), answer
        result.seconds = time.perf_counter() - started
        results.append(result)
    return results


def check_answer(
    answer: Exchange,
    request: Mapping[str, Any],
    variants: set[str],
    known: list[str],
    negatives: Collection[str] = (),
) -> list[str]:
    """What is wrong with `answer` to `request`: a variant the client was never tested
    with (or met only in its negative tests), or a schema it breaks."""
    variant = response_variants.of_answer(answer.status, answer.content_type, answer.body)
    problems = []
    accepted = "; ".join(known)
    if _key(variant) in negatives and _key(variant) not in variants:
        problems.append(
            f"answered with {response_variants.describe(variant)}, which the client met only "
            f"in its negative tests (a scripted fault or error), not as an answer to accept "
            f"(it accepts: {accepted})"
        )
    elif _key(variant) not in variants:
        problems.append(
            f"answered with {response_variants.describe(variant)}, which the client was never "
            f"tested with (it was tested with: {accepted})"
        )
    kind = variant["kind"]
    if kind == "error":
        found = validation.validate_error(_json(answer.body))
    elif kind == "stream":
        found = validation.validate_transcript(answer.body)
    elif kind == "completion":
        found = validation.validate_completion(_json(answer.body))
    else:
        found = []
    problems += [f"{kind}: {v}" for v in found[:5]]
    if not found and kind in ("completion", "stream"):
        problems += _schemas_kept(_completion(kind, answer.body), request)
    return problems


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


def _completion(kind: str, body: bytes) -> dict[str, Any]:
    if kind == "completion":
        value: dict[str, Any] = json.loads(body)
        return value
    chunks = [json.loads(e.data) for e in sse.decode(body) if e.data != sse.DONE]
    return folding.fold(c for c in chunks if not c.get("error"))


def _schemas_kept(completion: Mapping[str, Any], request: Mapping[str, Any]) -> list[str]:
    """Tool calls name offered tools with arguments valid against their parameters; content
    follows the response format."""
    tools = {
        t["function"]["name"]: t["function"].get("parameters")
        for t in request.get("tools") or ()
        if t.get("type") == "function"
    }
    problems = []
    for choice in completion.get("choices", ()):
        message = choice.get("message") or {}
        where = f"choices[{choice.get('index', 0)}].message"
        for i, call in enumerate(message.get("tool_calls") or ()):
            function = call.get("function") or {}
            name = function.get("name")
            if name not in tools:
                problems.append(f"{where}.tool_calls[{i}] calls {name!r}, not an offered tool")
                continue
            problems += _against(
                function.get("arguments"), tools[name], f"{where}.tool_calls[{i}].arguments"
            )
        format_ = request.get("response_format") or {}
        content = message.get("content")
        if content and choice.get("finish_reason") == "stop":
            if format_.get("type") == "json_schema":
                schema = (format_.get("json_schema") or {}).get("schema")
                problems += _against(content, schema, f"{where}.content")
            elif format_.get("type") == "json_object":
                problems += _against(content, {"type": "object"}, f"{where}.content")
    return problems


def _against(text: Any, schema: Any, where: str) -> list[str]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return [f"{where} is not JSON: {str(text)[:120]!r}"]
    if not isinstance(schema, dict):
        return []
    try:
        errors: Iterable[Any] = Draft202012Validator(schema).iter_errors(value)
        return [f"{where}: {e.message}" for e in list(errors)[:3]]
    except SchemaError:  # the client's own schema is broken: not the provider's fault
        return []
