"""A guard for one Textual 8.2 bug that a key burst reaches.

``OptionList._move_page`` (Page Up/Down in a Select's drop-down or the command palette) reads the
option-to-line index before the list has been laid out: pressed in the same burst as the key that
opened the list, it raises KeyError and ends the app. Textual's own ``scroll_to_highlight`` guards
the same lookup; this applies that guard to paging: the key does nothing until the list is laid
out. Applied once, on import of the app, only to the Textual series it was written for.
"""

from __future__ import annotations

from typing import Any

import textual
from textual.widgets import OptionList

__all__ = ["guard_option_list_paging"]


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
