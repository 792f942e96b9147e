"""Compare, Plot, Plan, Costs and the article check, each driven from the keyboard."""

from __future__ import annotations

import itertools

import pytest
from costcalc_tui.app import CostcalcApp
from costcalc_tui.widgets.compare import COLUMNS, CompareTable
from costcalc_tui.widgets.plot import CostPlot, ticks
from textual.pilot import Pilot
from textual.widgets import Input, Select
from tui_helpers import drive, rendered, screen_text, settle, type_into

import costcalc
from costcalc.commands.article import check_article


def test_function_keys_switch_views_from_any_field() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        app.query_one("#gpu", Select).focus()
        for key, tab in (("f3", "compare"), ("f4", "plot"), ("f5", "check"), ("f7", "plan"), ("f8", "costs"),
                         ("f2", "estimate")):  # fmt: skip
            await pilot.press(key)
            await pilot.pause()
            assert app.query_one("#tabs").active == tab
            assert app.focused is not None and app.panes[tab].query(f"#{app.focused.id}")

    drive(scenario)


def test_pin_compare_and_unpin_the_first() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press("f6")
        app.query_one("#gpu", Select).value = "A800-80GB"
        await pilot.pause()
        await type_into(pilot, "gpus", "1000")
        await pilot.press("f6")
        await type_into(pilot, "price", "4")
        await pilot.press("f6", "f3")
        await pilot.pause()
        table = app.query_one(CompareTable)
        assert COLUMNS[1] == "GPUs" and "vs first pinned" in COLUMNS
        labels = ["#1 70B on A100-80GB", "#2 70B on A800-80GB", "#3 70B on A800-80GB"]
        assert [p.label for p in app.pins.items] == labels
        assert [p.estimate.scenario.gpus.m for p in app.pins.items] == [2000, 1000, 1000]
        ratio = app.pins.items[2].estimate.cost / app.pins.items[0].estimate.cost
        assert str(table.get_cell_at((2, 5))) == f"{float(ratio.m_as('')):.2f}x"
        table.move_cursor(row=0)
        await pilot.press("delete")  # unpin #1: the ratios are now against #2
        assert table.row_count == 2 and [p.label[:2] for p in app.pins.items] == ["#2", "#3"]
        ratio = app.pins.items[1].estimate.cost / app.pins.items[0].estimate.cost
        assert str(table.get_cell_at((0, 5))) == "1.00x"
        assert str(table.get_cell_at((1, 5))) == f"{float(ratio.m_as('')):.2f}x"
        await pilot.press("f6")
        assert app.pins.items[-1].label.startswith("#4 ")  # numbers are not reused

    drive(scenario, size=(100, 30))


def test_plot_survives_resizing_and_tiny_terminals() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press("f4")
        await settle(pilot)
        plot = app.query_one(CostPlot)
        for size in ((80, 24), (100, 30), (80, 24), (20, 5), (20, 5), (41, 14), (200, 60), (30, 12), (80, 24)):
            await pilot.resize_terminal(*size)
            await settle(pilot)
            assert app.is_running, size
            text = str(plot.render())
            if plot.size.width < 40 or plot.size.height < 10:
                assert text.startswith("Too small to plot"), size
            else:
                assert "days (left axis, upper) and cost $M (right axis, lower)" in text, size
        for axis in ("params", "tokens", "gpus"):
            app.query_one("#axis", Select).value = axis
            await settle(pilot)
            assert app.panes["plot"].sweep.axis == axis  # type: ignore[attr-defined]

    drive(scenario)


def test_plot_ticks_read_as_counts() -> None:
    import numpy as np

    values, labels = ticks(np.geomspace(1e9, 1e12, 10))
    assert labels == ["1B", "5.6B", "32B", "178B", "1T"] and values[0] == pytest.approx(1e9)
    assert ticks(np.geomspace(64, 16384, 9))[1] == ["64", "256", "1k", "4.1k", "16k"]


@pytest.mark.parametrize(
    ("field", "text", "reason"),
    [
        ("budget", "1e300", ""),
        ("deadline", "1e-300 s", ""),
        ("budget", "2 kg", "budget"),
        ("budget", "[/x]", "budget"),
    ],
)
def test_plan_errors_are_shown_inline(field: str, text: str, reason: str) -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press("f7")
        await settle(pilot)
        await type_into(pilot, field, text)
        assert app.is_running and app.panes["plan"].plan is None  # type: ignore[attr-defined]
        assert reason in rendered(app, "#plan-result") and rendered(app, "#plan-result").strip()

    drive(scenario)


def test_plan_with_a_vanishing_price() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await type_into(pilot, "price", "1e-320")
        await pilot.press("f7")
        await settle(pilot)
        assert app.is_running and app.panes["plan"].plan is None  # type: ignore[attr-defined]
        assert rendered(app, "#plan-result")

    drive(scenario)


def test_plan_is_the_model_costcalc_plan_returns_and_can_be_used() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press("f7")
        await settle(pilot)
        plan = app.panes["plan"].plan  # type: ignore[attr-defined]
        expected = costcalc.plan("2M USD", deadline="30 days", gpu="A100-80GB")
        assert plan is not None and plan.to_dict() == expected.to_dict()
        await type_into(pilot, "budget", "1M USD")
        await pilot.press("f9")  # copy the plan into the form
        await settle(pilot)
        est = app.outcome.estimate
        assert est is not None and app.query_one("#tabs").active == "estimate"
        assert est.cost.m_as("USD") == pytest.approx(1e6, rel=1e-3)
        assert app.query_one("#model", Select).value is Select.NULL

    drive(scenario)


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
def test_plan_hint_is_never_cut(size: tuple[int, int]) -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press("f7")
        await settle(pilot)
        hint = app.query_one("#plan-hint")
        screen = app.screen.region
        assert hint.region.height >= 1 and screen.contains_region(hint.region)
        assert hint.virtual_size.height <= hint.region.height  # every wrapped line shown

    drive(scenario, size=size)


def test_costs_and_layout_fields() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press("f8")
        await settle(pilot)
        assert [m.name for m in app.panes["costs"].models][-1] == "owned hardware"  # type: ignore[attr-defined]
        app.query_one("#model", Select).value = "LLaMA-2-7B"
        await type_into(pilot, "gpus", "48")
        app.query_one("#recompute", Select).value = "full"
        app.query_one("#zero", Select).value = "3"
        await type_into(pilot, "tp", "2")
        memory = app.outcome.estimate.memory
        assert memory is not None and (memory.tp, memory.zero, memory.recompute) == (2, 3, "full")
        await type_into(pilot, "tp", "3")  # 48 GPUs divide by 3, LLaMA-2-7B's 32 heads do not
        assert app.outcome.error is not None and app.outcome.error[0] == "tp"
        assert app.query_one("#tp", Input).has_class("-rejected")

    drive(scenario)


def test_article_check_view() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press("f5")
        await pilot.pause()
        results = app.panes["check"].results  # type: ignore[attr-defined]
        assert list(results) == [r.id for r in check_article()]
        await pilot.press(*["down"] * list(results).index("L2c"))
        await pilot.pause()
        assert "L2c INCONSISTENT" in rendered(app, "#claim-detail")

    drive(scenario)


def test_plain_numbers() -> None:
    from costcalc.render.numbers import plain

    assert [plain(v) for v in (1330.4, 720.2, 52.61, 0.5, 123456.0)] == ["1,330", "720", "52.6", "0.5", "123,000"]


@pytest.mark.parametrize(("low", "high"), [(0.0, 1.0), (-3.5, 2.25), (4.0, 4.0 + 1e-12), (9.0, 15.0)])
def test_days_and_cost_bands_never_overlap(low: float, high: float) -> None:
    """Days (upper) and cost (lower) each fill 45% of the plot's height, 10% apart, whatever their ranges."""
    from costcalc_tui.widgets.plot import BAND_GAP, band

    def share(value: float, limits: tuple[float, float]) -> float:
        return (value - limits[0]) / (limits[1] - limits[0])

    upper, lower = band(low, high, upper=True), band(low, high, upper=False)
    top = (share(low, upper), share(high, upper))
    bottom = (share(low, lower), share(high, lower))
    if high - low > 1e-6:
        assert top == pytest.approx(((1 + BAND_GAP) / 2, 1.0)) and bottom == pytest.approx((0.0, (1 - BAND_GAP) / 2))
    assert min(top) - max(bottom) >= BAND_GAP - 1e-9


def test_plot_against_parameters_draws_two_bands() -> None:
    """Along parameters days and cost move together; drawn, the two curves occupy different rows."""

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press("f4")
        app.query_one("#axis", Select).value = "params"
        await settle(pilot)
        chart = app.query_one(CostPlot)
        assert chart.shown[0] is not None and chart.shown[0].axis == "params"
        await pilot.pause()
        canvas = screen_text(app).splitlines()[chart.region.y : chart.region.bottom]
        rows = [i for i, line in enumerate(canvas) if any("\u2800" < c <= "\u28ff" for c in line)]
        assert len(rows) > 10 and len(rows) < len(canvas)  # braille curve cells exist, in some rows only
        gaps = [b - a for a, b in itertools.pairwise(rows)]
        assert max(gaps) >= 2, rows  # an empty row at least between the days band and the cost band

    drive(scenario, size=(100, 40))
