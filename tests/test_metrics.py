"""``GET /metrics``: Prometheus text that a Prometheus parser reads, with bounded labels."""

from __future__ import annotations

import json
import re

from helpers import AUTH, HELLO, ask, post, transcript
from prometheus_client.parser import text_string_to_metric_families

from mockserver import Config, RawRequest, Service, Text


def _scrape(service: Service, headers: dict[str, str] | None = None) -> dict[str, float]:
    outcome = service.handle(RawRequest("GET", "/metrics", headers or {}, b""))
    assert outcome.status == 200, outcome.body
    assert outcome.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(outcome.body.decode()):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def test_requests_are_counted_by_path_status_and_what_answered() -> None:
    service = Service(Config(seed=1))
    post(service)
    post(service)
    post(service, headers={})  # no key: 401
    service.stub(Text("stubbed"), last_user="stub me")
    post(service, ask("stub me"))
    service.fault(status=429)
    post(service)
    service.handle(RawRequest("GET", "/health", {}, b""))
    found = _scrape(service)
    chat = "path=/v1/chat/completions"
    assert found[f"mockserver_requests_total{{answered_by=generator,{chat},status=201}}"] == 2
    assert found[f"mockserver_requests_total{{answered_by=error,{chat},status=401}}"] == 1
    assert found[f"mockserver_requests_total{{answered_by=stub,{chat},status=201}}"] == 1
    assert found[f"mockserver_requests_total{{answered_by=fault,{chat},status=429}}"] == 1
    assert found[f"mockserver_request_duration_seconds_count{{{chat}}}"] == 5
    assert found["mockserver_journal_entries{}"] == 6
    # the scrape itself is journaled after it was rendered
    assert 0 < found["mockserver_journal_bytes{}"] < service.journal.bytes


def test_tokens_and_streams_in_flight() -> None:
    service = Service(Config(seed=1))
    body = json.loads(post(service).body)
    usage = body["usage"]
    stream = post(service, {**HELLO, "stream": True})
    assert stream.stream is not None
    next(stream.stream)  # the stream has started and is not finished
    found = _scrape(service)
    assert found["mockserver_streams_in_flight{}"] == 1
    assert found["mockserver_tokens_total{kind=prompt}"] == 2 * usage["prompt_tokens"]
    assert found["mockserver_tokens_total{kind=completion}"] > usage["completion_tokens"]
    transcript(stream)
    assert _scrape(service)["mockserver_streams_in_flight{}"] == 0


def test_labels_stay_bounded_whatever_paths_clients_ask_for() -> None:
    service = Service(Config(seed=1))
    for n in range(50):
        service.handle(RawRequest("GET", f"/nowhere/{n}", AUTH, b""))
        service.handle(RawRequest("GET", f"/v1/models/model-{n}", AUTH, b""))
    keys = [key for key in _scrape(service) if "path=" in key]
    paths = {re.split(r",|\}$", key.split("path=")[1])[0] for key in keys}
    assert paths == {"other", "/v1/models/{id}"}


def test_metrics_are_under_the_admin_protections() -> None:
    service = Service(Config(admin_token="secret"))
    denied = service.handle(RawRequest("GET", "/metrics", {}, b""))
    assert denied.status == 401
    assert _scrape(service, {"authorization": "Bearer secret"})
    assert service.handle(RawRequest("POST", "/metrics", {}, b"")).status == 405
    off = Service(Config(admin=False))
    assert off.handle(RawRequest("GET", "/metrics", {}, b"")).status == 404
