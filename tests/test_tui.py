"""The terminal UI, driven as a user would with Textual's Pilot, plus snapshots of each view."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from costcalc_tui.app import CostcalcApp, make_app
from costcalc_tui.widgets.compare import CompareTable
from textual.widgets import Input, Select

from costcalc.commands.article import check_article


def run(coro):  # type: ignore[no-untyped-def]
    import asyncio

    return asyncio.run(coro)


async def _settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _type(pilot, field: str, text: str) -> None:  # type: ignore[no-untyped-def]
    widget = pilot.app.query_one(f"#{field}", Input)
    widget.focus()
    widget.value = ""
    await pilot.press(*text)
    await pilot.pause()


def test_typing_recomputes_the_estimate() -> None:
    async def scenario() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            first = app.session.last
            assert first is not None and app.session.error is None
            assert first.scenario.params.m_as("parameter") == 70e9
            await _type(pilot, "gpus", "4000")
            assert app.session.last is not None
            assert app.session.last.wall_clock.m_as("day") == pytest.approx(first.wall_clock.m_as("day") / 2)
            await _type(pilot, "mfu", "50%")
            assert app.session.last.scenario.mfu.m == pytest.approx(0.5)
            app.query_one("#model", Select).value = "LLaMA-2-70B"
            await pilot.pause()
            assert app.session.last.scenario.model is not None  # the preset wins over typed params
            assert app.session.last.gpu_hours.m_as("GPU_hour") == pytest.approx(
                __import__("costcalc").estimate(model="llama-2-70b", gpus=4000, mfu=0.5).gpu_hours.m_as("GPU_hour")
            )

    run(scenario())


def test_invalid_input_is_marked_and_the_last_estimate_kept() -> None:
    async def scenario() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            before = app.session.last
            params = app.query_one("#params", Input)
            params.value = "70 kg"  # as if pasted: typed key by key, "70" would be the last valid state
            await pilot.pause()
            assert params.has_class("-invalid") or params.has_class("-rejected")
            assert app.session.error is not None and app.session.error[0] == "params"
            assert "got a mass" in str(app.query_one("#error").render())
            assert app.session.last is before
            await _type(pilot, "params", "7B")
            assert app.session.error is None and not params.has_class("-rejected")

    run(scenario())


def test_pin_and_compare() -> None:
    async def scenario() -> None:
        app = make_app()
        async with app.run_test(size=(100, 30)) as pilot:
            await _settle(pilot)
            await pilot.press("f6")
            app.query_one("#gpu", Select).value = "A800-80GB"
            await pilot.pause()
            await _type(pilot, "gpus", "1000")
            await pilot.press("f6")
            await pilot.press("f3")
            await pilot.pause()
            table = app.query_one(CompareTable)
            assert table.row_count == 2
            assert "on A800-80GB" in str(table.get_row_at(1)[0])
            assert str(table.get_row_at(1)[4]) == "1.00x"  # same GPU-hours and price: same cost
            table.focus()
            await pilot.press("delete")
            assert table.row_count == 1 and len(app.session.pinned) == 1

    run(scenario())


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"

    async def scenario() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            await _type(pilot, "tokens", "3T")
            await pilot.press("ctrl+s")
            await pilot.pause()
            field = app.screen.query_one("#path", Input)
            field.value = str(path)
            await pilot.press("enter")
            await pilot.pause()
            assert path.is_file() and 'tokens = "3T"' in path.read_text()
            assert [p.name for p in tmp_path.iterdir()] == ["plan.toml"]  # nothing half-written left
            await _type(pilot, "tokens", "1T")
            await pilot.press("ctrl+o")
            await pilot.pause()
            app.screen.query_one("#path", Input).value = str(path)
            await pilot.press("enter")
            await pilot.pause()
            assert app.query_one("#tokens", Input).value == "3T"
            assert app.session.last is not None and app.session.last.scenario.tokens.m_as("token") == 3e12

    run(scenario())
    # The CLI reads the same file.
    import costcalc.commands.scenario_files

    assert costcalc.commands.scenario_files.load_scenario(path)[1]["tokens"] == "3T"


def test_export_json_and_markdown(tmp_path: Path) -> None:
    async def scenario() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            for name in ("view.json", "view.md"):
                await pilot.press("ctrl+e")
                await pilot.pause()
                app.screen.query_one("#path", Input).value = str(tmp_path / name)
                await pilot.press("enter")
                await pilot.pause()
            assert json.loads((tmp_path / "view.json").read_text())["gpu_hours"] > 0
            assert (tmp_path / "view.md").read_text().startswith("| result | estimate |")

    run(scenario())


def test_function_keys_switch_views_from_any_field() -> None:
    async def scenario() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            app.query_one("#gpu", Select).focus()
            views = (
                ("f3", "compare"),
                ("f4", "plot"),
                ("f5", "check"),
                ("f7", "plan"),
                ("f8", "costs"),
                ("f2", "estimate"),
            )
            for key, tab in views:
                await pilot.press(key)
                await pilot.pause()
                assert app.query_one("#tabs").active == tab

    run(scenario())


def test_plan_costs_and_layout_fields() -> None:
    async def scenario() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            await pilot.press("f7")
            await pilot.pause()
            assert app.plan_result is not None and app.plan_result.question == "2,000,000 USD and 30 days on A100-80GB"
            app.query_one("#budget", Input).value = "2 kg"
            await pilot.pause()
            assert app.plan_result is None and "budget" in str(app.query_one("#plan-result").render())
            app.query_one("#budget", Input).value = "1M USD"
            await pilot.pause()
            await pilot.press("ctrl+u")  # copy the plan into the form
            await pilot.pause()
            est = app.session.last
            assert est is not None and app.query_one("#tabs").active == "estimate"
            assert est.cost.m_as("USD") == pytest.approx(1e6, rel=1e-3)
            await pilot.press("f8")
            await pilot.pause()
            assert [m.name for m in app.cost_models][-1] == "owned hardware"
            app.query_one("#model", Select).value = "LLaMA-2-7B"
            await _type(pilot, "gpus", "48")
            app.query_one("#recompute", Select).value = "full"
            app.query_one("#zero", Select).value = "3"
            await _type(pilot, "tp", "2")
            memory = app.session.last.memory
            assert memory is not None and (memory.tp, memory.zero, memory.recompute) == (2, 3, "full")
            await _type(pilot, "tp", "3")  # 48 GPUs divide by 3, LLaMA-2-7B's 32 heads do not
            assert app.session.error is not None and app.session.error[0] == "tp"

    run(scenario())


def test_plain_numbers() -> None:
    from costcalc_tui.widgets.results import plain

    assert [plain(v) for v in (1330.4, 720.2, 52.61, 0.5, 123456.0)] == ["1,330", "720", "52.6", "0.5", "123,000"]


def test_article_check_view() -> None:
    async def scenario() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            await pilot.press("f5")
            await pilot.pause()
            assert len(app.claims) == len(check_article())
            table = app.query_one("#claims")
            table.focus()
            await pilot.press(*["down"] * list(app.claims).index("L2c"))
            await pilot.pause()
            assert "L2c INCONSISTENT" in str(app.query_one("#claim-detail").render())

    run(scenario())


GARBAGE = ["", " ", "\u0667\u0660", "nan", "inf", "-1", "9**9**9", "1e999", "70 kg", "x" * 300, "$$$", "2T tokens",
           "0", "1e-300", "__import__('os')", "\u202e70B", "70B70B", ".", "e5", "1,2,3"]  # fmt: skip


def test_garbage_in_every_input_never_crashes() -> None:
    async def scenario() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            fields = ("params", "active_params", "tokens", "gpus", "mfu", "price", "seq_len", "tp", "pp", "micro_batch",
                      "budget", "deadline", "plan-gpus")  # fmt: skip
            await pilot.press("f7")
            for field in fields:
                for text in GARBAGE:
                    app.query_one(f"#{field}", Input).value = text
                    await pilot.pause()
                app.query_one(f"#{field}", Input).value = ""
            await pilot.press("f4")
            await pilot.pause()
            assert app.is_running

    run(scenario())


def test_random_key_presses_never_crash() -> None:
    keys = [
        *"0123456789abcdefkKMBT.,%$ /-*^()e",
        *("tab", "shift+tab", "enter", "escape", "backspace", "delete", "left", "right", "up", "down", "home"),
        *("end", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "ctrl+u", "space", "pageup", "pagedown"),
    ]
    rng = random.Random(20261128)

    async def scenario() -> None:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await _settle(pilot)
            for _ in range(400):
                await pilot.press(rng.choice(keys))
            await pilot.pause()
            assert app.is_running

    run(scenario())


def _app() -> CostcalcApp:
    return make_app()


async def _steady(pilot) -> None:  # type: ignore[no-untyped-def]
    """Stop every text cursor blinking, so a snapshot never depends on when it was taken."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("key", ["f2", "f3", "f4", "f5", "f7", "f8"])
def test_snapshot_views(snap_compare, key: str) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.app.workers.wait_for_complete()
        if key == "f3":
            await pilot.press("f6")
            pilot.app.clear_notifications()
        await pilot.press(key)
        await pilot.pause()
        await _steady(pilot)

    assert snap_compare(_app(), terminal_size=(80, 24), run_before=before)


def test_snapshot_help_at_larger_size(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.app.workers.wait_for_complete()
        await pilot.press("f1")
        await pilot.pause()
        await _steady(pilot)

    assert snap_compare(_app(), terminal_size=(120, 40), run_before=before)
