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

from mockserver._contract.profiles import Profile
from mockserver._generation import engine, render
from mockserver._generation.model import Usage

TEMPLATES = 4096
"""Rendered answers kept at most; the oldest goes first."""
TEMPLATE_BYTES = 16 * 1024 * 1024
"""...and at most this many bytes of them and their texts (an answer quotes its prompt)."""
OUTCOMES = 4096
"""(plan, draws) pairs whose template and usage are remembered (a body's 256 variants
times its few reasoning counts fit)."""

_Key = tuple[object, ...]


class WarmAnswers:
    """Rendered answers of one server (its profile and fingerprint); thread-safe and
    bounded. Give it plans of small bodies only: a plan holds its prompt."""

    def __init__(self, profile: Profile, fingerprint: str) -> None:
        self._profile = profile
        self._fingerprint = fingerprint
        self._templates: OrderedDict[_Key, tuple[render.BodyTemplate, int]] = OrderedDict()
        self._template_bytes = 0
        self._outcomes: OrderedDict[tuple[engine.Plan, engine.Draws], tuple[_Key, Usage]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    @property
    def kept(self) -> tuple[int, int]:
        """What it holds now: bytes of rendered answers, and remembered (plan, draws) pairs."""
        return self._template_bytes, len(self._outcomes)

    def body(
        self, plan: engine.Plan, draws: engine.Draws, id: str, created: int
    ) -> tuple[bytes, Usage]:
        """The JSON body `engine.built` and `render.completion_body` would give, and its usage."""
        found = self._outcomes.get((plan, draws))
        kept = None if found is None else self._templates.get(found[0])
        if found is None or kept is None:
            template, usage = self._render(plan, draws)
        else:
            template, usage = kept[0], found[1]
        return template.fill(id, created, usage), usage

    def _render(self, plan: engine.Plan, draws: engine.Draws) -> tuple[render.BodyTemplate, Usage]:
        choices = engine.planned_choices(plan, draws)
        usage = engine.usage_of(choices, plan.prompt_tokens)
        # Keyed by what the body shows, so prompts with the same answer share one template.
        key = (plan.model, *[(c.content, c.finish_reason) for c in choices])
        kept = self._templates.get(key)
        template = None if kept is None else kept[0]
        if template is None:
            completion = engine.assemble(
                plan.model, choices, 0, id="", created=0, fingerprint=self._fingerprint
            )
            template = render.BodyTemplate(completion, self._profile)
        with self._lock:
            # The key holds the answers' texts too: they count with the rendered bytes.
            self._keep(key, template, template.size + sum(len(c.content or "") for c in choices))
            outcomes = self._outcomes
            if (plan, draws) not in outcomes and len(outcomes) >= OUTCOMES:
                outcomes.popitem(last=False)  # the oldest
            outcomes[(plan, draws)] = (key, usage)
        return template, usage

    def _keep(self, key: _Key, template: render.BodyTemplate, cost: int) -> None:
        templates = self._templates
        if key in templates or cost > TEMPLATE_BYTES:  # kept already, or too large to keep
            return
        templates[key] = (template, cost)
        self._template_bytes += cost
        while len(templates) > TEMPLATES or self._template_bytes > TEMPLATE_BYTES:
            self._template_bytes -= templates.popitem(last=False)[1][1]  # the oldest
