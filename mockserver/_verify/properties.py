"""The provider contract, as properties a target must hold in a profile.

Each property draws examples (requests) and checks one answer or a few; a broken promise
raises `Broken` naming what was expected and what came. The same functions serve
``mockserver verify`` and the repository's ``contract_tests/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from mockserver._contract import folding, rules, sse, validation
from mockserver._contract.profiles import Profile
from mockserver._strategies.invalid_requests import invalid_chat_requests
from mockserver._strategies.requests import chat_requests
from mockserver._verify import budget, expectations
from mockserver._verify.target import Exchange, Target


class Broken(AssertionError):
    """The target broke a promise of the contract; the message says which."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise Broken(message)


def _status(answer: Exchange, expected: int, why: str) -> None:
    _require(answer.status == expected, f"HTTP {answer.status}, expected {expected} ({why})")


def _headers(answer: Exchange, profile: Profile) -> None:
    missing = [h for h in profile.success_headers if h not in answer.headers]
    _require(
        not missing,
        f"header(s) {', '.join(missing)} missing (the {profile.name} profile promises "
        f"{', '.join(profile.success_headers)})",
    )


def _violations(found: list[Any], what: str) -> None:
    _require(not found, f"{what} breaks the schema: " + "; ".join(str(v) for v in found[:5]))


def _success(
    target: Target, profile: Profile, request: dict[str, Any], content_type: str
) -> Exchange:
    """Post `request`; the answer must have the profile's success status, `content_type`
    and the profile's success headers."""
    answer = target.post(request)
    _status(answer, profile.success_status, f"the {profile.name} profile's success status")
    _require(
        answer.content_type.startswith(content_type),
        f"content-type {answer.content_type!r}, expected {content_type}",
    )
    _headers(answer, profile)
    return answer


def check_completion(target: Target, profile: Profile, request: dict[str, Any]) -> dict[str, Any]:
    """A valid non-stream request gets the profile's success status and a valid completion
    with one choice per ``n``; returns the completion."""
    answer = _success(target, profile, {**request, "stream": False}, "application/json")
    try:
        body = answer.json()
    except ValueError:
        raise Broken("the body is not JSON") from None
    _violations(validation.validate_completion(body), "the completion")
    want = request.get("n") or 1
    _require(len(body["choices"]) == want, f"{len(body['choices'])} choices for n={want}")
    result: dict[str, Any] = body
    return result


def check_stream(target: Target, profile: Profile, request: dict[str, Any]) -> dict[str, Any]:
    """A valid stream request gets the profile's success status and a valid SSE transcript,
    ending with the usage chunk exactly when ``include_usage`` asks; returns its fold."""
    answer = _success(target, profile, {**request, "stream": True}, "text/event-stream")
    _violations(validation.validate_transcript(answer.body), "the stream")
    chunks = [json.loads(e.data) for e in sse.decode(answer.body) if e.data != sse.DONE]
    include_usage = profile.stream_usage(request)
    usage_last = bool(chunks) and chunks[-1]["choices"] == [] and chunks[-1]["usage"] is not None
    _require(
        usage_last is include_usage,
        "the usage chunk is " + ("missing" if include_usage else "sent unasked"),
    )
    return folding.fold(chunks)


def check_error(target: Target, profile: Profile, request: Any) -> dict[str, Any]:
    """A request the provider rejects gets the status and error shape the profile says
    (never a 5xx); returns the error body."""
    expected = expectations.error_for(request, profile) if not isinstance(request, bytes) else None
    status, shape = (
        (expected.status, expected.shape(profile)) if expected else (400, profile.gateway_errors)
    )
    answer = target.post(request)
    _status(answer, status, f"the {profile.name} profile's answer to this request")
    try:
        body = answer.json()
    except ValueError:
        raise Broken("the error body is not JSON") from None
    _violations(validation.validate_error(body), "the error body")
    got = expectations.shape_of(body)
    _require(
        got in expectations.accepted(shape),
        f"error body in {expectations.SHAPE_NAMES.get(got or '', 'no known shape')}; the "
        f"{profile.name} profile answers this in {expectations.SHAPE_NAMES[shape]}",
    )
    stated = {"gateway": "statusCode", "problem": "status"}.get(got or "")
    if stated is not None:
        _require(
            str(body[stated]) == str(status),
            f"{stated} {body[stated]!r} in a HTTP {answer.status} body",
        )
    result: dict[str, Any] = body
    return result


def _choices(completion: dict[str, Any]) -> list[Any]:
    choices = json.loads(json.dumps(completion["choices"]))
    for choice in choices:
        choice["message"].pop("annotations", None)  # a stream carries none
        if choice.get("logprobs", 0) is None:  # chunks say null where bodies leave it out
            del choice["logprobs"]
    return list(choices)


def check_fold(target: Target, profile: Profile, request: dict[str, Any]) -> None:
    """A seeded stream folds into a valid completion equal to the non-stream answer for
    the same request. When the target answers the same seeded request differently twice
    (seeds are best-effort at real providers), only the fold's validity is required."""
    seeded = {k: v for k, v in request.items() if k not in ("stream", "stream_options")}
    seeded["seed"] = request.get("seed") or 1
    plain = check_completion(target, profile, seeded)
    folded = check_stream(target, profile, {**seeded, "stream_options": {"include_usage": True}})
    _require(
        len(folded["choices"]) == len(plain["choices"]),
        f"the stream has {len(folded['choices'])} choices, the plain answer {len(plain['choices'])}",
    )
    if _choices(folded) == _choices(plain) and folded.get("usage") == plain.get("usage"):
        return
    again = check_completion(target, profile, seeded)
    deterministic = _choices(again) == _choices(plain) and again.get("usage") == plain.get("usage")
    _require(
        not deterministic,
        "the stream folds into another answer than the non-stream one for the same seed: "
        f"folded {json.dumps(_choices(folded))[:400]} usage {folded.get('usage')}; "
        f"plain {json.dumps(_choices(plain))[:400]} usage {plain.get('usage')}",
    )


MALFORMED: tuple[bytes, ...] = (b"{", b"[]", b'"o3-mini"', b"{}")


@dataclass(frozen=True)
class Property:
    """One promise: its report name, how examples are drawn, how one is checked, and the
    bodies one example sends (for ``--dry-run`` and the request count)."""

    name: str
    examples: Callable[[Profile, bool], SearchStrategy[Any]]
    check: Callable[[Target, Profile, Any], object]
    bodies: Callable[[Any], list[Any]]
    fixed: bool = False
    """The examples are a fixed list (each run once), not drawn."""
    may_send_more: int = 0
    """Requests an example may add beyond `bodies`."""


def _valid(profile: Profile, cheap: bool, stream: bool) -> SearchStrategy[dict[str, Any]]:
    drawn = chat_requests(stream=stream, max_messages=budget.CHEAP_MESSAGES if cheap else 8)
    # Requests this profile rejects (max_tokens, for OpenAI) belong to the error property.
    accepted = drawn.filter(lambda r: rules.check(r, profile) is None)
    return accepted.map(budget.cheap) if cheap else accepted


def _broken_field(path: str) -> str:
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def _invalid(profile: Profile, cheap: bool) -> SearchStrategy[Any]:
    def make(case: tuple[dict[str, Any], str]) -> dict[str, Any]:
        request, path = case
        return budget.cheap(request, frozenset({_broken_field(path)})) if cheap else request

    return invalid_chat_requests().map(make)


def _seeded(request: dict[str, Any]) -> list[Any]:
    seeded = {k: v for k, v in request.items() if k not in ("stream", "stream_options")}
    seeded["seed"] = request.get("seed") or 1
    stream = {**seeded, "stream": True, "stream_options": {"include_usage": True}}
    return [{**seeded, "stream": False}, stream]


PROPERTIES: tuple[Property, ...] = (
    Property(
        "valid requests get the success status and a valid completion",
        lambda profile, cheap: _valid(profile, cheap, False),
        check_completion,
        lambda r: [{**r, "stream": False}],
    ),
    Property(
        "valid stream requests get the success status and a valid stream",
        lambda profile, cheap: _valid(profile, cheap, True),
        check_stream,
        lambda r: [{**r, "stream": True}],
    ),
    Property(
        "invalid requests get the profile's 4xx in its error shape, never a 5xx",
        _invalid,
        check_error,
        lambda r: [r],
    ),
    Property(
        "malformed bodies get the profile's 400 in its error shape",
        lambda profile, cheap: st.sampled_from(MALFORMED),
        check_error,
        lambda r: [r],
        fixed=True,
    ),
    Property(
        "a stream folds into the non-stream answer for the same seed",
        lambda profile, cheap: _valid(profile, cheap, False),
        check_fold,
        _seeded,
        may_send_more=1,
    ),
)
