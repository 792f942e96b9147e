"""Keys: dialogs open once and close once, help and the palette list every binding, focus is visible,
an unexpected error ends the app with a non-zero status, and a key storm leaves it running."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from costcalc_tui.app import CostcalcApp, key_label, make_app
from costcalc_tui.widgets import screens
from costcalc_tui.widgets.screens import HelpScreen, PathScreen
from rich.console import Console
from textual.command import CommandPalette
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, Tabs
from tui_helpers import burst, drive, settle
from tui_storm import storm

from costcalc.cli import main


@pytest.mark.parametrize(
    "keys",
    [
        ("ctrl+p", "ctrl+o", "ctrl+p"),
        ("ctrl+o", "ctrl+p", "ctrl+o", "f1", "ctrl+s"),
        ("f1", "f1", "ctrl+p", "f1"),
        ("ctrl+p", "ctrl+p", "ctrl+p"),
    ],
)
def test_a_dialog_is_never_opened_twice(keys: tuple[str, ...]) -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press(*keys)
        await pilot.pause()
        assert len(app.screen_stack) <= 2
        await pilot.press("escape", "escape", "escape")
        await pilot.pause()
        assert len(app.screen_stack) == 1 and app.is_running

    drive(scenario)


@pytest.mark.parametrize("keys", [("ctrl+s", "enter", "enter"), ("ctrl+o", "enter", "enter", "enter"),
                                  ("ctrl+r", "escape", "escape"), ("ctrl+s", "escape", "enter", "escape")])  # fmt: skip
def test_a_dialog_closes_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keys: tuple[str, ...]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenario.toml").write_text('params = "7B"\n')  # loads; saving asks, the next Enter replaces

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press(*keys)  # a burst: the second Enter arrives before the dialog is gone
        await pilot.pause()
        assert len(app.screen_stack) == 1 and app.is_running

    drive(scenario)


@pytest.mark.parametrize(
    "keys",
    [
        ("ctrl+p", "p", "i", "n", "enter", "enter"),  # the second Enter reaches a palette already closing
        ("ctrl+p", "3", "pagedown", "pageup", "escape", "escape"),  # typed and paged before it is laid out
        ("ctrl+p", *"theme", "enter", "enter", "enter", "escape"),  # Textual's theme picker, same guard
    ],
)
def test_the_command_palette_survives_bursts(keys: tuple[str, ...]) -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await burst(pilot, *keys)
        await settle(pilot)
        await burst(pilot, "escape", "escape")
        assert app.is_running and len(app.screen_stack) == 1

    drive(scenario)


def test_a_drop_down_paged_as_it_opens() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        app.query_one("#dtype", Select).focus()
        await pilot.pause()
        await burst(pilot, "enter", "pagedown", "pageup", "pagedown", "escape")
        assert app.is_running

    drive(scenario)


def test_a_path_screen_dismissed_twice_answers_once() -> None:
    answers: list[str | None] = []

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        screen = PathScreen("Where?", "x.toml")
        app.push_screen(screen, answers.append)
        await pilot.pause()
        screen.action_cancel()
        screen.action_cancel()
        screen.close("y.toml")
        await pilot.pause()
        assert answers == [None] and len(app.screen_stack) == 1

    drive(scenario)


@pytest.mark.parametrize("size", [(80, 24), (40, 12), (160, 45), (30, 8)])
def test_help_lists_every_binding_and_scrolls(size: tuple[int, int]) -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_text = app.screen.query_one("#help-text", Static)
        console = Console(width=help_text.size.width, file=io.StringIO())
        console.print(screens.help_text(app.help_entries()))
        text = " ".join(console.file.getvalue().split())  # type: ignore[attr-defined]
        assert help_text.virtual_size.height >= console.file.getvalue().count("\n")  # type: ignore[attr-defined]
        for keys, action, tip in app.help_entries():
            assert f"{keys} {action}: {tip}" in text
        for _owner, binding in app.all_bindings():
            assert key_label(binding.key) in text
        box = app.screen.query_one("#help-box", VerticalScroll)
        assert app.screen.region.contains_region(box.region)  # never larger than the terminal
        box.scroll_end(animate=False)
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y  # the last row can be reached
        await pilot.press("escape")
        assert len(app.screen_stack) == 1

    drive(scenario, size=size)


def test_help_is_generated_from_the_bindings() -> None:
    app = make_app()
    entries = {action: keys for keys, action, _ in app.help_entries()}
    assert entries["Help"] == "F1 / ?" and entries["Export"] == "Ctrl+R" and entries["Unpin"] == "Delete"
    assert entries["Use plan"] == "F9" and entries["Commands"] == "Ctrl+P"


def test_the_command_palette_lists_the_apps_commands() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for expected in (
            "Pin (F6)",
            "Save (Ctrl+S)",
            "Load (Ctrl+O)",
            "Export (Ctrl+R)",
            "Plan (F7)",
            "Unpin (Delete)",
        ):
            assert expected in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"pin", "enter")
        await settle(pilot)
        assert len(app.screen_stack) == 1 and len(app.pins.items) == 1

    drive(scenario)


def test_export_key_leaves_end_of_line_to_the_field() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        field = app.query_one("#params", Input)
        field.focus()
        await pilot.press("home", "ctrl+e", "0")
        assert field.value == "70B0" and len(app.screen_stack) == 1
        await pilot.press("ctrl+r", "ctrl+r", "ctrl+r")
        await pilot.pause()
        assert len(app.screen_stack) == 2 and isinstance(app.screen, PathScreen)

    drive(scenario)


def test_tab_moves_between_fields_and_focus_is_visible() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        assert not app.query_one(Tabs).can_focus
        assert not app.query_one("#form").can_focus
        seen = []
        for _ in range(40):
            await pilot.press("tab")
            focused = app.focused
            assert focused is not None and focused.region.area > 0  # never an invisible stop
            assert not isinstance(focused, Tabs)
            seen.append(focused)
        field = app.query_one("#params", Input)
        field.focus()
        await pilot.pause()
        other = app.query_one("#tokens", Input)
        assert field.styles.background != other.styles.background  # the focused field stands out
        select = app.query_one("#gpu", Select)
        assert any(isinstance(w, Input) for w in seen) and any(isinstance(w, Select) for w in seen)
        assert select in seen

    drive(scenario)


def test_quitting_exits_zero(monkeypatch: pytest.MonkeyPatch, user_presets: Path) -> None:
    """`costcalc tui --presets DIR` reads user presets; Ctrl+Q ends with status 0."""
    (user_presets / "mine.toml").write_text(
        '[[accelerator]]\nname = "Tiny-GPU"\nvendor = "x"\ngeneration = "custom"\nmemory = "64 GB"\n'
        'memory_bandwidth = "1 TB/s"\ntdp = "300 W"\n[accelerator.peak]\nbf16 = "100 TFLOP/s"\n'
    )
    seen: list[list[str]] = []

    async def quit_(pilot: Pilot[None]) -> None:
        await pilot.pause()
        seen.append(list(pilot.app.catalog.names("accelerator")))  # type: ignore[attr-defined]
        await pilot.press("ctrl+q")

    original_run = CostcalcApp.run
    monkeypatch.setattr(CostcalcApp, "run", lambda self, **kw: original_run(self, headless=True, auto_pilot=quit_))
    assert main(["tui", "--presets", str(user_presets)]) == 0
    assert "Tiny-GPU" in seen[0]


def test_random_keys_never_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A short storm on every run (the long ones are marked slow)."""
    monkeypatch.chdir(tmp_path)
    result = asyncio.run(storm(20261128, 600, burst=10))
    assert result.survived and result.return_code == 0, result


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_key_storm(seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """3,000 random keys, combinations, escapes and pastes in bursts; then Ctrl+Q exits with 0."""
    monkeypatch.chdir(tmp_path)  # Ctrl+S and Ctrl+R write files where the app runs
    result = asyncio.run(storm(seed, 3_000))
    assert result.survived and result.return_code == 0, result
