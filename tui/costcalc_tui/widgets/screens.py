"""Modal screens: help, and the file prompt used by save, load and export.

Both close at most once: a burst of keys (Enter, Enter) or a second Escape after the first must
not dismiss the screen beneath them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, Static

from costcalc_tui.widgets.form import FieldInput

__all__ = ["DismissOnce", "HelpScreen", "PathScreen", "already_done", "first_dismissal", "help_text"]

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


def first_dismissal(screen: Screen[Any]) -> bool:
    """True the first time a screen is dismissed while it is the current screen; False after.

    Textual's ``dismiss`` pops whatever screen is on top: a second Enter or Escape in a burst,
    handled after the screen has gone, would pop the screen beneath it (or fail on the last one).
    """
    if getattr(screen, "_dismissed_once", False) or not screen.is_current:
        return False
    screen._dismissed_once = True  # type: ignore[attr-defined]
    return True


def already_done() -> AwaitComplete:
    done: AwaitComplete = AwaitComplete.nothing()  # type: ignore[no-untyped-call]
    return done


class DismissOnce(Screen[ResultT]):
    """A screen dismissed at most once (see ``first_dismissal``)."""

    def dismiss(self, result: ResultT | None = None) -> AwaitComplete:
        return super().dismiss(result) if first_dismissal(self) else already_done()


class _OnceModal(DismissOnce[ResultT], ModalScreen[ResultT]):
    """A modal dialog with a result delivered once, however many keys ask to close it."""

    def close(self, result: ResultT) -> None:
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
