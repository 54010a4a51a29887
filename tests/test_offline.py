"""The in-process mock is offline by default: a request to a URL it does not route fails with
an error naming the URL and the fix, and never opens a socket; `passthrough` lets chosen URLs
through on purpose."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import openai
import pytest

from mockserver import Config, Service, mock_aimlapi
from mockserver._adapters.server import LiveServer
from mockserver._adapters.transport import UnroutedRequestError

httpx2: ModuleType | None
try:
    import httpx2
except ImportError:  # pragma: no cover - openai 1.x environments
    httpx2 = None

LIBS = [httpx] + ([httpx2] if httpx2 is not None else [])
OPENAI = "https://api.openai.com/v1/chat/completions"
BODY = {"model": "o3-mini", "messages": [{"role": "user", "content": "Hi"}]}


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every attempt to connect a socket, recorded and refused."""
    attempts: list[Any] = []

    def connect(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("a test tried to open a socket")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect)
    return attempts


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
def test_an_unrouted_url_fails_naming_it_and_the_fix(
    lib: ModuleType, no_sockets: list[Any]
) -> None:
    with mock_aimlapi(), pytest.raises(UnroutedRequestError) as caught:
        lib.post(OPENAI, json=BODY, headers={"Authorization": "Bearer k"})
    text = str(caught.value)
    assert "POST https://api.openai.com/v1/chat/completions" in text
    assert "base_url='https://api.aimlapi.com/v1'" in text
    assert "passthrough=['https://api.openai.com/']" in text
    assert no_sockets == []


@pytest.mark.anyio
@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
async def test_async_clients_are_refused_too(lib: ModuleType, no_sockets: list[Any]) -> None:
    with mock_aimlapi():
        async with lib.AsyncClient() as client:
            with pytest.raises(UnroutedRequestError, match=r"http://example\.test/x"):
                await client.get("http://example.test/x")
    assert no_sockets == []


def test_an_sdk_left_on_openais_default_url_fails_offline(no_sockets: list[Any]) -> None:
    with mock_aimlapi() as mock:
        client = openai.OpenAI(api_key="k", max_retries=0)  # base_url left at api.openai.com
        # openai 3.x lets the error through; 1.x wraps it in APIConnectionError (its cause).
        with pytest.raises((UnroutedRequestError, openai.APIConnectionError)) as caught:
            client.chat.completions.create(model="o3-mini", messages=BODY["messages"])
    error = (
        caught.value if isinstance(caught.value, UnroutedRequestError) else caught.value.__cause__
    )
    assert isinstance(error, UnroutedRequestError) and "api.openai.com" in str(error)
    assert mock.offline is not None
    assert mock.offline.refused == [f"POST {OPENAI}"]
    assert no_sockets == []


@pytest.fixture(scope="module")
def other_server() -> Iterator[LiveServer]:
    with LiveServer(Service(Config(seed=1))) as server:
        yield server


@pytest.mark.parametrize("lib", LIBS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("how", ["prefix", "host", "host:port"])
def test_passthrough_lets_chosen_urls_reach_the_network(
    lib: ModuleType, how: str, other_server: LiveServer
) -> None:
    allowed = {
        "prefix": other_server.url + "/",
        "host": "127.0.0.1",
        "host:port": f"127.0.0.1:{other_server.port}",
    }[how]
    with mock_aimlapi(passthrough=[allowed]):
        response = lib.get(other_server.url + "/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert len(other_server.service.journal) >= 1


def test_a_passthrough_prefix_does_not_open_other_urls(
    other_server: LiveServer, no_sockets: list[Any]
) -> None:
    with mock_aimlapi(passthrough=["http://127.0.0.1:1/"]), pytest.raises(UnroutedRequestError):
        httpx.get(other_server.url + "/health")
    assert no_sockets == []


def test_a_wrong_passthrough_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"passthrough=\['http://127.0.0.1:9000/'\]"):
        mock_aimlapi(passthrough=[9000]).__enter__()  # type: ignore[list-item]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
