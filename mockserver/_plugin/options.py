"""The options of ``@pytest.mark.aimlapi(...)``, typed, and everything said about them.

`MarkerOptions` holds the plugin's own options; every other keyword is a `Config` field
(``journal_size=0``, ``self_check=True``...), so the marker takes what a `Config` takes and
nothing typed twice. The marker's help line (``pytest --markers``) and the options table of
the documentation are generated from here (`signature`, `table`), so neither can miss an
option.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockserver._contract import profiles
from mockserver._contract.endpoint import BASE_URL
from mockserver._core.exchange import Config

__all__ = ["CONFIG_OPTIONS", "MarkerOptions", "OptionsError", "signature", "table"]

_INTERNAL = frozenset({"clock", "profile", "workers", "state_dir", "seed", "strict", "api_keys"})
"""Config fields that are no marker option as such (the marker's own take their place, or
they belong to a server process, not to a test)."""


def _doc(text: str, *, fixture: str = "both") -> dict[str, str]:
    return {"doc": text, "fixture": fixture}


@dataclass(frozen=True, kw_only=True)
class MarkerOptions:
    """The options of one test, its markers merged (the closest marker wins)."""

    profile: str = field(
        default="aimlapi",
        metadata=_doc("`aimlapi` (201, the gateway's error shapes) or `openai` (200, OpenAI's)"),
    )
    seed: int | None = field(
        default=0, metadata=_doc("seeds every answer (`None`: answers vary between runs)")
    )
    strict: bool = field(
        default=False,
        metadata=_doc("a request no stub matches gets an error naming the nearest stub"),
    )
    base_url: str | Sequence[str] = field(
        default=BASE_URL,
        metadata=_doc("the base URL(s) routed to the mock", fixture="aimlapi_mock"),
    )
    api_keys: Sequence[str] | None = field(
        default=None, metadata=_doc("accepted bearer keys (`None`: any non-empty key)")
    )
    passthrough: Sequence[str] | None = field(
        default=None,
        metadata=_doc(
            "URL prefixes or host names let through to the network (`None`: the "
            "`aimlapi_passthrough` ini option's)",
            fixture="aimlapi_mock",
        ),
    )
    validate: bool = field(
        default=True,
        metadata=_doc("fail the test at teardown if the client sent a request the schema refuses"),
    )
    assert_all_stubs_used: bool = field(
        default=False, metadata=_doc("fail (not only warn) when a stub was never used")
    )
    cassette: str | None = field(
        default=None,
        metadata=_doc("a cassette file beside the test, replayed or recorded (`--aimlapi-record`)"),
    )
    test_id: str | bool | None = field(
        default=None,
        metadata=_doc(
            "scope the shared live server to this test (`True`: the test's node id)",
            fixture="aimlapi_server",
        ),
    )
    config: Mapping[str, Any] = field(default_factory=dict)
    """Every other option: a `Config` field by name."""

    @classmethod
    def merged(cls, markers: Iterable[tuple[tuple[Any, ...], Mapping[str, Any]]]) -> MarkerOptions:
        """The options of markers given as (args, kwargs), closest first (as pytest's
        ``iter_markers`` gives them): the closest marker wins."""
        merged: dict[str, Any] = {}
        for args, kwargs in reversed(list(markers)):
            if args:
                raise OptionsError(
                    f"@pytest.mark.aimlapi takes keyword arguments only; got {args!r}. "
                    f"Valid options: {', '.join(names())}"
                )
            unknown = sorted(set(kwargs) - set(names()))
            if unknown:
                raise OptionsError(
                    f"@pytest.mark.aimlapi: unknown option(s) {', '.join(unknown)}. "
                    f"Valid options: {', '.join(names())}"
                )
            merged.update(kwargs)
        own = {k: v for k, v in merged.items() if k in _OWN}
        config = {k: v for k, v in merged.items() if k not in _OWN}
        return cls(**own, config=config)

    def mock_arguments(self) -> dict[str, Any]:
        """The keyword arguments of `mock_aimlapi` for the in-process mock (its checks are
        the fixture's, at teardown)."""
        return {
            "profile": self.profile,
            "seed": self.seed,
            "strict": self.strict,
            "base_url": self.base_url,
            "api_keys": self.api_keys,
            "passthrough": self.passthrough or (),
            "validate": False,
            **self.config,
        }

    def live_config(self) -> Config:
        """The `Config` of the shared live server for this test."""
        keys = frozenset(self.api_keys) if self.api_keys is not None else None
        return Config(
            profile=profiles.get(self.profile),
            seed=self.seed,
            strict=self.strict,
            api_keys=keys,
            **self.config,
        )


_OWN = tuple(f.name for f in dataclasses.fields(MarkerOptions) if f.name != "config")
CONFIG_OPTIONS = tuple(f.name for f in dataclasses.fields(Config) if f.name not in _INTERNAL)
"""The `Config` fields the marker takes as they are."""


def names() -> list[str]:
    return sorted({*_OWN, *CONFIG_OPTIONS})


class OptionsError(ValueError):
    """A marker the plugin cannot use: the message says what would be right."""


def signature() -> str:
    """The marker's call with every option and its default, for ``pytest --markers``."""
    own = ", ".join(f"{f.name}={_default(f)}" for f in _own_fields())
    return f"aimlapi({own}, {', '.join(f'{n}=...' for n in CONFIG_OPTIONS)})"


def table() -> str:
    """The options as a Markdown table (option, default, what it does, which fixture)."""
    rows = ["| option | default | what it does | fixture |", "|---|---|---|---|"]
    for f in _own_fields():
        default = f"`{_default(f)}`"
        rows.append(f"| `{f.name}` | {default} | {f.metadata['doc']} | {f.metadata['fixture']} |")
    docs = config_docs()
    fields = {f.name: f for f in dataclasses.fields(Config)}
    for name in CONFIG_OPTIONS:
        doc = docs[name].split(". ")[0].rstrip(".").replace("``", "`")
        doc = doc[0].lower() + doc[1:]
        rows.append(f"| `{name}` | `{_default(fields[name])}` | {doc} (a `Config` field) | both |")
    return "\n".join(rows)


def config_docs() -> dict[str, str]:
    """Each `Config` field's docstring (the string after it in the class body), as
    documentation tools read it."""
    import ast
    import inspect
    import itertools
    import textwrap

    tree = ast.parse(textwrap.dedent(inspect.getsource(Config)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for node, after in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = " ".join(after.value.value.split())
    return docs


def _own_fields() -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(MarkerOptions) if f.name != "config"]


def _default(f: dataclasses.Field[Any]) -> str:
    """The default as the documentation shows it (sets sorted, so that it reads the same
    on every run)."""
    if "default" in f.metadata:
        return str(f.metadata["default"])
    value = f.default
    if isinstance(value, frozenset):
        return "{" + ", ".join(repr(v) for v in sorted(value)) + "}"
    return repr(value)
