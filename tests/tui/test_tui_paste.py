"""Pastes: the terminal parser keeps a bracketed paste whole, and every field takes a bounded, clean line."""

from __future__ import annotations

import pytest
from costcalc_tui.app import CostcalcApp
from costcalc_tui.paste import MAX_PASTE, PASTE_END, PASTE_START, PasteParser, clean_paste
from costcalc_tui.widgets.form import DEBOUNCE_SECONDS, FieldsForm
from costcalc_tui.widgets.palette import MAX_SEARCH_LENGTH
from textual import events
from textual.command import CommandInput, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import drive, fake_clock

HOSTILE = ("70B\t\x1b[31m" * 60_000)[:600_000]


def _parse(*chunks: str) -> list[object]:
    parser = PasteParser()
    out: list[object] = []
    for chunk in chunks:
        out.extend(parser.feed(chunk))
    return out


def _keys(messages: list[object]) -> list[str]:
    return [m.key for m in messages if isinstance(m, events.Key)]


def _pastes(messages: list[object]) -> list[str]:
    return [m.text for m in messages if isinstance(m, events.Paste)]


@pytest.mark.parametrize(
    ("text", "room", "expected"),
    [
        ("70B", 10, "70B"),
        ("7\t0B", 10, "7 0B"),  # a Tab is a space, never a focus move
        ("\x1b[31m70B\x1b[0m", 10, "70B"),  # colour codes go whole, not leaving "[31m"
        ("\x1b]0;pwned\x07title", 10, "title"),  # a window-title sequence goes whole
        ("13B\nrm -rf /\n", 10, "13B"),  # the first line only
        ("13B\r\n2T", 10, "13B"),
        ("a\x00b\x7fc\x9bJd", 10, "abcd"),  # C1 CSI too
        ("123456", 4, "1234"),  # cut to the room left
        ("123456", 0, ""),
        ("\u202e70B", 10, "\u202e70B"),  # printable, if odd: the parser refuses it with a reason
    ],
)
def test_clean_paste(text: str, room: int, expected: str) -> None:
    assert clean_paste(text, room) == expected


def test_clean_paste_of_600_kb_is_bounded() -> None:
    line = clean_paste(HOSTILE, 200)
    assert len(line) == 200 and line.startswith("70B 70B 70B") and "\x1b" not in line and "[31m" not in line


def test_a_bracketed_paste_with_tabs_and_escapes_is_one_paste() -> None:
    """Textual 8.2's parser turns such a paste into thousands of key presses; here it is one event."""
    body = "70B\t\x1b[31m2T\x1b\x1b[Ax" * 50
    messages = _parse("a", PASTE_START + body + PASTE_END, "b")
    assert _pastes(messages) == [body] and _keys(messages) == ["a", "b"]


@pytest.mark.parametrize("cut", [1, 2, 3, 5, 6, 7, 9, 12])
def test_paste_markers_split_between_reads(cut: int) -> None:
    stream = "x" + PASTE_START + "7\t0B\x1b[31m" + PASTE_END + "y"
    messages = _parse(stream[:cut], stream[cut:])
    assert _pastes(messages) == ["7\t0B\x1b[31m"] and _keys(messages) == ["x", "y"]


def test_a_paste_keeps_at_most_max_paste_characters() -> None:
    chunks = [PASTE_START] + ["\t\x1b" * 2048] * 100 + [PASTE_END + "q"]  # 400 K characters in 4 K reads
    messages = _parse(*chunks)
    pasted = _pastes(messages)
    assert len(pasted) == 1 and len(pasted[0]) == MAX_PASTE and _keys(messages) == ["q"]


def test_a_lone_escape_is_still_the_escape_key() -> None:
    parser = PasteParser()
    assert list(parser.feed("\x1b")) == []  # could begin a paste marker: held for the escape delay
    parser._pending_since -= 1.0  # as if the delay had passed
    assert _keys(list(parser.tick())) == ["escape"]
    assert _keys(list(parser.feed("\x1b[A"))) == ["up"]  # other sequences are Textual's as before


def test_a_huge_paste_is_bounded() -> None:
    """600 KB with tabs and escapes pasted into a field: one clean line, cut at the field's limit."""

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        clock = fake_clock(app.query_one("#form", FieldsForm))
        field = app.query_one("#params", Input)
        field.focus()
        await pilot.pause()
        app.post_message(events.Paste(HOSTILE))  # replaces the selection (focus selects all)
        await pilot.pause()
        assert len(field.value) == field.max_length == 200 and field.value.startswith("70B 70B 70B")
        assert not any(ord(c) < 32 for c in field.value) and app.focused is field  # no Tab moved the focus
        field.action_select_all()
        app.post_message(events.Paste("170B\nsecond line"))
        await pilot.pause()
        assert field.value == "170B"
        clock.advance(DEBOUNCE_SECONDS)
        await pilot.pause()
        assert app.outcome.error is None and app.outcome.estimate is not None
        assert app.outcome.estimate.scenario.params.m_as("parameter") == 170e9

    drive(scenario, debounce=DEBOUNCE_SECONDS)


def test_a_paste_into_the_command_palette_is_bounded() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        search = app.screen.query_one(CommandInput)
        app.post_message(events.Paste("pin\t\x1b[2J" + "x" * 5_000))
        await pilot.pause()
        assert search.value == "pin " + "x" * (MAX_SEARCH_LENGTH - 4)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and len(app.screen_stack) == 1

    drive(scenario)
