"""The costcalc terminal UI: estimate, compare, plot and the article check, keyboard-only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, Label, Select, Static, TabbedContent, TabPane

from costcalc.base.errors import CostcalcError
from costcalc.commands.scenario_files import write_atomic
from costcalc.data.catalog import default_catalog
from costcalc.render.estimate import render_markdown
from costcalc.render.text import markdown_table, render_json
from costcalc_tui.screens import HelpScreen, PathScreen
from costcalc_tui.state import CHOICE_FIELDS, FORM_FIELDS, Session
from costcalc_tui.widgets.checks import ClaimDetail, ClaimsTable
from costcalc_tui.widgets.compare import COLUMNS, CompareTable
from costcalc_tui.widgets.fields import QuantityField
from costcalc_tui.widgets.plot import AXES, CostPlot
from costcalc_tui.widgets.results import Assumptions, Results, cost_table, results_table

__all__ = ["CostcalcApp", "make_app"]


class CostcalcApp(App[None]):
    """Estimate a training run and watch days and dollars move as you type."""

    CSS_PATH = "app.tcss"
    TITLE = "costcalc"
    BINDINGS = [
        Binding("f1", "help", "Help", id="help", priority=True),
        Binding("question_mark", "help", "Help", show=False),
        Binding("f2", "show_tab('estimate')", "Estimate", id="tab-estimate", show=False, priority=True),
        Binding("f3", "show_tab('compare')", "Compare", id="tab-compare", show=False, priority=True),
        Binding("f4", "show_tab('plot')", "Plot", id="tab-plot", show=False, priority=True),
        Binding("f5", "show_tab('check')", "Check", id="tab-check", show=False, priority=True),
        Binding("f7", "show_tab('plan')", "Plan", id="tab-plan", show=False, priority=True),
        Binding("f8", "show_tab('costs')", "Costs", id="tab-costs", show=False, priority=True),
        Binding("f6", "pin", "Pin", id="pin", priority=True),
        Binding("ctrl+u", "use_plan", "Use plan", id="use-plan", show=False, priority=True),
        Binding("ctrl+s", "save", "Save", id="save", priority=True),
        Binding("ctrl+o", "load", "Load", id="load", priority=True),
        Binding("ctrl+e", "export", "Export", id="export", priority=True),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
    ]

    def __init__(self, scenario: str | None = None) -> None:
        super().__init__()
        self.session = Session()
        self.scenario_path = scenario
        catalog = default_catalog()
        self.models = catalog.names("model")
        self.hardware = catalog.names("accelerator") + catalog.names("node")
        self.axis = "gpus"
        self.claims: dict[str, Any] = {}
        self.plan_result: Any = None
        self.cost_models: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial="estimate", id="tabs"):
            with TabPane("Estimate", id="estimate"), Horizontal():
                with VerticalScroll(id="form"):
                    yield Label("Model preset")
                    yield Select(
                        [(m, m) for m in self.models], prompt="none: type parameters", id="model", compact=True
                    )
                    yield Label("Accelerator or node")
                    yield Select(
                        [(h, h) for h in self.hardware], value="A100-80GB", allow_blank=False, id="gpu", compact=True
                    )
                    for key, label, options, prompt in CHOICE_FIELDS:
                        yield Label(label)
                        yield Select([(o, o) for o in options], prompt=prompt, id=key, compact=True)
                    for key, label, placeholder in FORM_FIELDS:
                        yield Label(label)
                        yield Input(
                            placeholder=placeholder,
                            id=key,
                            classes="form-field",
                            validators=[QuantityField(key)],
                            validate_on=["changed"],
                            compact=True,
                        )
                with Vertical(id="output"):
                    yield Static("", id="error")
                    yield Results(id="results")
                    with VerticalScroll(id="assumptions-box"):
                        yield Assumptions(id="assumptions")
            with TabPane("Compare", id="compare"):
                yield Static("F6 pins the current scenario; Delete unpins the selected row.", classes="hint")
                yield CompareTable(id="pinned")
            with TabPane("Plot", id="plot"):
                yield Select(
                    [(label, key) for key, (label, _) in AXES.items()],
                    value="gpus",
                    allow_blank=False,
                    compact=True,
                    id="axis",
                )
                yield CostPlot(id="chart")
                yield Static("", id="plot-error")
            with TabPane("Plan", id="plan"), Horizontal():
                with VerticalScroll(id="plan-form"):
                    yield Label("Budget")
                    yield Input(value="2M USD", placeholder="2M USD, 5e23 FLOP or 1e6 GPU*h", id="budget", compact=True)
                    yield Label("Deadline")
                    yield Input(value="30 days", placeholder="e.g. 30 days (optional)", id="deadline", compact=True)
                    yield Label("GPUs (optional)")
                    yield Input(placeholder="else from the deadline", id="plan-gpus", compact=True)
                    yield Label("Allocation")
                    yield Select(
                        [("Hoffmann 2022 (20 tok/param)", "hoffmann"), ("Besiroglu 2024 fit", "besiroglu")],
                        value="hoffmann",
                        allow_blank=False,
                        id="scaling",
                        compact=True,
                    )
                    yield Static("Ctrl+U copies the plan into the Estimate form.", classes="hint")
                with VerticalScroll(id="plan-output"):
                    yield Static("", id="plan-result")
            with TabPane("Costs", id="costs"), VerticalScroll(id="costs-box"):
                yield Static("", id="costs-result")
            with TabPane("Article check", id="check"), Vertical():
                yield ClaimsTable(id="claims")
                yield ClaimDetail(id="claim-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#params", Input).value = "70B"
        self.query_one("#gpus", Input).value = "2000"
        if self.scenario_path:
            self._load(self.scenario_path)
        self.load_claims()

    # -- estimate ---------------------------------------------------------------------------
    def recompute(self) -> None:
        """Read the form, estimate, and show results or the error inline."""
        session = self.session
        session.values = {key: self.query_one(f"#{key}", Input).value for key, _, _ in FORM_FIELDS}
        model = self.query_one("#model", Select).value
        session.model = None if model is Select.NULL else str(model)
        session.gpu = str(self.query_one("#gpu", Select).value)
        for key, _, _, _ in CHOICE_FIELDS:
            value = self.query_one(f"#{key}", Select).value
            session.choices[key] = None if value is Select.NULL else str(value)
        est = session.recompute()
        self.query_one(Results).show(est)
        self.query_one(Assumptions).show(est)
        error = self.query_one("#error", Static)
        for key, _, _ in FORM_FIELDS:
            self.query_one(f"#{key}", Input).remove_class("-rejected")
        if session.error is None:
            error.update("")
            return
        field, message = session.error
        error.update(f"[b]{field}[/b]: {message} (showing the last valid estimate)")
        for widget in self.query(f"#{field}"):
            widget.add_class("-rejected")

    @on(Input.Changed, ".form-field")
    @on(Select.Changed, "#model, #gpu, #dtype, #zero, #recompute, #optimizer")
    def _changed(self) -> None:
        self.recompute()
        active = self.query_one("#tabs", TabbedContent).active
        if active == "plot":
            self.redraw_plot()
        elif active == "costs":
            self.show_costs()

    # -- compare ----------------------------------------------------------------------------
    def action_pin(self) -> None:
        pinned = self.session.pin()
        if pinned is None:
            self.notify("Nothing valid to pin: fix the form first.", severity="warning")
            return
        self.query_one(CompareTable).refresh_rows(self.session.pinned)
        self.notify(f"Pinned {pinned.label}")

    def on_key(self, event: Any) -> None:
        if event.key == "delete" and self.focused is self.query_one(CompareTable) and self.session.pinned:
            row = self.query_one(CompareTable).cursor_row
            if 0 <= row < len(self.session.pinned):
                self.session.pinned.pop(row)
                self.query_one(CompareTable).refresh_rows(self.session.pinned)

    # -- plot -------------------------------------------------------------------------------
    @on(Select.Changed, "#axis")
    def _axis(self, event: Select.Changed) -> None:
        self.axis = str(event.value)
        self.redraw_plot()

    @on(TabbedContent.TabActivated)
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "plot":
            self.redraw_plot()
        elif event.pane.id == "plan":
            self.replan()
        elif event.pane.id == "costs":
            self.show_costs()

    # -- plan and costs ---------------------------------------------------------------------
    @on(Input.Changed, "#budget, #deadline, #plan-gpus")
    @on(Select.Changed, "#scaling")
    def _plan_changed(self) -> None:
        self.replan()

    def replan(self) -> None:
        """Plan from the budget, deadline and GPUs, on the Estimate form's accelerator and defaults."""
        from costcalc.commands.plan import plan
        from costcalc.render.plan import render_plan

        fields = {k: self.query_one(f"#{k}", Input).value.strip() for k in ("budget", "deadline", "plan-gpus")}
        form = self.session.inputs()
        try:
            result = plan(
                fields["budget"] or None,
                deadline=fields["deadline"] or None,
                gpus=fields["plan-gpus"] or None,
                gpu=form.get("gpu"),
                mfu=form.get("mfu"),
                price=form.get("price"),
                scaling=str(self.query_one("#scaling", Select).value),  # type: ignore[arg-type]
            )
        except CostcalcError as err:
            self.query_one("#plan-result", Static).update(f"[b]{getattr(err, 'field', 'plan')}[/b]: {err}")
            self.plan_result = None
            return
        self.plan_result = result
        summary = render_plan(result, "table").split("\n\n")[0].split("result ")[0].rstrip()
        self.query_one("#plan-result", Static).update(Group(Text(summary), Text(""), results_table(result.estimate)))

    def action_use_plan(self) -> None:
        result = self.plan_result
        if result is None:
            self.notify("No valid plan to use.", severity="warning")
            return
        with self.batch_update():
            self.query_one("#model", Select).value = Select.NULL
            self.query_one("#params", Input).value = f"{result.params:.4g}"
            self.query_one("#tokens", Input).value = f"{result.tokens:.4g}"
            if result.gpus is not None:
                self.query_one("#gpus", Input).value = str(result.gpus)
        self.action_show_tab("estimate")
        self.recompute()

    def show_costs(self) -> None:
        from costcalc.commands.costs import cost_models

        est = self.session.last
        target = self.query_one("#costs-result", Static)
        if est is None:
            target.update("no estimate yet")
            return
        try:
            models = cost_models(est)
        except CostcalcError as err:
            target.update(f"cannot price this scenario: {err}")
            return
        self.cost_models = models
        target.update(cost_table(est, models))

    def redraw_plot(self) -> None:
        problem = self.query_one(CostPlot).draw(self.session.inputs(), self.session.last, self.axis)
        self.query_one("#plot-error", Static).update(problem or "")

    # -- article check ----------------------------------------------------------------------
    @work(thread=True, exclusive=True)
    def load_claims(self) -> None:
        from costcalc.commands.article import check_article

        results = check_article()
        self.call_from_thread(self._show_claims, results)

    def _show_claims(self, results: list[Any]) -> None:
        self.claims = {r.id: r for r in results}
        self.query_one(ClaimsTable).fill(results)
        if results:
            self.query_one(ClaimDetail).show(results[0])

    @on(DataTable.RowHighlighted, "#claims")
    def _claim(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        self.query_one(ClaimDetail).show(self.claims.get(str(key)))

    # -- actions ----------------------------------------------------------------------------
    #: The widget each tab puts the focus on (focus inside a hidden pane would switch back to it).
    TAB_FOCUS = {
        "estimate": "#model",
        "compare": "#pinned",
        "plot": "#axis",
        "plan": "#budget",
        "costs": "#costs-box",
        "check": "#claims",
    }

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab
        self.query_one(self.TAB_FOCUS[tab]).focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_save(self) -> None:
        def done(path: str | None) -> None:
            if path:
                try:
                    saved = self.session.save(path)
                except (CostcalcError, OSError) as err:
                    self.notify(f"Not saved: {err}", severity="error")
                else:
                    self.notify(f"Saved {saved}")

        self.push_screen(PathScreen("Save scenario as (TOML):", "scenario.toml"), done)

    def action_load(self) -> None:
        def done(path: str | None) -> None:
            if path:
                self._load(path)

        self.push_screen(PathScreen("Load scenario (TOML):", "scenario.toml"), done)

    def _load(self, path: str) -> None:
        try:
            name = self.session.load(path)
        except (CostcalcError, OSError) as err:
            self.notify(f"Not loaded: {err}", severity="error")
            return
        with self.batch_update():
            for key, _, _ in FORM_FIELDS:
                self.query_one(f"#{key}", Input).value = self.session.values.get(key, "")
            self.query_one("#model", Select).value = self.session.model or Select.NULL
            if self.session.gpu in self.hardware:
                self.query_one("#gpu", Select).value = self.session.gpu
            for key, _, _, _ in CHOICE_FIELDS:
                self.query_one(f"#{key}", Select).value = self.session.choices.get(key) or Select.NULL
        self.recompute()
        self.notify(f"Loaded {name}")

    def action_export(self) -> None:
        tab = self.query_one("#tabs", TabbedContent).active

        def done(path: str | None) -> None:
            if path:
                try:
                    write_atomic(Path(path), self.export_text(tab, as_json=path.endswith(".json")))
                except (CostcalcError, OSError, ValueError) as err:
                    self.notify(f"Not exported: {err}", severity="error")
                else:
                    self.notify(f"Exported {path}")

        self.push_screen(PathScreen("Export this view (.md or .json):", f"{tab}.md"), done)

    def export_text(self, tab: str, *, as_json: bool) -> str:
        """The current view as Markdown or JSON."""
        if tab == "plan":
            result = self.plan_result
            if result is None:
                raise ValueError("no valid plan to export")
            from costcalc.render.plan import render_plan

            return render_plan(result, "json" if as_json else "markdown")
        if tab == "costs":
            from costcalc.commands.costs import cost_models
            from costcalc.render.costs import render_cost_models

            if self.session.last is None:
                raise ValueError("no estimate to export")
            models = cost_models(self.session.last)
            return render_cost_models(self.session.last, models, "json" if as_json else "markdown")
        if tab == "check":
            from costcalc.commands.article import ARTICLE
            from costcalc.render.checks import render_checks

            return render_checks(
                list(self.claims.values()), "json" if as_json else "markdown", title=f"Claims of the article {ARTICLE}"
            )
        if tab == "compare":
            rows = [{"scenario": p.label, "inputs": p.inputs, **p.estimate.to_dict()} for p in self.session.pinned]
            if as_json:
                return json.dumps(rows, indent=2, allow_nan=False, default=str) + "\n"
            table = self.query_one(CompareTable)
            cells = [[str(c) for c in table.get_row_at(row)] for row in range(table.row_count)]
            return markdown_table(COLUMNS, cells) + "\n"
        est = self.session.last
        if est is None:
            raise ValueError("no estimate to export")
        return render_json(est.to_dict()) if as_json else render_markdown(est)


def make_app(scenario: str | None = None) -> CostcalcApp:
    """The app factory used by ``costcalc tui`` and by the tests."""
    return CostcalcApp(scenario)
