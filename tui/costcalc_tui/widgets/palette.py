"""The command palette, guarded against a paging race in Textual's option list."""

from __future__ import annotations

from textual.command import CommandPalette

__all__ = ["Palette"]


class Palette(CommandPalette):
    """Textual's command palette; Page Up/Down pressed while its results are still being laid out
    raises KeyError inside Textual 8.2's ``OptionList._move_page`` (the line index is not built
    yet). The key is dropped instead: the next press pages normally."""

    def _action_command_list(self, action: str) -> None:
        try:
            super()._action_command_list(action)
        except (KeyError, IndexError):
            return
