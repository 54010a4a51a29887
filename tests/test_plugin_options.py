"""The marker's options: one typed object (mockserver/_plugin/options.py) that parses the
markers and says what the options are, in pytest's help and in the reference page."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from mockserver import Config
from mockserver._plugin.options import (
    CONFIG_OPTIONS,
    MarkerOptions,
    OptionsError,
    names,
    signature,
    table,
)

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_reference_page_shows_the_generated_table() -> None:
    # docs/_hooks.py replaces the marker with table() when the site is built.
    page = (README.parent / "docs" / "reference" / "pytest.md").read_text("utf-8")
    assert "<!-- generated: marker-options -->" in page


def test_every_option_is_in_the_help_and_the_table() -> None:
    help_line, rows = signature(), table()
    for name in names():
        assert f"{name}=" in help_line
        assert f"| `{name}` |" in rows
    assert {"cassette", "test_id", "validate", "assert_all_stubs_used"} <= set(names())


def test_every_config_field_a_test_may_set_is_an_option() -> None:
    server_only = {"clock", "workers", "state_dir"}
    fields = {f.name for f in dataclasses.fields(Config)} - server_only
    assert fields <= set(names())
    assert set(CONFIG_OPTIONS) <= fields


def test_the_closest_marker_wins_and_config_fields_pass_through() -> None:
    closest = ((), {"seed": 7, "journal_size": 0})
    module = ((), {"seed": 1, "profile": "openai", "cassette": "c.json"})
    options = MarkerOptions.merged([closest, module])
    assert (options.seed, options.profile, options.cassette) == (7, "openai", "c.json")
    assert options.config == {"journal_size": 0}
    live = options.live_config()
    assert (live.seed, live.profile.name, live.journal_size) == (7, "openai", 0)


def test_on_a_live_server_of_its_own_only_what_the_markers_set_changes() -> None:
    base = Config(seed=5, api_keys=frozenset({"sk-test"}), journal_size=10, wire="2025")
    unmarked = MarkerOptions.merged([]).live_config(base=base)
    assert (unmarked.seed, unmarked.api_keys, unmarked.journal_size) == (5, {"sk-test"}, 10)
    assert unmarked.wire == "2025"
    marked = MarkerOptions.merged([((), {"seed": 0, "profile": "openai", "journal_size": 0})])
    live = marked.live_config(base=base)
    assert (live.seed, live.profile.name, live.journal_size) == (0, "openai", 0)
    assert live.api_keys == {"sk-test"} and live.profile.wire == "2025"


@pytest.mark.parametrize(
    ("markers", "message"),
    [
        ([(("aimlapi",), {})], "keyword arguments only"),
        ([((), {"sead": 1})], "unknown option(s) sead. Valid options: admin"),
    ],
)
def test_a_wrong_marker_says_what_is_valid(markers: list, message: str) -> None:
    with pytest.raises(OptionsError, match=re.escape(message)):
        MarkerOptions.merged(markers)


def test_pytest_markers_shows_every_option(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--markers")
    line = next(x for x in result.outlines if x.startswith("@pytest.mark.aimlapi("))
    assert "cassette=None" in line and "test_id=None" in line and "journal_size=..." in line
