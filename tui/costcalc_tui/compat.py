"""Guards for Textual 8.2 flaws that a key burst or a paste reaches.

``OptionList._move_page`` (Page Up/Down in a Select's drop-down or the command palette) reads the
option-to-line index before the list has been laid out: pressed in the same burst as the key that
opened the list, it raises KeyError and ends the app. Textual's own ``scroll_to_highlight`` guards
the same lookup; this applies that guard to paging: the key does nothing until the list is laid
out. Applied once, on import of the app, only to the Textual series it was written for.

``bound_pastes`` makes the terminal driver read bracketed pastes with ``PasteParser`` and bounds
what a paste puts into the command palette's search field, as ``FieldInput`` does for the app's
own fields (see ``costcalc_tui.paste``).
"""

from __future__ import annotations

from typing import Any

import textual
from textual import events
from textual.command import CommandInput
from textual.widgets import OptionList

from costcalc_tui.paste import PasteParser, paste_into

__all__ = ["bound_pastes", "guard_option_list_paging"]


def guard_option_list_paging() -> None:
    if not textual.__version__.startswith("8.2.") or getattr(OptionList, "_costcalc_guarded", False):
        return
    move_page = OptionList._move_page

    def guarded(self: OptionList, direction: Any) -> None:
        try:
            move_page(self, direction)
        except (KeyError, IndexError):  # not laid out yet: nothing to page through
            return

    OptionList._move_page = guarded  # type: ignore[method-assign]
    OptionList._costcalc_guarded = True  # type: ignore[attr-defined]


def _bounded_paste(self: CommandInput, event: events.Paste) -> None:
    event.stop()
    event.prevent_default()
    paste_into(self, event.text)


def bound_pastes() -> None:
    try:
        from textual.drivers import linux_driver
    except ImportError:  # no such driver on this platform
        pass
    else:
        linux_driver.XTermParser = PasteParser  # type: ignore[attr-defined]
    CommandInput._on_paste = _bounded_paste  # type: ignore[method-assign, assignment]
