"""What every pane has: a widget to focus when shown, a refresh from the current view, an export."""

from __future__ import annotations

from dataclasses import dataclass

from textual.widgets import TabPane

from costcalc.estimator.result import Estimate
from costcalc_tui.state import Outcome

__all__ = ["Pane", "View"]


@dataclass(frozen=True, eq=False)
class View:
    """What the panes show: the form's inputs and what they gave."""

    inputs: dict[str, str]
    outcome: Outcome

    @property
    def estimate(self) -> Estimate | None:
        return self.outcome.estimate


class Pane(TabPane):
    """A tab's content. ``FOCUS`` selects the widget that takes the focus when the tab is shown."""

    FOCUS = ""

    def show(self, view: View) -> None:
        """Bring the pane up to date with ``view`` (called when shown, and on changes while shown)."""

    def export(self, as_json: bool) -> str:
        """The pane's results as JSON or Markdown, rendered by costcalc from the result models."""
        raise ValueError("this view has nothing to export")

    def focus_default(self) -> None:
        if self.FOCUS:
            self.query_one(self.FOCUS).focus()
