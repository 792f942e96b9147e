"""Modal screens: help, and the file prompt used by save, load and export."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Markdown

HELP = """\
# costcalc

Type into the form: results are recomputed as you type. A field costcalc cannot read is marked
in red with the reason; the results keep the last valid estimate.

| key | action |
|---|---|
| Tab / Shift+Tab | move between fields |
| F2 F3 F4 | Estimate, Compare, Plot |
| F7 F8 F5 | Plan, Costs, Article check |
| F6 | pin the current scenario (Compare shows the pinned side by side) |
| Ctrl+U | in Plan: copy the plan into the Estimate form |
| Delete | in Compare: unpin the selected scenario |
| Ctrl+S / Ctrl+O | save / load the scenario as TOML (`costcalc estimate --scenario FILE` reads it) |
| Ctrl+E | export the current view (`.md` or `.json`) |
| Ctrl+P | command palette |
| F1 or ? | this help |
| Ctrl+Q | quit |

Quantities take units: `70B`, `2T tokens`, `2.5 USD/GPU/h`, `40%`.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Markdown(HELP)

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(None)


class PathScreen(ModalScreen[str | None]):
    """Asks for a file name; Enter accepts, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, default: str) -> None:
        super().__init__()
        self.title_text = title
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="path-box"):
            yield Label(self.title_text)
            yield Input(value=self.default, id="path")

    @on(Input.Submitted, "#path")
    def accept(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
