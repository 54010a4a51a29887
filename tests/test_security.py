"""Nothing read that should not be, nothing stored that should not be, and no web page can
drive the mock (issue 8, class 6). Each test starts from a failure the audit reproduced."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import httpx
import pytest
from helpers import AUTH, HELLO, post
from hypothesis import given
from hypothesis import strategies as st

from mockserver import Config, FromFixture, RawRequest, Service, mock_aimlapi
from mockserver._adapters.server import LiveServer, _uvicorn_config
from mockserver._contract import profiles
from mockserver._contract.errors import masked_key
from mockserver._control import scenario_files
from mockserver._control.journal import redact, redact_query
from mockserver._generation import fixtures

JSON = {"content-type": "application/json", "host": "127.0.0.1:8000"}


def admin(
    service: Service, method: str, route: str, body: object = None, **headers: str
) -> tuple[int, dict[str, object]]:
    data = b"" if body is None else json.dumps(body).encode()
    sent = {**JSON, **{k.replace("_", "-"): v for k, v in headers.items()}}
    outcome = service.handle(RawRequest(method, f"/__mock{route}", sent, data))
    return outcome.status, json.loads(outcome.body)


def message(body: dict[str, object]) -> str:
    error = body["error"]
    assert isinstance(error, dict)
    return str(error["message"])


# ---- fixture paths ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "../../../../../../etc/passwd",
        "/dev/zero",
        "/etc",
        "/no/such/file.json",
        "completions/../../../pyproject.toml",
    ],
)
def test_the_admin_api_serves_no_fixture_outside_the_fixture_folders(path: str) -> None:
    service = Service()
    status, body = admin(service, "POST", "/stubs", {"reply": {"fixture": path}})
    assert status == 400
    text = message(body)
    assert "must name an existing file inside" in text
    assert "root:" not in text  # no content of the file
    assert service.stubs.all() == []


def test_the_refusal_does_not_tell_whether_a_path_outside_exists() -> None:
    service = Service()
    texts = [
        message(admin(service, "POST", "/stubs", {"reply": {"fixture": p}})[1]).replace(p, "P")
        for p in ("/etc/passwd", "/etc/no-such-file")
    ]
    assert texts[0] == texts[1]


def test_a_packaged_fixture_is_served_over_the_admin_api() -> None:
    service = Service()
    fixture = "completions/parallel-tool-calls.json"
    status, _ = admin(service, "POST", "/stubs", {"reply": {"fixture": fixture}})
    assert status == 201
    assert post(service).status == 201


def test_a_scenario_file_reaches_its_own_folder_but_no_further(tmp_path: Path) -> None:
    folder = tmp_path / "scenario"
    folder.mkdir()
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"object": "chat.completion", "secret": True}))
    (folder / "escape.json").symlink_to(secret)
    (folder / "big.json").touch()
    os.truncate(folder / "big.json", fixtures.MAX_FIXTURE_BYTES + 1)  # sparse: costs nothing
    own = folder / "error.json"
    own.write_text(json.dumps({"error": {"message": "m", "type": None, "param": None}}))
    scenario = folder / "scenario.json"

    for name, refused in [
        ("error.json", None),
        ("escape.json", "must name an existing file inside"),
        ("../secret.json", "must name an existing file inside"),
        (str(secret), "must name an existing file inside"),
        ("big.json", "fixtures hold at most"),
    ]:
        scenario.write_text(json.dumps({"stubs": [{"reply": {"fixture": name}}]}))
        if refused is None:
            assert scenario_files.load(scenario).stubs
        else:
            with pytest.raises(scenario_files.SpecError, match=refused):
                scenario_files.load(scenario)

    # The admin API may name fixtures beside the start-up scenario file, and only there.
    scenario.write_text(json.dumps({"stubs": []}))
    service = Service(scenario=scenario_files.load(scenario))
    assert admin(service, "POST", "/stubs", {"reply": {"fixture": "error.json"}})[0] == 201
    assert admin(service, "POST", "/stubs", {"reply": {"fixture": "escape.json"}})[0] == 400
    assert (
        admin(service, "POST", "/scenario", {"stubs": [{"reply": {"fixture": str(secret)}}]})[0]
        == 400
    )


def test_a_python_fixture_that_is_not_a_regular_file_is_refused_not_read() -> None:
    # The audit's /dev/zero grew a server to 24 GB; now it is refused before one byte is read.
    service = Service()
    service.stub(FromFixture("/dev/zero"))
    outcome = post(service)
    assert outcome.status == 500
    assert "not a regular file" in json.loads(outcome.body)["error"]["message"]


def test_a_python_fixture_may_live_anywhere_the_test_puts_it(tmp_path: Path) -> None:
    # Test code is trusted (it could open the file itself): tmp_path fixtures keep working.
    body = {"error": {"message": "gone", "type": None, "param": None, "code": None}}
    (tmp_path / "404-gone.json").write_text(json.dumps(body))
    service = Service()
    service.stub(FromFixture(tmp_path / "404-gone.json"))
    outcome = post(service)
    assert outcome.status == 404 and json.loads(outcome.body) == body


# ---- the admin API against web pages ------------------------------------------------------


def test_a_text_plain_scenario_from_a_web_page_is_refused() -> None:
    service = Service()
    scenario = {"stubs": [{"reply": {"content": "pwned"}}]}
    status, body = admin(service, "POST", "/scenario", scenario, content_type="text/plain")
    assert status == 415
    assert "application/json" in message(body) and "text/plain" in message(body)
    assert service.stubs.all() == []
    for media in ("application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        assert admin(service, "POST", "/stubs", scenario, content_type=media)[0] == 415


def test_json_and_yaml_content_types_are_accepted_and_nothing_else() -> None:
    service = Service()
    stub = {"reply": {"content": "hi"}}
    assert (
        admin(service, "POST", "/stubs", stub, content_type="application/json; charset=utf-8")[0]
        == 201
    )
    assert admin(service, "POST", "/stubs", stub, content_type="application/yaml")[0] == 201
    status, _ = admin(service, "POST", "/scenario", {"stubs": [stub]}, content_type="text/yaml")
    assert status == 201  # YAML is a scenario file's other form, on every route
    assert admin(service, "POST", "/stubs", stub, content_type="text/plain")[0] == 415
    assert admin(service, "POST", "/reset", content_type="")[0] == 415  # a declared non-JSON type
    headers = {"host": "127.0.0.1:8000"}
    reset = service.handle(RawRequest("POST", "/__mock/reset", headers, b""))
    assert reset.status == 200  # a bodiless write without a content type is fine


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io:8000"])
def test_a_dns_rebinding_page_cannot_read_the_journal(host: str) -> None:
    service = Service()
    post(service)
    status, body = admin(service, "GET", "/requests", host=host)
    assert status == 403
    assert "refuses Host" in message(body) and "Authorization" not in json.dumps(body)


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "localhost"])
def test_loopback_hosts_are_trusted(host: str) -> None:
    assert admin(Service(), "GET", "/requests", host=host)[0] == 200


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "http://127.0.0.1.evil.example"]
)
def test_a_foreign_origin_is_refused(origin: str) -> None:
    service = Service()
    status, body = admin(service, "POST", "/reset", origin=origin)
    assert status == 403 and "cross-site" in message(body)
    assert admin(service, "POST", "/reset", origin="http://localhost:8000")[0] == 200


def test_the_host_given_to_serve_is_trusted_too() -> None:
    config = Config(allowed_hosts=frozenset({"127.0.0.1", "mock.internal"}))
    assert admin(Service(config), "GET", "/stubs", host="mock.internal:8000")[0] == 200
    assert admin(Service(config), "GET", "/stubs", host="localhost:8000")[0] == 403


def test_the_in_process_mock_keeps_its_admin_api() -> None:
    with mock_aimlapi() as mock, httpx.Client() as client:
        added = client.post(f"{mock.base_url}/__mock/stubs", json={"reply": {"content": "hi"}})
        assert added.status_code == 201
        listed = client.get(f"{mock.base_url}/__mock/stubs").json()
        assert listed["stubs"] == [{"reply": {"content": "hi"}}]
        assert listed["usage"][0]["used"] == 0


def test_the_live_server_refuses_a_foreign_host() -> None:
    with LiveServer(Service()) as server, httpx.Client(base_url=server.url) as client:
        assert client.get("/__mock/requests").status_code == 200
        assert client.get("/__mock/requests", headers={"host": "evil.example"}).status_code == 403


# ---- redaction -------------------------------------------------------------------------------


def test_every_credential_header_is_redacted_in_the_journal() -> None:
    secret = "sk-proxy-0123456789abcdefghij"
    sent = {
        **AUTH,
        "proxy-authorization": f"Basic {secret}",
        "cookie": f"session={secret}",
        "x-admin-token": secret,
        "x-my-secret": secret,
        "api-key": secret,
        "x-stainless-retry-count": "0",
    }
    service = Service()
    service.stub({"raw": {"body": {"ok": True}, "headers": {"set-cookie": f"s={secret}"}}})
    post(service, HELLO, sent)
    entry = service.journal.last()
    dumped = json.dumps(entry.as_dict())
    assert secret not in dumped and "sk-test-123456789" not in dumped
    assert entry.headers["x-stainless-retry-count"] == "0"
    assert entry.headers["proxy-authorization"].startswith("Basic ***")


def test_credential_query_parameters_are_masked() -> None:
    assert redact_query("api_key=sk-1&x=1&access_token=t&Token=u&keep=v") == (
        "api_key=***&x=1&access_token=***&Token=***&keep=v"
    )
    assert redact({"Authorization": "Bearer abc"}) == {"authorization": "Bearer ***"}


def test_the_access_log_never_prints_a_key_from_the_query_string() -> None:
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = Keep()
    logger = logging.getLogger("uvicorn.access")
    service = Service()
    server = LiveServer(service)
    server._server.config = _uvicorn_config(service, "127.0.0.1", 0, "debug")
    logger.addHandler(handler)
    try:
        with server, httpx.Client(base_url=server.url) as client:
            client.get("/health", params={"api_key": "sk-from-the-query", "q": "1"})
    finally:
        logger.removeHandler(handler)
    line = next(r for r in records if "/health" in r)
    assert "sk-from-the-query" not in line and "api_key=***" in line and "q=1" in line


# ---- the key in a 401 ------------------------------------------------------------------------


def test_a_wrong_key_is_masked_as_openai_masks_it() -> None:
    # The audit: a 10-character key came back with 9 of its characters.
    service = Service(Config(profile=profiles.OPENAI, api_keys=frozenset({"right-key"})))
    for key in ("sk-abcdefg", "sk-PMafPabcdefghijklmnopqrstuvwxyz0123456789abcE873"):
        outcome = post(service, HELLO, {**AUTH, "authorization": f"Bearer {key}"})
        assert outcome.status == 401
        text = json.loads(outcome.body)["error"]["message"]
        assert key not in text and key[1:] not in text and key[:-1] not in text
    # OpenAI's own rule for a 51-character key: 8 characters, stars, 4 (docs/WIRE.md §4).
    assert masked_key("sk-PMafP" + "x" * 39 + "E873") == "sk-PMafP" + "*" * 39 + "E873"
    assert masked_key("sk-abcdefg") == "*" * 10


@given(st.text(max_size=200))
def test_a_masked_key_reveals_at_most_three_eighths_of_it(key: str) -> None:
    shown = masked_key(key)
    assert len(shown) == len(key)
    revealed = sum(1 for a, b in zip(shown, key, strict=True) if a == b and a != "*")
    assert revealed <= 12 and revealed * 8 <= len(key) * 3
