"""The Plan tab: what a budget buys and how many GPUs meet a deadline, on the Estimate form's hardware.

The pane shows the ``Plan`` model that ``costcalc.plan`` returns (formatted from its fields), and
keeps it: F9 copies it into the Estimate form, and export renders it with costcalc's renderer.
"""

from __future__ import annotations

import typing

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from costcalc.commands.plan import Plan, plan
from costcalc.data.catalog import Catalog
from costcalc.formulas.scaling import Scaling
from costcalc.render.plan import render_plan
from costcalc_tui.panes.base import Pane, View
from costcalc_tui.state import FieldSpec, guarded
from costcalc_tui.widgets.form import FieldsForm
from costcalc_tui.widgets.results import error_text, plan_table

__all__ = ["PLAN_FIELDS", "PlanPane"]

PLAN_FIELDS = (
    FieldSpec("budget", "Budget", "2M USD, 5e23 FLOP or 1e6 GPU*h", "text"),
    FieldSpec("deadline", "Deadline", "e.g. 30 days (optional)", "text"),
    FieldSpec("plan-gpus", "GPUs (optional)", "else from the deadline", "text"),
    FieldSpec("scaling", "Allocation rule", "default (hoffmann)", "choice", typing.get_args(Scaling)),
)
PLAN_DEFAULTS = {"budget": "2M USD", "deadline": "30 days", "scaling": "hoffmann"}


class PlanPane(Pane):
    """Plans from its own fields and the Estimate form's accelerator, efficiency and price."""

    FOCUS = "#budget"
    BINDINGS = [
        Binding("f9", "use_plan", "Use plan", id="use-plan", tooltip="in Plan: copy the plan into the Estimate form"),
    ]

    class Use(Message):
        """Copy this plan into the Estimate form."""

        def __init__(self, plan: Plan) -> None:
            super().__init__()
            self.plan = plan

    def __init__(self, catalog: Catalog, *, delay: float) -> None:
        super().__init__("Plan", id="plan")
        self.catalog = catalog
        self.form = FieldsForm(PLAN_FIELDS, PLAN_DEFAULTS, delay=delay, id="plan-form")
        self.fields = dict(PLAN_DEFAULTS)
        self.inputs: dict[str, str] = {}
        self.plan: Plan | None = None

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="plan-side"):
                yield self.form
                yield Static("F9 copies the plan into the Estimate form.", classes="hint", id="plan-hint")
            with VerticalScroll(id="plan-output"):
                yield Static("", id="plan-result")

    @on(FieldsForm.Changed, "#plan-form")
    def _changed(self, event: FieldsForm.Changed) -> None:
        event.stop()
        self.fields = event.values
        self.replan()

    def show(self, view: View) -> None:
        self.inputs = view.inputs
        self.replan()

    def replan(self) -> None:
        fields = {key: value.strip() or None for key, value in self.fields.items()}
        form = self.inputs

        def ask() -> Plan:
            return plan(
                fields.get("budget"),
                deadline=fields.get("deadline"),
                gpus=fields.get("plan-gpus"),
                gpu=form.get("gpu"),
                mfu=form.get("mfu"),
                price=form.get("price"),
                scaling=typing.cast(Scaling, fields.get("scaling") or "hoffmann"),
                catalog=self.catalog,
            )

        self.plan, problem = guarded(ask)
        target = self.query_one("#plan-result", Static)
        target.update(plan_table(self.plan) if self.plan is not None else error_text(*(problem or ("plan", "?"))))

    def action_use_plan(self) -> None:
        if self.plan is None:
            self.notify("No valid plan to use.", severity="warning", markup=False)
            return
        self.post_message(self.Use(self.plan))

    def export(self, as_json: bool) -> str:
        if self.plan is None:
            raise ValueError("no valid plan to export")
        return render_plan(self.plan, "json" if as_json else "markdown")
