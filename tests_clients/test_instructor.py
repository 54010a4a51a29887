"""instructor (over the openai SDK) against the mock in both profiles, live and in process:
a pydantic model out of each mode that fits o3-mini (TOOLS, JSON, JSON_SCHEMA, MD_JSON),
streamed partial objects, and the openai error classes it lets through."""

from __future__ import annotations

import instructor
import openai
import pytest
from client_helpers import KEY
from instructor.core import InstructorRetryException
from pydantic import BaseModel

from mockserver import Error, MockAPI


class Weather(BaseModel):
    city: str
    temperature: int


MODES = [
    instructor.Mode.TOOLS,
    instructor.Mode.JSON,
    instructor.Mode.JSON_SCHEMA,
    instructor.Mode.MD_JSON,
]


def client(mock: MockAPI, mode: instructor.Mode) -> instructor.Instructor:
    raw = openai.OpenAI(base_url=mock.base_url, api_key=KEY, max_retries=0)
    return instructor.from_openai(raw, mode=mode)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.name)
def test_each_mode_returns_the_model(mock: MockAPI, mode: instructor.Mode) -> None:
    weather = client(mock, mode).chat.completions.create(
        model="o3-mini",
        response_model=Weather,
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        max_retries=0,  # instructor's own re-asking: the first answer must already validate
    )
    assert isinstance(weather, Weather)
    assert len(mock.requests) == 1


def test_partial_stream_builds_the_model(mock: MockAPI) -> None:
    parts = list(
        client(mock, instructor.Mode.TOOLS).chat.completions.create_partial(
            model="o3-mini",
            response_model=Weather,
            messages=[{"role": "user", "content": "Weather in Paris?"}],
            max_retries=0,
        )
    )
    assert len(parts) > 1 and isinstance(parts[-1].temperature, int) and parts[-1].city
    assert mock.last_request.body["stream"] is True


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, openai.BadRequestError),
        (401, openai.AuthenticationError),
        (429, openai.RateLimitError),
    ],
)
def test_scripted_errors_raise_openais_classes(
    mock: MockAPI, status: int, cls: type[openai.APIStatusError]
) -> None:
    """instructor wraps the SDK's error in its InstructorRetryException; the SDK's own
    exception, with the provider's status and text, is its cause."""
    mock.stub(Error(status, message="scripted failure"))
    with pytest.raises(InstructorRetryException) as caught:
        client(mock, instructor.Mode.TOOLS).chat.completions.create(
            model="o3-mini",
            response_model=Weather,
            messages=[{"role": "user", "content": "Weather in Paris?"}],
            max_retries=0,
        )
    cause = caught.value.__cause__
    assert isinstance(cause, cls) and cause.status_code == status
    assert "scripted failure" in str(cause) and caught.value.n_attempts == 1
