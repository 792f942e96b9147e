"""Driving the TUI as a user would, with Textual's Pilot."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from costcalc_tui.app import CostcalcApp, make_app
from textual.pilot import Pilot
from textual.widgets import Input
from tui_storm import key_event

Scenario = Callable[[CostcalcApp, Pilot[None]], Awaitable[None]]


def drive(scenario: Scenario, *, size: tuple[int, int] = (80, 24), debounce: float = 0.0, **options: Any) -> None:
    """Run ``scenario`` against a fresh app (no typing pause by default, so each key recomputes)."""

    async def main() -> None:
        app = make_app(debounce=debounce, **options)
        app.animation_level = "none"  # Pilot waits for animations to finish after every key
        record_notifications(app)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await scenario(app, pilot)

    asyncio.run(main())


def record_notifications(app: CostcalcApp) -> list[str]:
    """Keep every notification's text in ``app.notes`` (the app still shows them)."""
    notes: list[str] = []
    show = app.notify

    def notify(message: str, **options: Any) -> None:
        notes.append(message)
        show(message, **options)

    app.notify = notify  # type: ignore[method-assign]
    app.notes = notes  # type: ignore[attr-defined]
    return notes


def notes(app: CostcalcApp) -> list[str]:
    return app.notes  # type: ignore[attr-defined, no-any-return]


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def type_into(pilot: Pilot[None], field: str, text: str, *, clear: bool = True) -> None:
    """Focus a field, clear it with keys (Home, Ctrl+K), and type ``text`` key by key."""
    widget = pilot.app.query_one(f"#{field}", Input)
    widget.focus()
    await pilot.pause()
    if clear:
        await pilot.press("home", "ctrl+k")
    await pilot.press(*text)
    await pilot.pause()


async def burst(pilot: Pilot[None], *keys: str) -> None:
    """Post ``keys`` at once, as a terminal delivers a burst, then let the app catch up."""
    for key in keys:
        event = key_event(key)
        event.set_sender(pilot.app)
        pilot.app.post_message(event)
    await pilot.pause()


def rendered(app: CostcalcApp, selector: str) -> str:
    """The text a widget shows (read from the widget's renderable, never from a results table)."""
    return str(app.query_one(selector).render())


async def load(pilot: Pilot[None], path: Path | str, keys: Iterable[str] = ("ctrl+o",)) -> None:
    """Open a file through the Ctrl+O prompt."""
    await pilot.press(*keys)
    await pilot.pause()
    pilot.app.screen.query_one("#path", Input).value = str(path)
    await pilot.press("enter")
    await pilot.pause()
