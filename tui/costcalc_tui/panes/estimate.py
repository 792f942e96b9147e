"""The Estimate tab: the form on the left, the results and their assumptions on the right."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from costcalc.render.estimate import render_markdown
from costcalc.render.text import render_json
from costcalc_tui.panes.base import Pane, View
from costcalc_tui.state import PRESET_SETS, FieldSpec, FormState, Outcome, inapplicable
from costcalc_tui.widgets.form import FieldsForm
from costcalc_tui.widgets.results import Assumptions, Results, error_text

__all__ = ["TUNING_FIELDS", "EstimatePane"]

#: The fields the stage and method enable (``costcalc_tui.state.inapplicable``).
TUNING_FIELDS = ("lora_rank", "lora_targets", "quant", "examples", "epochs", "example_tokens", "padding",
                 "precomputed_reference")  # fmt: skip


class EstimatePane(Pane):
    """Edits the form; shows the last valid estimate, and what is wrong with the form if anything."""

    FOCUS = "#model"

    def __init__(self, specs: Sequence[FieldSpec], state: FormState, *, delay: float) -> None:
        super().__init__("Estimate", id="estimate")
        self.form = FieldsForm(specs, dict(state.values), delay=delay, validate=True, id="form")
        self.outcome = Outcome()

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield self.form
            with Vertical(id="output"):
                yield Static("", id="error")
                yield Results(id="results")
                with VerticalScroll(id="assumptions-box"):
                    yield Assumptions(id="assumptions")

    def show(self, view: View) -> None:
        self.form.disable(PRESET_SETS, "model" in view.inputs, "set by the model preset")
        unused = inapplicable(self.form.values)
        for name in TUNING_FIELDS:
            self.form.disable((name,), name in unused, unused.get(name, ""))
        outcome = view.outcome
        self.outcome = outcome
        self.query_one(Results).show(outcome.estimate)
        self.query_one(Assumptions).show(outcome.estimate)
        error = self.query_one("#error", Static)
        if outcome.error is None:
            error.update("")
            self.form.mark(None)
            return
        field, message = outcome.error
        suffix = " (showing the last valid estimate)" if outcome.estimate is not None else ""
        error.update(error_text(field, message, suffix))
        self.form.mark(field)

    def load(self, state: FormState) -> None:
        self.form.load(dict(state.values))

    def export(self, as_json: bool) -> str:
        est = self.outcome.estimate
        if est is None:
            raise ValueError("no estimate to export")
        return render_json(est.to_dict()) if as_json else render_markdown(est)
