"""Snapshots of each view at 80x24, and of help at two sizes: deterministic (no blinking cursor)."""

from __future__ import annotations

import pytest
from costcalc_tui.app import CostcalcApp, make_app
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import steady


def _app() -> CostcalcApp:
    return make_app()


async def _steady(pilot: Pilot[None]) -> None:
    """Stop every text cursor blinking, so a snapshot never depends on when it was taken."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("key", ["f2", "f3", "f4", "f5", "f7", "f8"])
def test_snapshot_views(snap_compare, key: str) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot[None]) -> None:
        steady(pilot)
        await pilot.app.workers.wait_for_complete()
        if key == "f3":
            await pilot.press("f6")
            pilot.app.clear_notifications()
        await pilot.press(key)
        await pilot.pause()
        await _steady(pilot)

    assert snap_compare(_app(), terminal_size=(80, 24), run_before=before)


@pytest.mark.parametrize("size", [(120, 40), (60, 16)])
def test_snapshot_help(snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def before(pilot: Pilot[None]) -> None:
        steady(pilot)
        await pilot.app.workers.wait_for_complete()
        await pilot.press("f1")
        await pilot.pause()
        await _steady(pilot)

    assert snap_compare(_app(), terminal_size=size, run_before=before)
