"""The package's public surface is exactly what `__all__` says (as httpx checks its own)."""

from __future__ import annotations

import importlib.metadata

import mockserver


def _public(module: object) -> set[str]:
    # pytest's assertion rewriting (the plugin's distribution is rewritten) adds "@py_*"
    # names; `from __future__ import annotations` adds "annotations".
    names = dir(module)  # the package imports its names on first use; dir() lists them all
    return {n for n in names if n.isidentifier() and not n.startswith("_")} - {"annotations"}


def test_all_lists_every_public_name_and_nothing_else() -> None:
    public = _public(mockserver)
    modules = {name for name in public if type(getattr(mockserver, name)).__name__ == "module"}
    assert set(mockserver.__all__) - {"__version__"} == public - modules


def test_the_version_is_the_distributions() -> None:
    assert mockserver.__version__ == importlib.metadata.version("aimlapi-mockserver")


def test_the_plugin_is_registered_for_pytest() -> None:
    entry_points = importlib.metadata.entry_points(group="pytest11")
    assert any(
        ep.name == "aimlapi_mock" and ep.value == "mockserver.pytest_plugin" for ep in entry_points
    )
