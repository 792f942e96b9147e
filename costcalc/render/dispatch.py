"""The one way up from a result to its renderer: ``show(result, view)`` for ``costcalc.base.display``.

``VIEWS`` maps each result type (by class name, so a subclass finds its parent's views) to its
renderers: ``repr`` (one line, or a few for a list of results), ``text`` (what ``print()`` shows:
the command's table) and ``html`` (a notebook's table). A type without a ``text`` view prints its
repr.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from costcalc.render import html, summary
from costcalc.render.backtest import render_backtest
from costcalc.render.checks import render_checks
from costcalc.render.claim_words import outcome_words
from costcalc.render.estimate import assumption_records, render_table
from costcalc.render.memory import render_memory
from costcalc.render.phrases import phrase_text
from costcalc.render.plan import render_plan
from costcalc.render.recipe import recipe_html, recipe_repr, render_recipe
from costcalc.render.stage_plan import render_stage_plan, stage_plan_html
from costcalc.render.sweep import render_compare, render_sweep
from costcalc.render.words import worded

__all__ = ["VIEWS", "WORDS", "View", "show", "words"]

View = Literal["repr", "text", "html"]
Renderer = Callable[[Any], str]


def _text(render: Callable[[Any, str], object]) -> Renderer:
    """The command's table of a result (``costcalc ... --format table``)."""
    return lambda result: str(render(result, "table"))


#: Class name -> view -> renderer. Every class that mixes in ``Displayed`` has an entry (a test holds it).
VIEWS: dict[str, dict[str, Renderer]] = {
    "Estimate": {"repr": summary.estimate_repr, "text": render_table, "html": html.estimate_html},
    "Plan": {"repr": summary.plan_repr, "text": _text(render_plan), "html": html.plan_html},
    "MemoryReport": {"repr": summary.memory_repr, "text": _text(render_memory), "html": html.memory_html},
    "FinetuneReport": {"repr": summary.finetune_repr, "text": summary.finetune_text, "html": html.finetune_html},
    "SweepResult": {"repr": summary.sweep_repr, "text": _text(render_sweep), "html": html.sweep_html},
    "BacktestReport": {"repr": summary.backtest_repr, "text": _text(render_backtest), "html": html.backtest_html},
    "CostModel": {"repr": summary.cost_model_repr, "html": html.cost_model_html},
    "ClaimCheck": {"repr": summary.claim_repr, "html": html.claim_html},
    "ClaimChecks": {
        "repr": summary.claims_repr,
        "text": lambda checks: render_checks(checks, "table", title="Claims checked"),
        "html": html.claims_html,
    },
    "Comparison": {"repr": summary.comparison_repr, "text": _text(render_compare), "html": html.comparison_html},
    "Recipe": {"repr": recipe_repr, "text": _text(render_recipe), "html": recipe_html},
    "StagePlan": {"repr": summary.stage_plan_repr, "text": _text(render_stage_plan), "html": stage_plan_html},
}


def show(result: object, view: View) -> str:
    """``result`` drawn as ``view`` by the renderer of its type (or of the nearest parent type that has one)."""
    for cls in type(result).__mro__:
        views = VIEWS.get(cls.__name__)
        if views is not None:
            render = views.get(view) or (views["repr"] if view == "text" else None)
            if render is not None:
                return render(result)
    return object.__repr__(result)


#: Words domain code quotes (through ``costcalc.base.display.in_words``): view -> renderer.
WORDS: dict[str, Callable[[Any], Any]] = {
    "assumption": worded,  # an Assumption: (name, value, basis) in words
    "assumption_records": assumption_records,  # an Estimate's assumptions for JSON, in words and as data
    "claim_outcome": outcome_words,  # a claim check's Outcome: its estimate, reason, tolerance, deciding, source
    "phrase": phrase_text,  # a Phrase (a key and typed parameters): the sentence domain code hands over
}


def words(thing: object, view: str) -> Any:
    """``thing`` worded for ``view`` (a key of ``WORDS``)."""
    return WORDS[view](thing)
