"""The command palette, closed once."""

from __future__ import annotations

from textual.await_complete import AwaitComplete
from textual.command import CommandInput, CommandList, CommandPalette

from costcalc_tui.widgets.screens import already_done, first_dismissal

__all__ = ["MAX_SEARCH_LENGTH", "Palette"]

#: The longest search the palette takes, typed or pasted (every key searches every command anew).
MAX_SEARCH_LENGTH = 100


class Palette(CommandPalette):
    """Textual's command palette, closed at most once: two Enters in a burst would otherwise
    dismiss the screen beneath it too. Its search is cancelled as it closes, and results that
    arrive while its list is not mounted are not shown (in Textual 8.2 they raise NoMatches). Its
    search field takes at most ``MAX_SEARCH_LENGTH`` characters."""

    def on_mount(self) -> None:
        self.query_one(CommandInput).max_length = MAX_SEARCH_LENGTH

    def dismiss(self, result: None = None) -> AwaitComplete:
        if not first_dismissal(self):
            return already_done()
        self.app.workers.cancel_node(self)  # the search must not fill a list that is being removed
        return super().dismiss(result)

    def _watch__list_visible(self) -> None:
        if self.query(CommandList) and self.query("#--input"):  # absent while mounting or closing
            super()._watch__list_visible()
