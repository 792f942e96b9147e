"""Driving the TUI as a user would, with Textual's Pilot.

No TUI test depends on the machine's speed: the typing pause runs on a fake clock (``FakeClock``)
and Pilot's waits count messages (``quiet``) instead of guessing from CPU use. To repeat the check
that they pass on a loaded machine, run them ten times beside a CPU-bound process:

    python -c "while True: pass" & hog=$!
    for i in $(seq 10); do pytest tests/tui -q -p no:cacheprovider || break; done; kill $hog
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from costcalc_tui.app import CostcalcApp, make_app
from textual.pilot import Pilot
from textual.widgets import Input
from tui_storm import key_event

Scenario = Callable[[CostcalcApp, Pilot[None]], Awaitable[None]]


def drive(
    scenario: Scenario,
    /,
    *,
    size: tuple[int, int] = (80, 24),
    debounce: float = 0.0,
    notifications: bool = False,
    **options: Any,
) -> None:
    """Run ``scenario`` against a fresh app (no typing pause by default, so each key recomputes).

    Notifications are recorded (``notes``); they are drawn only with ``notifications=True``.

    The pilot's ``press`` and ``pause`` return only once the app has handled every message they
    caused (see ``quiet``), however slowly the machine runs.
    """

    async def main() -> None:
        app = make_app(debounce=debounce, **options)
        app.animation_level = "none"  # Pilot waits for animations to finish after every key
        record_notifications(app)
        async with app.run_test(size=size, notifications=notifications) as pilot:
            steady(pilot)
            await settle(pilot)
            await scenario(app, pilot)

    asyncio.run(main())


def busy(app: CostcalcApp) -> bool:
    """True while the app or a widget on any of its screens has a message waiting."""
    nodes = [app, *(node for screen in app.screen_stack for node in screen.walk_children(with_self=True))]
    return any(node.message_queue_size for node in nodes)


async def quiet(pilot: Pilot[Any], rounds: int = 10_000) -> None:
    """Wait until the app has handled every message, including those its handlers posted.

    Pilot's own waits guess from CPU use whether the app is idle, a guess a loaded machine
    defeats; this counts messages instead, so it never depends on the machine's speed.
    """
    for _ in range(rounds):
        await pilot._wait_for_screen()
        if not busy(pilot.app):  # type: ignore[arg-type]
            return
    raise AssertionError(f"the app still had messages to handle after {rounds} rounds")


def steady(pilot: Pilot[Any]) -> None:
    """Make this pilot's ``press`` and ``pause`` end with ``quiet``."""
    press, pause = pilot.press, pilot.pause

    async def pressed(*keys: str) -> None:
        await press(*keys)
        await quiet(pilot)

    async def paused(delay: float | None = None) -> None:
        await pause(delay)
        await quiet(pilot)

    pilot.press = pressed  # type: ignore[method-assign]
    pilot.pause = paused  # type: ignore[method-assign]


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


#: Worker groups that run as long as their widget does (the folder tree's loader waits for folders
#: to open): never waited for.
ENDLESS = {"_loader"}


async def settle(pilot: Pilot[None]) -> None:
    """Wait for every worker that ends (the article check, a folder being listed), then for quiet."""
    await pilot.app.workers.wait_for_complete([w for w in pilot.app.workers if w.group not in ENDLESS])
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


async def load(
    pilot: Pilot[None], path: Path | str, keys: Iterable[str] = ("ctrl+o",), *, replace: bool = False
) -> None:
    """Give a file name to the dialog a key opens (Ctrl+O load, Ctrl+S save, Ctrl+R export); with
    ``replace``, a second Enter confirms replacing a file. A dialog left open by a name it could not
    use (its reason shown inside it) is closed with Escape."""
    await pilot.press(*keys)
    await pilot.pause()
    pilot.app.screen.query_one("#path", Input).value = str(path)
    await pilot.press(*(["enter", "enter"] if replace else ["enter"]))
    await pilot.pause()
    if len(pilot.app.screen_stack) > 1:
        await pilot.press("escape")
        await pilot.pause()


@dataclass
class FakeTimer:
    due: float
    callback: Callable[[], object] | None
    active: bool = True

    def stop(self) -> None:
        self.active = False


@dataclass
class FakeClock:
    """Stands in for widgets' ``set_timer``: a timer fires only when the test moves the clock on.

    Tests of the typing pause use it instead of waiting in real time, so they never depend on how
    fast the machine delivers keys (a loaded machine can take longer between two keys than the pause).
    """

    now: float = 0.0
    timers: list[FakeTimer] = field(default_factory=list)

    def set_timer(self, delay: float, callback: Callable[[], object] | None = None, **_: Any) -> FakeTimer:
        timer = FakeTimer(self.now + delay, callback)
        self.timers.append(timer)
        return timer

    def pending(self) -> list[FakeTimer]:
        return [t for t in self.timers if t.active]

    def advance(self, seconds: float) -> None:
        """Move the clock on by ``seconds``, firing (in order) every timer that falls due."""
        self.now += seconds
        for timer in sorted(self.pending(), key=lambda t: t.due):
            if timer.due <= self.now + 1e-12:
                timer.active = False
                if timer.callback is not None:
                    timer.callback()


def fake_clock(*widgets: Any) -> FakeClock:
    """One fake clock for these widgets' timers."""
    clock = FakeClock()
    for widget in widgets:
        widget.set_timer = clock.set_timer
    return clock


def screen_text(app: CostcalcApp) -> str:
    """Every character the screen (with its notifications) would send to the terminal, line by line."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)
