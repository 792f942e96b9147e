"""Modal screens: help, and the file dialog used by save, load and export.

Both close at most once: a burst of keys (Enter, Enter) or a second Escape after the first must
not dismiss the screen beneath them. The file dialog shows the folders and the files it can use
(``FileTree``: scenario files for save and load, Markdown and JSON for export) above the file
name; a name that cannot be used is explained inside the dialog, which stays open.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
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
from textual.widgets import DirectoryTree, Input, Label, Static

from costcalc.base.errors import one_line
from costcalc_tui.widgets.form import FieldInput

__all__ = [
    "Attempt",
    "DismissOnce",
    "FileTree",
    "HelpScreen",
    "PathScreen",
    "already_done",
    "first_dismissal",
    "help_text",
    "usable_paths",
]

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


class FileTree(DirectoryTree):
    """Folders and the files with one of ``suffixes`` (any case); hidden entries (a leading dot) left out."""

    def __init__(self, path: str | Path, suffixes: Sequence[str], **options: Any) -> None:
        self.suffixes = tuple(s.lower() for s in suffixes)
        super().__init__(path, **options)

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return usable_paths(paths, self.suffixes)


def usable_paths(paths: Iterable[Path], suffixes: Sequence[str]) -> list[Path]:
    """The folders and the files with one of ``suffixes`` (any case) among ``paths``, hidden ones
    (a leading dot) left out; a folder that cannot be read is still listed."""
    wanted = tuple(s.lower() for s in suffixes)
    return [p for p in paths if not p.name.startswith(".") and (p.suffix.lower() in wanted or FileTree._safe_is_dir(p))]


#: What a dialog does with the name given: None when done (the dialog closes), else why not.
Attempt = Callable[[str], str | None]


class PathScreen(_OnceModal[str | None]):
    """A file dialog: the folder tree (``FileTree``) and a file name; Enter in the name (or on a
    file of the tree) uses it, Tab moves between them, Escape cancels.

    With ``attempt``, the dialog closes only once it succeeds; its reason is shown inside the
    dialog otherwise. With ``confirm``, a name that exists is used only after a second Enter.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, title: str, default: str, *, suffixes: Sequence[str] = (".toml",), confirm: bool = False,
        attempt: Attempt | None = None, folder: str | Path = ".",
    ) -> None:  # fmt: skip
        super().__init__()
        self.title_text, self.default, self.suffixes = title, default, suffixes
        self.confirm, self.attempt, self.folder = confirm, attempt, folder
        self.replacing: str | None = None  # the name a second Enter replaces

    def compose(self) -> ComposeResult:
        with Vertical(id="path-box"):
            yield Label(Text(self.title_text))
            yield FileTree(self.folder, self.suffixes, id="path-tree")
            yield FieldInput(value=self.default, id="path", max_length=MAX_PATH_LENGTH)
            yield Static("", id="path-error", markup=False)
            yield Label(Text("Enter: use this name · Tab: folders and files · Esc: cancel", style="dim"))

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def say(self, problem: str) -> None:
        self.query_one("#path-error", Static).update(Text(one_line(problem), style="bold red"))

    @on(Input.Changed, "#path")
    def edited(self) -> None:
        self.replacing = None
        self.say("")

    @on(DirectoryTree.FileSelected, "#path-tree")
    def picked(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        field = self.query_one("#path", Input)
        field.value = _shown(event.path)
        if not self.confirm:  # loading: a file picked is the file to load
            self.use(field.value)
        else:
            field.focus()

    @on(DirectoryTree.DirectorySelected, "#path-tree")
    def into(self, event: DirectoryTree.DirectorySelected) -> None:
        event.stop()
        field = self.query_one("#path", Input)
        field.value = _shown(event.path / Path(field.value.strip() or self.default).name)

    @on(Input.Submitted, "#path")
    def accept(self, event: Input.Submitted) -> None:
        self.use(event.value)

    def use(self, value: str) -> None:
        """Use the name: refuse a blank one, ask before replacing a file, then attempt it."""
        name = value.strip()
        if not name:
            self.say("path: expected a file name")
            return
        if self.confirm and name != self.replacing and os.path.lexists(name) and not os.path.isdir(name):
            self.replacing = name
            self.say(f"{name} exists: press Enter again to replace it, or change the name")
            return
        problem = self.attempt(name) if self.attempt is not None else None
        if problem is None:
            self.close(name)
        else:
            self.replacing = None
            self.say(problem)

    def action_cancel(self) -> None:
        self.close(None)


def _shown(path: Path) -> str:
    """A path as the name field shows it: relative to the working folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
