"""Answers a server has rendered before, kept to be sent again.

A load test sends the same few bodies again and again, and the engine draws each plain
answer from a few hundred variants (`engine.draw`): so the same answers come back, each
time with a new id, time and, with the reasoning drawn anew, new counts. `WarmAnswers`
renders each answer once (a `render.BodyTemplate`) and then only fills those in; the bytes
are exactly those of a full rendering (tests/test_warm_path.py, tests/test_render.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TypeVar

from mockserver._contract.profiles import Profile
from mockserver._generation import engine, render
from mockserver._generation.model import Usage

TEMPLATES = 16_384
"""Rendered answers kept (about 1 KB each); the oldest goes first."""
OUTCOMES = 65_536
"""(plan, draws) pairs whose template and usage are kept (a few hundred bytes each)."""


class WarmAnswers:
    """Rendered answers of one server (its profile and fingerprint); thread-safe."""

    def __init__(self, profile: Profile, fingerprint: str) -> None:
        self._profile = profile
        self._fingerprint = fingerprint
        self._templates: OrderedDict[tuple[object, ...], render.BodyTemplate] = OrderedDict()
        self._outcomes: OrderedDict[
            tuple[engine.Plan, engine.Draws], tuple[render.BodyTemplate, Usage]
        ] = OrderedDict()
        self._lock = threading.Lock()

    def body(
        self, plan: engine.Plan, draws: engine.Draws, id: str, created: int
    ) -> tuple[bytes, Usage]:
        """The JSON body `engine.built` and `render.completion_body` would give, and its usage."""
        found = self._outcomes.get((plan, draws))
        if found is None:
            found = self._render(plan, draws)
        template, usage = found
        return template.fill(id, created, usage), usage

    def _render(self, plan: engine.Plan, draws: engine.Draws) -> tuple[render.BodyTemplate, Usage]:
        choices = engine.planned_choices(plan, draws)
        usage = engine.usage_of(choices, plan.prompt_tokens)
        # Keyed by what the body shows, so prompts with the same answer share one template.
        key = (plan.model, *[(c.content, c.finish_reason) for c in choices])
        template = self._templates.get(key)
        if template is None:
            completion = engine.assemble(
                plan.model, choices, 0, id="", created=0, fingerprint=self._fingerprint
            )
            template = render.BodyTemplate(completion, self._profile)
        with self._lock:
            _put(self._templates, key, template, TEMPLATES)
            _put(self._outcomes, (plan, draws), (template, usage), OUTCOMES)
        return template, usage


K = TypeVar("K")
V = TypeVar("V")


def _put(store: OrderedDict[K, V], key: K, value: V, limit: int) -> None:
    if key not in store and len(store) >= limit:
        store.popitem(last=False)  # the oldest
    store[key] = value
