"""The package's public surface is exactly what `__all__` says (as httpx checks its own)."""

from __future__ import annotations

import ast
import importlib.metadata
from pathlib import Path

import pytest

import mockserver
import mockserver.schemas
import mockserver.strategies
import mockserver.verify


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


def _imports(path: Path) -> set[str]:
    """The modules a Python file imports (``import a.b`` and ``from a.b import c``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("folder", ["contract_tests", "examples", "tests_clients", "tests_agents"])
def test_the_suites_users_copy_use_only_public_names(folder: str) -> None:
    """contract_tests/, examples/ and the client-library suites are what users copy: they
    must run on the public API alone, so no private module (``mockserver._...``) may appear
    in them."""
    private = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / folder).rglob("*.py"))
        for name in _imports(path)
        if any(part.startswith("_") for part in name.split(".")[1:2])
        and name.startswith("mockserver.")
    }
    assert not private, "private imports:\n" + "\n".join(sorted(private))


def test_public_modules_list_their_names() -> None:
    for module in (mockserver.schemas, mockserver.strategies, mockserver.verify):
        assert set(module.__all__) <= set(dir(module)), module.__name__


def test_a_public_name_follows_its_module_when_it_is_imported_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # pytester's in-process runs drop the modules they imported; the package must then give
    # the classes of the module imported anew, not ones remembered from before.
    import sys

    first = mockserver.Latency
    monkeypatch.delitem(sys.modules, "mockserver._control.faults")
    again = mockserver.Latency
    assert again is sys.modules["mockserver._control.faults"].Latency
    assert again is not first
