"""The Estimate view: typing, validation, the typing pause, key order, hostile text."""

from __future__ import annotations

import typing

import pytest
from costcalc_tui.app import CostcalcApp
from costcalc_tui.state import FIELD_TEXT, choices_of, field_names
from costcalc_tui.widgets.form import DEBOUNCE_SECONDS, FieldsForm
from textual.pilot import Pilot
from textual.widgets import Input, Select
from tui_helpers import burst, drive, fake_clock, rendered, settle, type_into

import costcalc
from costcalc.commands.scenario_files import SCENARIO_KEYS
from costcalc.estimator.input_fields import choices
from costcalc.estimator.inputs import EstimateInputs


def test_typing_recomputes_the_estimate() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        first = app.outcome.estimate
        assert first is not None and app.outcome.error is None
        assert first.scenario.params.m_as("parameter") == 70e9
        await type_into(pilot, "gpus", "4000")
        assert app.outcome.estimate is not None
        assert app.outcome.estimate.wall_clock.m_as("day") == pytest.approx(first.wall_clock.m_as("day") / 2)
        await type_into(pilot, "mfu", "50%")
        assert app.outcome.estimate.scenario.mfu.m == pytest.approx(0.5)
        app.query_one("#model", Select).value = "LLaMA-2-70B"
        await pilot.pause()
        assert app.outcome.estimate.scenario.model is not None  # the preset wins over typed params
        expected = costcalc.estimate(model="llama-2-70b", gpus=4000, mfu=0.5)
        assert app.outcome.estimate.gpu_hours.m_as("GPU_hour") == pytest.approx(expected.gpu_hours.m_as("GPU_hour"))

    drive(scenario)


def test_invalid_input_is_marked_and_the_last_estimate_kept() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        before = app.outcome.estimate
        params = app.query_one("#params", Input)
        params.value = "70 kg"  # as if pasted: typed key by key, "70" would be the last valid state
        await pilot.pause()
        assert params.has_class("-invalid") and params.has_class("-rejected")
        assert app.outcome.error is not None and app.outcome.error[0] == "params"
        assert "got a mass" in rendered(app, "#error")
        assert app.outcome.estimate is before
        await type_into(pilot, "params", "7B")
        assert app.outcome.error is None and not params.has_class("-rejected")

    drive(scenario)


def test_form_choices_come_from_the_input_model() -> None:
    """Every scenario input has a field; pick lists hold exactly the values the input model allows."""
    assert set(field_names()) == SCENARIO_KEYS and set(FIELD_TEXT) <= SCENARIO_KEYS
    dtype = EstimateInputs.model_fields["dtype"].annotation
    assert choices_of("dtype") == typing.get_args(typing.get_args(dtype)[0])
    assert choices_of("zero") == ("0", "1", "2", "3")
    assert choices_of("sp") == ("true", "false")
    assert choices_of("attention") == choices("attention") != ()
    assert choices_of("params") == ()

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        for name in ("dtype", "recompute", "optimizer", "zero", "sp"):
            select = app.query_one(f"#{name}", Select)
            assert tuple(value for _, value in select._options if value is not Select.NULL) == choices_of(name)

    drive(scenario)


def test_typing_waits_for_a_pause_before_estimating() -> None:
    """A burst of keys is estimated once, after the pause, not once per key.

    The pause is timed by a fake clock (``FakeClock``), never by real gaps between keys: on a
    loaded machine two keys can arrive further apart than the pause, which is no fault of the form.
    """

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        clock = fake_clock(app.query_one("#form", FieldsForm))
        calls: list[object] = []
        original = app.watch_form

        def counted(form: object) -> None:
            calls.append(form)
            original(form)  # type: ignore[arg-type]

        app.watch_form = counted  # type: ignore[method-assign]
        await type_into(pilot, "tokens", "123456789")
        assert calls == [] and len(clock.pending()) == 1  # each key restarted the one timer
        clock.advance(DEBOUNCE_SECONDS * 0.99)
        await pilot.pause()
        assert calls == []  # just short of the pause: still waiting
        await pilot.press("0")  # a key before the pause ends starts the wait again
        clock.advance(DEBOUNCE_SECONDS * 0.99)
        await pilot.pause()
        assert calls == []
        clock.advance(DEBOUNCE_SECONDS * 0.01)
        await pilot.pause()
        assert len(calls) == 1 and clock.pending() == []
        assert app.outcome.estimate is not None and app.outcome.estimate.scenario.tokens.m == 1234567890
        clock.advance(DEBOUNCE_SECONDS * 10)
        await pilot.pause()
        assert len(calls) == 1  # once: nothing more to estimate

    drive(scenario, debounce=DEBOUNCE_SECONDS)


def test_key_bursts_are_applied_in_order() -> None:
    """Home, Ctrl+K, then text, pressed as one burst: the field holds exactly the text, 12 times over."""

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        clock = fake_clock(app.query_one("#form", FieldsForm))
        field = app.query_one("#tokens", Input)
        field.focus()
        await pilot.pause()
        for trial in range(12):
            text = f"{trial + 1}.{trial}T"
            await burst(pilot, "end", "x", "y", "home", "ctrl+k", *text, "left", "right", "ctrl+e")
            assert field.value == text, trial
        clock.advance(DEBOUNCE_SECONDS)
        await pilot.pause()
        assert app.outcome.estimate is not None and app.outcome.estimate.scenario.tokens.m == pytest.approx(12.11e12)
        assert app.query_one("#tabs").active == "estimate"  # Ctrl+E is end of line here, not export
        assert len(app.screen_stack) == 1

    drive(scenario, debounce=DEBOUNCE_SECONDS)


MARKUP = ["[/x]", "[link=file:///etc/passwd]x[/link]", "[bold", "[/]", "[red]70B[/red]", "\\[x]", "[@click=quit]"]


def test_typed_markup_is_text() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        for field in ("params", "tokens", "gpus", "price", "power"):
            for text in MARKUP:
                app.query_one(f"#{field}", Input).value = text
                await pilot.pause()
                assert app.outcome.error is not None and app.outcome.error[0] == field
                assert text in rendered(app, "#error") or field == "params"
            app.query_one(f"#{field}", Input).value = "70B" if field == "params" else ""
        await pilot.press("f7")
        for text in MARKUP:
            app.query_one("#budget", Input).value = text
            await pilot.pause()
            assert app.panes["plan"].plan is None  # type: ignore[attr-defined]
        assert app.is_running

    drive(scenario)


GARBAGE = ["", " ", "\u0667\u0660", "nan", "inf", "-1", "9**9**9", "1e999", "70 kg", "x" * 300, "$$$", "2T tokens",
           "0", "1e-300", "__import__('os')", "\u202e70B", "70B70B", ".", "e5", "1,2,3", "1e300", "1e-320"]  # fmt: skip


def test_garbage_in_every_input_never_crashes() -> None:
    from costcalc_tui.state import DEFAULT_FORM, evaluate

    from costcalc.data.catalog import default_catalog

    catalog = default_catalog()
    for name in FIELD_TEXT:  # each field alone, through the same path the form takes
        for text in GARBAGE:
            evaluate(DEFAULT_FORM.with_values(**{name: text}), catalog, None)

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        fields = [field for field in app.query(Input) if field.id]
        await pilot.press("f7")
        for text in GARBAGE:  # every field at once, on the screen
            for field in fields:
                field.value = text
            await pilot.pause()
        await pilot.press("f4")
        await settle(pilot)
        assert app.is_running

    drive(scenario)


def test_a_model_preset_disables_the_fields_it_sets() -> None:
    """With a preset picked, Parameters and Active params are disabled (dimmed, skipped by Tab), not just ignored."""

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        params, active = app.query_one("#params", Input), app.query_one("#active_params", Input)
        assert not params.disabled and not active.disabled
        app.query_one("#model", Select).value = "LLaMA-2-7B"
        await pilot.pause()
        assert params.disabled and active.disabled and params.tooltip == "set by the model preset"
        assert params.value == "70B"  # kept for when the preset is cleared
        app.query_one("#model", Select).focus()
        for _ in range(4):
            await pilot.press("tab")
            assert app.focused not in (params, active)
        app.query_one("#model", Select).value = Select.NULL
        await pilot.pause()
        assert not params.disabled and not active.disabled and params.tooltip is None
        assert app.outcome.estimate is not None and app.outcome.estimate.scenario.params.m_as("parameter") == 70e9

    drive(scenario)


def test_no_pick_list_shows_the_same_label_twice() -> None:
    """The blank entry's prompt must not read as one of the choices (the GPU list showed A100-80GB twice)."""

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        for select in app.query(Select):
            labels = [
                str(select.prompt),
                *(str(prompt) for prompt, value in select._options if value is not Select.NULL),
            ]
            assert len(labels) == len(set(labels)), (select.id, labels)
        assert str(app.query_one("#gpu", Select).prompt) == "default (A100-80GB)"

    drive(scenario)
