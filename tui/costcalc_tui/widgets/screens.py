"""Modal screens: help, and the file prompt used by save, load and export.

Both close at most once: a burst of keys (Enter, Enter) or a second Escape after the first must
not dismiss the screen beneath them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from costcalc_tui.widgets.form import FieldInput

__all__ = ["HelpScreen", "PathScreen", "help_text"]

ResultT = TypeVar("ResultT")

#: A path is at most this long (Linux PATH_MAX).
MAX_PATH_LENGTH = 4096

INTRO = (
    "Type into the form: results are recomputed when you pause. A field costcalc cannot read is "
    "marked with the reason; the results keep the last valid estimate. Quantities take units: "
    "70B, 2T tokens, 2.5 USD/GPU/h, 40%."
)


def help_text(entries: Sequence[tuple[str, str, str]]) -> Group:
    """The help: an introduction, then one row per key binding (keys, action, what it does)."""
    table = Table(box=None, pad_edge=False, show_header=False, expand=True)
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("what it does", ratio=1)
    for keys, action, explanation in entries:
        table.add_row(Text(keys), Text.assemble((action, "bold"), f": {explanation}"))
    return Group(Text("costcalc", style="bold"), Text(INTRO), Text(""), table)


class _OnceModal(ModalScreen[ResultT]):
    """A modal screen whose result is delivered once, however many keys ask to close it."""

    _answered = False

    def close(self, result: ResultT) -> None:
        if not self._answered:
            self._answered = True
            self.dismiss(result)


class HelpScreen(_OnceModal[None]):
    """Every key binding, scrollable at any terminal size."""

    BINDINGS = [Binding("escape,f1,q", "close_help", "Close")]

    def __init__(self, entries: Sequence[tuple[str, str, str]]) -> None:
        super().__init__()
        self.entries = entries

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(help_text(self.entries), id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-box").focus()

    def action_close_help(self) -> None:
        self.close(None)


class PathScreen(_OnceModal[str | None]):
    """Asks for a file name; Enter accepts, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, default: str) -> None:
        super().__init__()
        self.title_text = title
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="path-box"):
            yield Label(Text(self.title_text))
            yield FieldInput(value=self.default, id="path", max_length=MAX_PATH_LENGTH)

    @on(Input.Submitted, "#path")
    def accept(self, event: Input.Submitted) -> None:
        self.close(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.close(None)
