"""A key storm: seeded random keys, key combinations, escapes and pastes, delivered in bursts.

Keys are posted the way the terminal driver posts them, many at a time, and the app is given a
moment after each burst, so key handling, the typing pause, the modal screens and every view
see input faster than a person types. The storm survives when the app is still running at the
end and Ctrl+Q then ends it with return code 0. Used by the slow test and by
``benchmarks/tui_storm.py``.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from costcalc_tui.app import make_app
from costcalc_tui.paste import PASTE_END, PASTE_START, PasteParser
from textual import events
from textual.keys import _character_to_key

#: Named keys: navigation, editing, every function key, and the control combinations the app and
#: its widgets bind (Ctrl+Q, which quits, and Ctrl+Z, which suspends the process, are left out).
NAMED = [
    *("tab", "shift+tab", "enter", "escape", "backspace", "delete", "insert", "space"),
    *("left", "right", "up", "down", "home", "end", "pageup", "pagedown"),
    *("ctrl+left", "ctrl+right", "shift+left", "shift+right", "shift+home", "shift+end", "ctrl+home", "ctrl+end"),
    *(f"f{n}" for n in range(1, 13)),
    *(f"ctrl+{c}" for c in "abcdefgklnoprstuvwxy"),
    *("ctrl+shift+a", "alt+x", "alt+backspace", "ctrl+backspace", "shift+f1", "ctrl+f5"),
]
PRINTABLE = string.ascii_letters + string.digits + string.punctuation + " " + "µ·€é漢\u202e"
CHARS = {"space": " ", "tab": "\t", "enter": "\r", "escape": "\x1b", "backspace": "\x7f"}


def key_event(key: str) -> events.Key:
    """The Key event a terminal driver would post for ``key`` (a key name or one character)."""
    if len(key) == 1:
        return events.Key(key if key.isalnum() else _character_to_key(key), key)
    return events.Key(key, CHARS.get(key))


def paste_text(rng: random.Random) -> str:
    """Pasted text: short or huge, with tabs, escape sequences, newlines and markup."""
    pieces = ["70B", "\t", "\x1b[31m", "\x1b[200~", "[/x]", "[link=x]", "\n", "2T tokens", "1e300", "\x00", "é"]
    size = rng.choice((1, 5, 40, 2_000, 60_000))
    return "".join(rng.choice(pieces) for _ in range(size))


@dataclass(frozen=True)
class Result:
    seed: int
    keys: int
    survived: bool
    return_code: int | None
    error: str = ""


def big_paste(size: int) -> list[events.Event]:
    """``size`` characters of text with Tabs and escape sequences, as a terminal sends a bracketed
    paste, read by the app's terminal parser into the events the app receives."""
    body = ("70B\t\x1b[31m2T\x1b[0m\x1b]0;x\x07\n" * (size // 20 + 1))[:size]
    stream = PASTE_START + body + PASTE_END
    parser = PasteParser()
    return [event for i in range(0, len(stream), 4096) for event in parser.feed(stream[i : i + 4096])]


async def storm(
    seed: int, keys: int = 3_000, *, size: tuple[int, int] = (80, 24), burst: int = 30, paste: int = 0
) -> Result:
    """Send ``keys`` random inputs in bursts of ``burst``, then (if ``paste``) a bracketed paste of
    that many characters with Tabs and escapes; then Ctrl+Q. Never raises."""
    rng = random.Random(seed)
    app = make_app()
    alive = False
    try:
        async with app.run_test(size=size) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            sent = 0
            while sent < keys and app.is_running:
                for _ in range(min(burst, keys - sent)):
                    roll = rng.random()
                    if roll < 0.03:
                        event: events.Event = events.Paste(paste_text(rng))
                    elif roll < 0.55:
                        event = key_event(rng.choice(PRINTABLE))
                    else:
                        event = key_event(rng.choice(NAMED))
                    event.set_sender(app)
                    app.post_message(event)
                    sent += 1
                await pilot.pause()
            if paste and app.is_running:
                for event in big_paste(paste):
                    event.set_sender(app)
                    app.post_message(event)
                await pilot.pause()
            alive = app.is_running
            if alive:
                await pilot.press("ctrl+q")
                await pilot.pause()
    except Exception as err:  # the app died: report how
        return Result(seed, keys, False, app.return_code, f"{type(err).__name__}: {err}"[:300])
    return Result(seed, keys, alive and app.return_code == 0, app.return_code)
