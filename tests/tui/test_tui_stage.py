"""The Estimate form's stage and method fields (and those they enable), and the Recipe view."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest
from costcalc_tui.app import CostcalcApp
from costcalc_tui.panes.estimate import TUNING_FIELDS
from costcalc_tui.panes.recipe import RecipePane
from costcalc_tui.state import FormState, inapplicable
from textual.pilot import Pilot
from textual.widgets import Input, Markdown, Select
from tui_helpers import drive, screen_text, type_into

import costcalc
from costcalc.commands.recipe import TEMPLATE, shipped_recipes
from costcalc.render.recipe import render_recipe
from costcalc.schemas.training import LoraTargets, Method, Padding, Quant, Stage


def _disabled(app: CostcalcApp) -> dict[str, str]:
    """The fine-tuning fields now disabled, with the tooltip that says why."""
    out = {}
    for name in TUNING_FIELDS:
        widget = app.query_one(f"#{name}")
        if widget.disabled:
            out[name] = str(widget.tooltip)
    return out


async def _pick(app: CostcalcApp, pilot: Pilot[None], name: str, value: str) -> None:
    app.query_one(f"#{name}", Select).value = value if value else Select.NULL
    await pilot.pause()


def test_the_stage_fields_take_their_choices_from_the_input_model() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        specs = {s.name: s for s in app.panes["estimate"].form.specs}  # type: ignore[attr-defined]
        expected = {"stage": Stage, "method": Method, "lora_targets": LoraTargets, "quant": Quant, "padding": Padding}
        for name, literal in expected.items():
            assert specs[name].kind == "choice" and specs[name].choices == typing.get_args(literal)
            assert isinstance(app.query_one(f"#{name}"), Select)
        for name in ("lora_rank", "examples", "epochs", "example_tokens"):
            assert specs[name].kind == "text" and isinstance(app.query_one(f"#{name}"), Input)
        order = [s.name for s in app.panes["estimate"].form.specs]  # type: ignore[attr-defined]
        assert order.index("stage") == order.index("price") + 1 and order.index("method") == order.index("stage") + 1

    drive(scenario)


def test_fields_are_enabled_by_the_stage_and_method_they_need() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        assert set(_disabled(app)) == set(TUNING_FIELDS)  # pre-training: none applies
        assert _disabled(app)["quant"] == "needs method qlora"
        await _pick(app, pilot, "method", "lora")
        assert set(_disabled(app)) == set(TUNING_FIELDS) - {"lora_rank", "lora_targets"}
        await _pick(app, pilot, "method", "qlora")
        assert "quant" not in _disabled(app) and "lora_rank" not in _disabled(app)
        await _pick(app, pilot, "stage", "sft")
        off = _disabled(app)
        assert "examples" not in off and off["epochs"] == "describes examples: give examples first"
        assert off["precomputed_reference"] == "needs stage dpo"
        await type_into(pilot, "examples", "52002")
        assert set(_disabled(app)) == {"precomputed_reference"}
        await _pick(app, pilot, "stage", "dpo")
        assert _disabled(app) == {}
        await _pick(app, pilot, "method", "full")
        assert set(_disabled(app)) == {"lora_rank", "lora_targets", "quant"}

    drive(scenario)


def test_a_disabled_fields_value_is_set_aside_not_refused() -> None:
    """A rank typed for LoRA stays in its (now disabled) field when the method goes back to full, and
    the estimate runs without it, as a preset's parameters are set aside."""

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        app.query_one("#model", Select).value = "LLaMA-2-7B"
        await _pick(app, pilot, "stage", "sft")
        await _pick(app, pilot, "method", "lora")
        await type_into(pilot, "tokens", "100M")
        await type_into(pilot, "seq_len", "512")
        await type_into(pilot, "gpus", "8")
        await type_into(pilot, "lora_rank", "8")
        assert app.outcome.error is None and app.inputs["lora_rank"] == "8"
        lora = app.outcome.estimate
        await _pick(app, pilot, "method", "full")
        assert app.outcome.error is None and "lora_rank" not in app.inputs
        assert app.query_one("#lora_rank", Input).value == "8"
        full = costcalc.estimate(model="llama-2-7b", stage="sft", method="full", tokens="100M", seq_len=512, gpus=8)
        est = app.outcome.estimate
        assert est is not None and lora is not None and est.cost == full.cost and est.cost != lora.cost

    drive(scenario)


@pytest.mark.parametrize(
    ("given", "unused"),
    [
        ({}, {"lora_rank", "lora_targets", "quant", "examples", "epochs", "example_tokens", "padding",
              "precomputed_reference"}),
        ({"stage": "pretrain", "method": "lora"}, {"quant", "examples", "epochs", "example_tokens", "padding",
                                                   "precomputed_reference"}),
        ({"stage": "long-context", "examples": "9"}, {"lora_rank", "lora_targets", "quant", "precomputed_reference"}),
    ],
)  # fmt: skip
def test_inapplicable_fields(given: dict[str, str], unused: set[str]) -> None:
    assert set(inapplicable(given)) == unused
    values = {**given, **dict.fromkeys(unused, "1")}
    assert set(FormState.of(values).inputs()) == set(given)


def _markdown(app: CostcalcApp) -> str:
    return str(app.query_one("#recipe-result", Markdown).source)


def test_the_recipe_view_shows_what_costcalc_recipe_prints(tmp_path: Path) -> None:
    """F10 runs the first shipped recipe; a file typed and entered takes its place (export is
    costcalc's renderer); emptied, the pick is back; a bad file is said in one line while the last
    recipe stays."""
    mine = tmp_path / "mine.toml"
    mine.write_text(TEMPLATE, encoding="utf-8")

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press("f10")
        await pilot.pause()
        pane = app.panes["recipe"]
        assert isinstance(pane, RecipePane) and app.query_one("#tabs").active == "recipe"
        first = next(iter(shipped_recipes()))
        shipped = costcalc.recipe(first)
        assert _markdown(app) == render_recipe(shipped, "markdown")
        await type_into(pilot, "recipe-file", str(mine))
        assert _markdown(app) == render_recipe(shipped, "markdown")  # typing alone runs nothing
        await pilot.press("enter")
        assert _markdown(app) == render_recipe(costcalc.recipe(str(mine)), "markdown")
        assert "Llama-2-7B, pre-trained and instruction-tuned" in _markdown(app)
        data = json.loads(pane.export(as_json=True))
        assert [s["name"] for s in data["stages"]] == ["pre-training", "instruction tuning"]
        await type_into(pilot, "recipe-file", "")  # an empty file field is the pick again
        assert _markdown(app) == render_recipe(shipped, "markdown")
        await type_into(pilot, "recipe-file", str(tmp_path / "missing.toml"))
        await pilot.press("enter")
        error = str(app.query_one("#recipe-error").render())
        assert "cannot be read" in error and "(showing the last recipe)" in error and "\n" not in error.strip()
        assert pane.recipe is not None and pane.recipe.name == shipped.name
        assert _markdown(app) == render_recipe(shipped, "markdown")

    drive(scenario, size=(100, 30))


def test_the_costs_view_adds_hosted_prices_for_a_fine_tuning_stage() -> None:
    """As ``costcalc costs`` does: an SFT estimate gets the hosted prices per token, pre-training none."""

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press("f8")
        await pilot.pause()
        assert "Hosted fine-tuning" not in screen_text(app)
        values = {"model": "LLaMA-2-7B", "stage": "sft", "method": "lora", "tokens": "100M", "seq_len": "512",
                  "gpus": "8"}  # fmt: skip
        app.apply(FormState.of(values))
        await pilot.pause()
        shown = screen_text(app)
        assert "Hosted fine-tuning for 100M training tokens" in shown and "Together AI" in shown
        data = json.loads(app.panes["costs"].export(as_json=True))
        expected = costcalc.estimate(model="llama-2-7b", stage="sft", method="lora", tokens="100M", seq_len=512)
        [quote] = data["hosted"]["quotes"]
        assert quote["method"] == "lora" and data["hosted"]["tokens"] == expected.scenario.tokens.m_as("token")

    drive(scenario, size=(100, 30))
