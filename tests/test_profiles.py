"""The dated wire is one knob: ``profiles.get(name, wire)``, ``Config(wire=...)``, ``--wire``,
the marker's ``wire=`` and ``mock_aimlapi(wire=...)``, all holding the same facts."""

from __future__ import annotations

import dataclasses

import pytest

from mockserver import AIMLAPI, OPENAI, Config
from mockserver._cli import main as cli
from mockserver._contract import profiles

pytest_plugins = ["pytester"]


def test_the_newest_wire_is_the_default_and_the_2025_wire_differs_only_in_dated_facts() -> None:
    assert profiles.get("aimlapi") is AIMLAPI and AIMLAPI.wire == profiles.NEWEST == "2026"
    old = profiles.get("aimlapi", "2025")
    changed = {
        f.name
        for f in dataclasses.fields(AIMLAPI)
        if getattr(AIMLAPI, f.name) != getattr(old, f.name)
    }
    assert changed == {
        "wire", "gateway_errors", "service_tier", "chunk_logprobs", "obfuscation",
        "usage_always", "billing", "unknown_model",
    }  # fmt: skip
    assert profiles.dated(AIMLAPI, "2025") is old and profiles.dated(old, None) is old
    assert profiles.get("openai", "2025").obfuscation is False and OPENAI.obfuscation


@pytest.mark.parametrize("wire", ["2024", "latest", ""])
def test_an_unknown_wire_is_refused_naming_the_known_ones(wire: str) -> None:
    with pytest.raises(ValueError, match=r"unknown wire .*; known wires: 2026, 2025"):
        Config(wire=wire)


def test_config_and_the_cli_apply_the_wire() -> None:
    assert Config(wire="2025").profile is profiles.get("aimlapi", "2025")
    assert Config(profile=OPENAI, wire="2025").profile is profiles.get("openai", "2025")
    config, _ = cli.serve_setup(cli.parse(["serve", "--wire", "2025"]))
    assert config.profile is profiles.get("aimlapi", "2025")
    config, _ = cli.serve_setup(cli.parse(["serve", "--profile", "openai"]))
    assert config.profile is OPENAI


def test_the_marker_and_mock_aimlapi_take_the_wire(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import openai, pytest
from mockserver import mock_aimlapi

def create(**kw):
    client = openai.OpenAI(base_url="https://api.aimlapi.com/v1", api_key="k", max_retries=0)
    return client.chat.completions.create(model="o3-mini", messages=[{"role": "user", "content": "Hi"}], **kw)

@pytest.mark.aimlapi(wire="2025", validate=False)  # seed=0 breaks the contract on purpose
def test_marker(aimlapi_mock):
    with pytest.raises(openai.APIStatusError) as caught:
        create(seed=0)
    assert caught.value.body["statusCode"] == 400  # the flat body of 2025

@pytest.mark.aimlapi(validate=False)
def test_default(aimlapi_mock):
    with pytest.raises(openai.APIStatusError) as caught:
        create(seed=0)
    assert caught.value.body["name"] == "BadRequestException"  # the problem body's error

def test_context_manager():
    with mock_aimlapi(wire="2025", validate=False):
        chunks = list(create(stream=True))
    assert chunks[-1].usage is None  # usage only when asked, before 2026
"""
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=3)
