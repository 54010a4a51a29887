"""Provider contract: the properties of mockserver.verify (the ones `mockserver verify`
runs), held against the target in the chosen profile: exact success status and headers,
schema-valid bodies and streams, the profile's 4xx in its error shape and never a 5xx,
streams that fold into the non-stream answer."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from contract_tests.conftest import Subject
from mockserver import strategies, verify


@pytest.mark.parametrize("prop", verify.PROPERTIES, ids=lambda p: p.name)
def test_the_target_holds_the_provider_contract(subject: Subject, prop: verify.Property) -> None:
    result = verify.run(
        prop,
        subject.target,
        subject.profile,
        examples=subject.examples,
        seed=None,
        cheap=subject.cheap,
    )
    detail = result.exchange.describe() if result.exchange else ""
    assert result.failure is None, f"{result.failure}\n{detail}"
    assert result.incomplete is None, result.incomplete


def test_the_mocks_errors_name_the_broken_path(subject: Subject) -> None:
    if not subject.is_mock:
        pytest.skip("the texts of a real provider's errors are its own")

    @given(case=strategies.invalid_chat_requests())
    def check(case: tuple[dict[str, Any], str]) -> None:
        request, path = case
        body = verify.check_error(subject.target, subject.profile, request)
        error = body.get("error", body)
        assert path.split(".")[0].split("[")[0] in error["message"], (path, error["message"])

    check()
