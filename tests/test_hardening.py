"""Never a 500, never a hang: bad input of every kind gets the provider's 4xx, in process
and over HTTP alike, and a pathological request neither stops the server nor waits for ever.

Each case here failed before (a 500, a dropped connection, a server that stopped
answering); `Service.internal_errors` counts requests only the last-resort guard caught,
and every test asserts it stayed at zero."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from helpers import AUTH, ask, post
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver import Config, Fault, Latency, Raw, Service, mock_aimlapi
from mockserver._adapters.server import LiveServer
from mockserver._cli import main as cli
from mockserver._contract import profiles, strict_json, timed_regex
from mockserver._control import scenario_files
from mockserver._generation import budget

CHAT = "/v1/chat/completions"


def _schema_request(schema: Any) -> dict[str, Any]:
    return ask(
        response_format={"type": "json_schema", "json_schema": {"name": "s", "schema": schema}}
    )


def _tool_request(parameters: Any) -> dict[str, Any]:
    tool = {"type": "function", "function": {"name": "f", "parameters": parameters}}
    return ask(tools=[tool], tool_choice="required")


def _raw(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


SEED = b'{"model":"o3-mini","messages":[{"role":"user","content":"Hi"}]'

# name: (body, status, a phrase the error message holds (aimlapi profile))
BAD: dict[str, tuple[bytes, int, str]] = {
    "100,000 nested arrays": (b"[" * 100_000, 400, "nest deeper than 64"),
    "100,000 nested objects": (b'{"a":' * 100_000, 400, "nest deeper than 64"),
    "deep inside a valid request": (
        SEED + b',"metadata":' + b"[" * 5000 + b"]" * 5000 + b"}",
        400,
        "nest deeper",
    ),
    "an integer of 5,000 digits": (SEED + b',"seed":' + b"7" * 5000 + b"}", 400, "4300 digits"),
    "NaN": (SEED + b',"max_tokens":NaN}', 400, "NaN is not JSON"),
    "Infinity": (SEED + b',"seed":-Infinity}', 400, "-Infinity is not JSON"),
    "1e400": (SEED + b',"max_tokens":1e400}', 400, "1e400 is out of range"),
    "a tool schema with minimum 1e400": (
        _raw(_tool_request({"type": "object", "properties": {"a": {"minimum": 1}}})).replace(
            b'"minimum": 1', b'"minimum": 1e400'
        ),
        400,
        "out of range",
    ),
    "a lone surrogate in content": (
        b'{"model":"o3-mini","messages":[{"role":"user","content":"a\\ud800"}]}',
        400,
        "messages[0].content: holds a lone surrogate",
    ),
    "a lone surrogate in the model": (
        b'{"model":"\\udfff","messages":[{"role":"user","content":"a"}]}',
        400,
        "model: holds a lone surrogate",
    ),
    "a lone surrogate in a key": (SEED + b',"\\ud800x":1}', 400, "lone surrogate"),
    "800,000 empty objects": (b"[" + b"{}," * 800_000 + b"{}]", 400, "at most 100000"),
    "contradictory lengths": (
        _raw(_schema_request({"type": "string", "minLength": 5, "maxLength": 2})),
        400,
        "Invalid schema for response_format 's': $: minLength 5 is greater than maxLength 2",
    ),
    "a self $ref": (_raw(_schema_request({"$ref": "#"})), 400, "$ref '#' recurses"),
    "an invalid regex": (
        _raw(_schema_request({"type": "string", "pattern": "(("})),
        400,
        "$.pattern: '((' is not a 'regex'",
    ),
    "a backreference": (
        _raw(_schema_request({"type": "string", "pattern": "(a)\\1"})),
        400,
        "unsupported escape",
    ),
    "inline flags": (
        _raw(_schema_request({"type": "string", "pattern": "(?i)abc"})),
        400,
        "inline flags",
    ),
    "a unicode property": (
        _raw(_schema_request({"type": "string", "pattern": "\\p{L}+"})),
        400,
        "is not a 'regex'",
    ),
    "minLength of a billion": (
        _raw(_schema_request({"type": "string", "minLength": 1_000_000_000})),
        400,
        "more than the mock writes in one string (10000",
    ),
    "a pattern of a billion characters": (
        _raw(_schema_request({"type": "string", "pattern": "^a{1000000000}$"})),
        400,
        "too many characters",
    ),
    "a pattern that unrolls to a million": (
        _raw(_schema_request({"type": "string", "pattern": "^(a{1000}){1000}$"})),
        400,
        "more than 10000 characters",
    ),
    "minItems of a billion": (
        _raw(_schema_request({"type": "array", "minItems": 1_000_000_000})),
        400,
        "needs at least 1000000000 items",
    ),
    "an unsatisfiable tool schema": (
        _raw(
            _tool_request(
                {
                    "type": "object",
                    "properties": {"a": {"type": "string", "minLength": 5, "maxLength": 2}},
                    "required": ["a"],
                }
            )
        ),
        400,
        "Invalid schema for function 'f': $.a: minLength 5 is greater than maxLength 2",
    ),
}


@pytest.fixture(scope="module")
def live() -> Iterator[dict[str, LiveServer]]:
    servers = {
        p: LiveServer(Service(Config(profile=profiles.get(p), seed=0)))
        for p in ("aimlapi", "openai")
    }
    for server in servers.values():
        server.start()
    yield servers
    for server in servers.values():
        server.stop()


def _shape(response: httpx.Response) -> tuple[int, str, Any]:
    """Status, message and param, without what differs per request (ids, timestamps)."""
    body = response.json()
    error = body.get("error", body)
    return response.status_code, error["message"], error.get("param")


@pytest.mark.parametrize("profile", ["aimlapi", "openai"])
@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_gets_the_same_4xx_in_process_and_over_http(
    name: str, profile: str, live: dict[str, LiveServer]
) -> None:
    body, status, phrase = BAD[name]
    headers = {**AUTH}
    with mock_aimlapi(profile=profile) as mock, httpx.Client() as client:
        in_process = client.post(mock.base_url + "/chat/completions", content=body, headers=headers)
        assert mock.service.internal_errors == 0
    server = live[profile]
    over_http = httpx.post(server.url + CHAT, content=body, headers=headers, timeout=30)
    assert server.service.internal_errors == 0
    assert _shape(in_process) == _shape(over_http)
    assert over_http.status_code == status, over_http.text
    message = _shape(over_http)[1]
    if profile == "aimlapi" or "Invalid schema" in phrase:
        assert phrase in message
    else:  # OpenAI answers every unparseable body with one text
        assert "We could not parse the JSON body" in message or phrase in message


def test_schema_errors_name_the_schema_as_openai_does() -> None:
    service = Service()
    out = post(service, _tool_request({"type": "string", "pattern": "(("}))
    error = json.loads(out.body)["error"]
    assert out.status == 400
    assert error["param"] == "tools[0].function.parameters"
    assert error["code"] == "invalid_function_parameters"
    assert error["type"] == "invalid_request_error"
    out = post(service, _schema_request({"enum": []}))
    assert json.loads(out.body)["error"]["param"] == "response_format"
    assert service.internal_errors == 0


def test_a_float_n_gives_that_many_choices() -> None:
    out = post(Service(), ask(n=2.0))
    assert out.status == 201
    assert len(json.loads(out.body)["choices"]) == 2


def test_an_enum_of_5000_values_with_other_keywords_is_answered() -> None:
    # validated one by one against a schema holding all 5,000 values: quadratic before
    schema = {"type": "string", "enum": [f"v{i}" for i in range(5000)], "minLength": 1}
    out = post(Service(), _schema_request(schema))
    assert out.status == 201
    assert json.loads(json.loads(out.body)["choices"][0]["message"]["content"]) in schema["enum"]


def test_catastrophic_patterns_are_bounded() -> None:
    service = Service(Config(seed=1))
    schema = {"type": "string", "maxLength": 40, "not": {"pattern": "^(x+x+)+y$"}}
    assert post(service, _schema_request(schema)).status == 201
    # no answer in REGEX_SECONDS is an answer too: the search stops instead of running on
    assert timed_regex.search("^(x+x+)+y$", "x" * 5000) in (False, None)
    assert timed_regex.search("^(a{1000}){1000}$", "a") is None  # refused, not compiled
    assert service.internal_errors == 0


# ---- the last-resort guard ---------------------------------------------------------------


def test_an_unexpected_exception_is_a_journaled_provider_shaped_500(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mockserver._generation import engine

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    # Whichever way the engine is entered: a plain request (the planned path) or any other.
    monkeypatch.setattr(engine, "generate", broken)
    monkeypatch.setattr(engine, "planned_choices", broken)
    service = Service(Config(profile=profiles.get("openai")))
    out = post(service)
    assert out.status == 500
    assert json.loads(out.body)["error"]["code"] == "mock_internal_error"
    assert service.internal_errors == 1
    assert "RuntimeError: boom" in service.journal.last().notes["internal_error"]


# ---- property tests: arbitrary documents, schemas and strings ----------------------------

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities included: json.dumps writes them as literals
    | st.text(st.characters(codec=None), max_size=8),  # lone surrogates included
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(), max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=60)
@given(
    value=_JSON,
    key=st.sampled_from(["messages", "model", "n", "max_tokens", "seed", "tools", "metadata"]),
)
def test_any_json_document_in_any_field_never_gets_a_5xx(value: Any, key: str) -> None:
    service = Service(Config(seed=0))
    out = post(service, json.dumps({**ask(), key: value}).encode("utf-8", "surrogatepass"))
    assert out.status < 500, out.body
    assert service.internal_errors == 0


_KEYWORDS = st.sampled_from(
    [
        "type",
        "enum",
        "const",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "$ref",
        "minProperties",
    ]
)
_SCHEMA_VALUES = st.recursive(
    st.integers(-3, 2000)
    | st.sampled_from(["string", "object", "array", "integer", "number", "null", "#"])
    | st.sampled_from(["^a+$", "(x+x+)+y", "[", "(?i)a", "\\d{2,3}", "a{5000}"])
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.booleans(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYWORDS, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=60)
@given(schema=st.dictionaries(_KEYWORDS, _SCHEMA_VALUES, max_size=4))
def test_any_json_schema_gets_an_answer_or_a_400_never_a_5xx(schema: dict[str, Any]) -> None:
    service = Service(Config(seed=0))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(budget, "GENERATION_SECONDS", 0.3)  # keeps the run short
        for request in (_schema_request(schema), _tool_request(schema)):
            out = post(service, request)
            assert out.status in (201, 400), out.body
            if out.status == 400:
                error = json.loads(out.body)
                assert error.get("error", error)["message"]
    assert service.internal_errors == 0


@settings(max_examples=40)
@given(text=st.text(st.characters(codec=None), max_size=12))
def test_any_string_as_content_model_or_stub_reply_never_gets_a_5xx(text: str) -> None:
    service = Service(Config(seed=0))
    encoded = json.dumps(ask(text)).encode("utf-8", "surrogatepass")
    assert post(service, encoded).status < 500
    model = json.dumps({**ask(), "model": text}).encode("utf-8", "surrogatepass")
    assert post(service, model).status < 500
    if text.isascii() or text.encode("utf-8", "replace").decode() == text:
        service.stub(text)
        assert post(service).status == 201
    else:
        with pytest.raises(ValueError, match="lone surrogate"):
            service.stub(text)
    assert service.internal_errors == 0


# ---- one request never stops the server ----------------------------------------------


def test_a_pathological_request_does_not_stop_other_clients(
    live: dict[str, LiveServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mockserver._generation import engine

    server = live["aimlapi"]
    # 128 choices of 100 objects of 10 strings of 500 characters: the time budget ends it
    item = {
        "type": "object",
        "properties": {f"p{i}": {"type": "string", "minLength": 500} for i in range(10)},
        "required": [f"p{i}" for i in range(10)],
    }
    slow = _schema_request({"type": "array", "minItems": 100, "maxItems": 100, "items": item})
    slow["n"] = 128
    started = threading.Event()
    generate = engine.generate

    def noting(request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.get("n") == 128:
            started.set()
        return generate(request, *args, **kwargs)

    monkeypatch.setattr(engine, "generate", noting)
    answer: list[httpx.Response] = []

    def send_slow() -> None:
        answer.append(httpx.post(server.url + CHAT, json=slow, headers=AUTH, timeout=60))

    worker = threading.Thread(target=send_slow)
    worker.start()
    assert started.wait(timeout=30)
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as client:
        served = [client.post(CHAT, json=ask()).status_code for _ in range(3)]
        still_working = worker.is_alive()
    worker.join(timeout=60)
    assert served == [201, 201, 201]
    assert still_working, "the quick requests were served only after the slow one"
    assert answer and answer[0].status_code == 400
    assert "gave up after 2 s" in answer[0].json()["error"]["message"]
    assert server.service.internal_errors == 0


def test_a_catastrophic_last_user_regex_does_not_hang_the_server(
    live: dict[str, LiveServer],
) -> None:
    server = live["aimlapi"]
    stub = {"match": {"last_user_regex": "^(x+x+)+y$"}, "reply": {"content": "matched"}}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.post("/__mock/stubs", json=stub).status_code == 201
        try:
            out = client.post(CHAT, json=ask("x" * 5000), headers=AUTH)
            assert out.status_code == 201
            assert out.json()["choices"][0]["message"]["content"] != "matched"
        finally:
            client.delete("/__mock/stubs")


# ---- durations and fault values -----------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "ttft=inf",
        "ttft=1e9",
        "between=nan",
        "jitter=1e308",
        "retry-after=1e308, status=429",
        "retry-after-ms=inf, status=429",
        "status=" + "9" * 5000,
    ],
)
def test_fault_header_values_out_of_bounds_are_a_400(header: str) -> None:
    service = Service()
    out = post(service, headers={**AUTH, scenario_files.HEADER: header})
    assert out.status == 400, out.body
    assert json.loads(out.body)["error"]["code"] == "invalid_mock_scenario"
    assert service.internal_errors == 0


@pytest.mark.parametrize(
    ("document", "phrase"),
    [
        ({"faults": [{"latency": {"ttft": 1e9}}]}, "faults[0].latency.ttft: must be <= 600"),
        ({"faults": [{"latency": {"between": math.inf}}]}, "must be a finite number"),
        ({"faults": [{"retry_after": 1e308, "status": 429}]}, "must be <= 86400"),
        (
            {"chaos": {"rate": math.nan, "faults": [{"status": 500}]}},
            "chaos.rate: must be a finite",
        ),
        ({"stubs": [{"reply": {"content": "\ud800"}}]}, "lone surrogate"),
        ({"stubs": [{"reply": {"raw": {"events": "data: \udc00\n\n"}}}]}, "lone surrogate"),
        ({"stubs": [{"reply": {"raw": {"headers": {"x-a": "€"}}}}]}, "headers.x-a: must match"),
        ({"stubs": [{"reply": {"raw": {"headers": {"x-a": "a\r\nb: c"}}}}]}, "must match"),
        ({"stubs": [{"reply": {"raw": {"headers": {"bad name": "v"}}}}]}, "not an HTTP token"),
        (
            {"stubs": [{"reply": {"error": {"status": 429, "headers": {"x": "\n"}}}}]},
            "stubs[0].reply.error.headers.x: header value",
        ),
    ],
)
def test_scenario_documents_with_unusable_values_are_refused_on_load(
    document: dict[str, Any], phrase: str
) -> None:
    with pytest.raises(scenario_files.SpecError) as caught:
        scenario_files.parse(document)
    assert phrase in str(caught.value)


def test_the_admin_api_refuses_unusable_values_with_a_400() -> None:
    service = Service()
    cases = [
        ("/__mock/faults", b'{"latency": {"ttft": 1e9}}'),
        ("/__mock/faults", b'{"latency": {"ttft": Infinity}}'),
        ("/__mock/chaos", b'{"rate": NaN, "faults": [{"status": 500}]}'),
        ("/__mock/stubs", b'{"reply": {"content": "\\ud800"}}'),
        ("/__mock/stubs", b'{"reply": {"raw": {"headers": {"x": "\\u20ac"}}}}'),
        ("/__mock/stubs", b"[" * 100_000),
        (
            "/__mock/scenario",
            b'{"stubs": [{"reply": {"content": "a"}}], "x": 1' + b"9" * 5000 + b"}",
        ),
    ]
    for path, body in cases:
        out = post(service, body, path=path)
        assert out.status == 400, (path, body[:60], out.body)
    from mockserver._core.exchange import RawRequest

    query = "limit=" + "9" * 5000
    out = service.handle(RawRequest("GET", "/__mock/requests", {}, b"", query))
    assert out.status == 400 and b"below 10^9" in out.body
    assert service.internal_errors == 0


def test_python_constructors_check_their_values() -> None:
    with pytest.raises(ValueError, match=r"latency.ttft must be a finite number within \[0, 600\]"):
        Latency(ttft=math.inf)
    with pytest.raises(ValueError, match=r"latency\.jitter"):
        Latency(jitter=1e308)
    with pytest.raises(ValueError, match="retry_after must be"):
        Fault(status=429, retry_after=1e308)
    with pytest.raises(ValueError, match="status must be an HTTP status"):
        Fault(status=1000)
    service = Service()
    with pytest.raises(ValueError, match="chaos rate"):
        service.chaos(math.nan, Fault(status=500))
    with pytest.raises(ValueError, match="lone surrogate"):
        service.stub("\ud800")
    with pytest.raises(ValueError, match="header value"):
        service.stub(Raw(body={}, headers={"x-a": "€"}))
    with pytest.raises(ValueError, match="header name"):
        service.stub(Raw(body={}, headers={"x a": "v"}))
    with pytest.raises(ValueError, match="finite"):
        service.stub(Raw(body={"a": math.nan}))
    assert service.stubs.all() == []


# ---- memory: the journal in bytes, parse cost -------------------------------------------


def test_the_journal_is_bounded_in_bytes_and_says_what_it_cut() -> None:
    service = Service(Config(journal_bytes=512 * 1024))
    big = "x" * 100_000
    for i in range(12):
        assert post(service, ask(f"{i} {big}")).status == 201
    journal = service.journal
    assert journal.bytes <= 512 * 1024
    entries = journal.entries()
    assert 1 < len(entries) < 12
    assert entries[-1].body["messages"][0]["content"].startswith("11 x")
    last = entries[-1]
    assert "body_truncated" in last.notes
    content = last.body["messages"][0]["content"]
    assert len(content) < 2000 and "more characters not journaled" in content
    small = post(service, ask("short"))
    assert small.status == 201
    assert "body_truncated" not in journal.last().notes
    assert journal.last().body == ask("short")


def test_answers_to_distinct_prompts_keep_bounded_memory() -> None:
    # An answer quotes words of its prompt, and the mock keeps the answers it rendered
    # for requests that come again: long prompts (1 MB words) must not be kept at all,
    # and many distinct small ones only up to the stores' bounds.
    import tracemalloc

    from mockserver._generation import warm

    service = Service(Config(seed=1, journal_size=0))
    post(service)  # warm up the caches of a first answer
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(3):
            word = chr(97 + i) * 1_000_000
            assert post(service, ask(f"Tell me about {word}")).status == 201
        for i in range(600):
            assert post(service, ask(f"Tell me about {'w' * 3000}{i}")).status == 201
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # Before these bounds, the same requests kept about 60 MiB (and more with more).
    assert kept < 32 * 1024 * 1024, f"{kept / 2**20:.0f} MiB kept"
    template_bytes, outcomes = service.chat.memo.answers.kept
    assert template_bytes <= warm.TEMPLATE_BYTES
    assert outcomes <= warm.OUTCOMES


def test_serve_takes_a_journal_bytes_option() -> None:
    args = cli._parser().parse_args(["serve", "--journal-bytes", "12345"])
    assert args.journal_bytes == 12345
    assert cli._parser().parse_args(["serve"]).journal_bytes == Config().journal_bytes


def test_strict_json_limits_are_checked_before_parsing() -> None:
    with pytest.raises(strict_json.JsonProblem, match="at most 100000"):
        strict_json.loads(b"[" + b"[]," * 200_000 + b"[]]")
    # brackets inside strings are text, not structure
    text = json.dumps({"content": "[" * 10_000})
    assert strict_json.loads(text.encode()) == {"content": "[" * 10_000}
    # a pair written as escapes is one character, not a lone surrogate
    assert strict_json.loads(b'"\\ud83d\\ude00"') == "\U0001f600"
