"""The costcalc terminal UI: estimate, compare, plot and the article check, keyboard-only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, Label, Select, Static, TabbedContent, TabPane

from costcalc.errors import CostcalcError
from costcalc.presets import default_catalog
from costcalc.render import markdown_table, render_json, render_markdown
from costcalc.scenarios import write_atomic
from costcalc_tui.screens import HelpScreen, PathScreen
from costcalc_tui.state import FORM_FIELDS, Session
from costcalc_tui.widgets.checks import ClaimDetail, ClaimsTable
from costcalc_tui.widgets.compare import COLUMNS, CompareTable
from costcalc_tui.widgets.fields import QuantityField
from costcalc_tui.widgets.plot import AXES, CostPlot
from costcalc_tui.widgets.results import Assumptions, Results

__all__ = ["CostcalcApp", "make_app"]

DTYPES = ("fp32", "tf32", "bf16", "fp16", "fp8", "int8")


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
        Binding("f6", "pin", "Pin", id="pin", priority=True),
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
                    yield Label("Precision")
                    yield Select([(d, d) for d in DTYPES], prompt="default (bf16)", id="dtype", compact=True)
                    for key, label, placeholder in FORM_FIELDS:
                        yield Label(label)
                        yield Input(
                            placeholder=placeholder,
                            id=key,
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
        dtype = self.query_one("#dtype", Select).value
        session.dtype = None if dtype is Select.NULL else str(dtype)
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

    @on(Input.Changed)
    @on(Select.Changed, "#model, #gpu, #dtype")
    def _changed(self) -> None:
        self.recompute()
        if self.query_one("#tabs", TabbedContent).active == "plot":
            self.redraw_plot()

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

    def redraw_plot(self) -> None:
        problem = self.query_one(CostPlot).draw(self.session.inputs(), self.session.last, self.axis)
        self.query_one("#plot-error", Static).update(problem or "")

    # -- article check ----------------------------------------------------------------------
    @work(thread=True, exclusive=True)
    def load_claims(self) -> None:
        from costcalc.article import check_article

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
    TAB_FOCUS = {"estimate": "#model", "compare": "#pinned", "plot": "#axis", "check": "#claims"}

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
            self.query_one("#dtype", Select).value = self.session.dtype or Select.NULL
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
        if tab == "check":
            from costcalc.article import render_checks

            return render_checks(list(self.claims.values()), "json" if as_json else "markdown")
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
