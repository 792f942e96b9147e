"""The costcalc terminal UI: the key bindings, the form's state as reactive attributes, and the estimate.

``form`` (what the form says) is set when the form's values settle; ``inputs`` is computed from
it; ``watch_form`` estimates and sets ``outcome``; ``watch_outcome`` shows it. The panes keep
their own results (plan, cost models, claims) as models, and render from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.geometry import Size
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.theme import ThemeProvider
from textual.widgets import Footer, Header, TabbedContent, Tabs

from costcalc.base.errors import one_line
from costcalc.commands.plan import Plan
from costcalc.commands.scenario_files import write_atomic
from costcalc.data.catalog import Catalog, default_catalog
from costcalc_tui import require_terminal
from costcalc_tui.compat import bound_pastes, guard_option_list_paging
from costcalc_tui.files import read_scenario, write_scenario
from costcalc_tui.panes import (
    CheckPane,
    ComparePane,
    CostsPane,
    EstimatePane,
    Pane,
    PlanPane,
    PlotPane,
    RecipePane,
    View,
)
from costcalc_tui.state import DEFAULT_FORM, FormState, Outcome, Pins, evaluate, form_fields, guarded
from costcalc_tui.widgets.form import DEBOUNCE_SECONDS, FieldsForm
from costcalc_tui.widgets.palette import Palette
from costcalc_tui.widgets.screens import Attempt, HelpScreen, PathScreen

__all__ = ["MAX_SIZE", "CostcalcApp", "capped", "key_label", "make_app"]

guard_option_list_paging()
bound_pastes()

#: The largest screen the app lays out, in columns and rows. A terminal that says it is bigger
#: (``COLUMNS=100000 LINES=100000``) shows the app in its top-left corner, instead of the app
#: laying out ten billion cells and ignoring the keys while it does.
MAX_SIZE = Size(1000, 400)


def capped(size: Size) -> Size:
    """``size`` within ``MAX_SIZE``."""
    return Size(min(size.width, MAX_SIZE.width), min(size.height, MAX_SIZE.height))


def key_label(keys: str) -> str:
    """``ctrl+s,f1`` as people write it: ``Ctrl+S / F1``."""
    names = {"question_mark": "?", "delete": "Delete", "escape": "Esc"}
    parts = []
    for key in keys.split(","):
        parts.append("+".join(names.get(p, p.upper() if len(p) == 1 else p.capitalize()) for p in key.split("+")))
    return " / ".join(parts)


def _view_binding(key: str, tab: str, title: str) -> Binding:
    return Binding(key, f"show_tab('{tab}')", title, id=f"tab-{tab}", show=False, priority=True,
                   tooltip=f"show the {title} view")  # fmt: skip


class CostcalcApp(App[None]):
    """Estimate a training run and watch days and dollars move as you type."""

    CSS_PATH = "app.tcss"
    TITLE = "costcalc"
    BINDINGS = [
        Binding("f1", "help", "Help", id="help", priority=True, tooltip="every key, in a scrollable window"),
        Binding("question_mark", "help", "Help", show=False, tooltip="help, outside a text field"),
        _view_binding("f2", "estimate", "Estimate"),
        _view_binding("f3", "compare", "Compare"),
        _view_binding("f4", "plot", "Plot"),
        _view_binding("f5", "check", "Article check"),
        _view_binding("f7", "plan", "Plan"),
        _view_binding("f8", "costs", "Costs"),
        _view_binding("f10", "recipe", "Recipe"),
        Binding("f6", "pin", "Pin", id="pin", priority=True, tooltip="pin the current scenario to Compare"),
        Binding("ctrl+s", "save", "Save", id="save", priority=True, tooltip="save the form as a scenario file (TOML)"),
        Binding("ctrl+o", "load", "Load", id="load", priority=True, tooltip="load a scenario file the CLI wrote"),
        Binding("ctrl+r", "export", "Export", id="export", priority=True,
                tooltip="export the current view as Markdown (.md) or JSON (.json)"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True, tooltip="quit"),
    ]  # fmt: skip
    #: Actions that stay available while a dialog is open (all others wait for it to close): quitting,
    #: and Tab / Shift+Tab between the file dialog's folder tree and its file name.
    MODAL_SAFE = frozenset({"quit", "focus_next", "focus_previous"})

    form: reactive[FormState] = reactive(DEFAULT_FORM, init=False)
    inputs: reactive[dict[str, str]] = reactive(dict, init=False)
    outcome: reactive[Outcome] = reactive(Outcome, init=False, always_update=True)

    def __init__(
        self, scenario: str | None = None, catalog: Catalog | None = None, *, debounce: float = DEBOUNCE_SECONDS
    ) -> None:
        super().__init__()
        self.catalog = catalog or default_catalog()
        self.scenario_path = scenario
        self.pins = Pins()
        self.crash: BaseException | None = None
        self.panes: dict[str, Pane] = {
            "estimate": EstimatePane(form_fields(self.catalog), DEFAULT_FORM, delay=debounce),
            "compare": ComparePane(self.pins),
            "plot": PlotPane(self.catalog),
            "plan": PlanPane(self.catalog, delay=debounce),
            "costs": CostsPane(self.catalog),
            "recipe": RecipePane(self.catalog, delay=debounce),
            "check": CheckPane(self.catalog),
        }

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial="estimate", id="tabs"):
            yield from self.panes.values()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Tabs).can_focus = False  # Tab moves between fields, F2-F8 between views
        self.outcome = evaluate(self.form, self.catalog, None)
        if self.scenario_path:
            self.load_scenario(self.scenario_path)
        self.panes["estimate"].focus_default()

    # -- the form, the estimate and what shows it -------------------------------------------
    def compute_inputs(self) -> dict[str, str]:
        return self.form.inputs()

    def watch_form(self, form: FormState) -> None:
        self.outcome = evaluate(form, self.catalog, self.outcome.estimate)

    def watch_outcome(self, outcome: Outcome) -> None:
        view = self.view()
        self.panes["estimate"].show(view)
        active = self.active_pane()
        if active is not self.panes["estimate"]:
            active.show(view)

    def view(self) -> View:
        return View(self.inputs, self.outcome)

    def active_pane(self) -> Pane:
        return self.panes.get(self.query_one("#tabs", TabbedContent).active, self.panes["estimate"])

    @on(FieldsForm.Changed, "#form")
    def _form_changed(self, event: FieldsForm.Changed) -> None:
        self.form = FormState.of(event.values)

    def settle(self) -> FormState:
        """Take what the form says now, without waiting for the typing pause."""
        self.form = FormState.of(self.query_one("#form", FieldsForm).flush())
        return self.form

    def apply(self, state: FormState) -> None:
        """Fill the form with ``state`` and estimate it."""
        estimate_pane = self.panes["estimate"]
        assert isinstance(estimate_pane, EstimatePane)
        estimate_pane.load(state)
        self.form = state

    @on(TabbedContent.TabActivated)
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        pane = self.panes.get(str(event.pane.id))
        if pane is not None:
            pane.show(self.view())

    @on(PlanPane.Use)
    def _use_plan(self, event: PlanPane.Use) -> None:
        plan: Plan = event.plan
        params, tokens = plan.params.m_as("parameter"), plan.tokens.m_as("token")
        changes = {"model": "", "params": f"{params:.6g}", "active_params": "", "tokens": f"{tokens:.6g}"}
        if plan.gpu_count is not None:
            changes.update(gpus=str(plan.gpu_count), nodes="")
        self.apply(self.settle().with_values(**changes))
        self.action_show_tab("estimate")

    # -- actions --------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a dialog is open only quitting and moving the focus work: no second dialog, no view
        switch beneath it."""
        return action in self.MODAL_SAFE or not self.dialog_open()

    def dialog_open(self) -> bool:
        return len(self.screen_stack) > 1

    def action_show_tab(self, tab: str) -> None:
        if tab in self.panes:
            self.query_one("#tabs", TabbedContent).active = tab
            self.panes[tab].focus_default()

    def action_pin(self) -> None:
        pinned = self.pins.pin(self.settle(), self.outcome)
        if pinned is None:
            self.notify("Nothing valid to pin: fix the form first.", severity="warning", markup=False)
            return
        self.panes["compare"].show(self.view())
        self.notify(one_line(f"Pinned {pinned.label}"), markup=False)

    def action_help(self) -> None:
        if not self.dialog_open():
            self.push_screen(HelpScreen(self.help_entries()))

    def action_command_palette(self) -> None:
        if self.use_command_palette and not self.dialog_open():
            self.push_screen(Palette(id="--command-palette"))

    def search_themes(self) -> None:
        """Textual's theme picker, in the palette that closes once."""
        if not self.dialog_open():
            self.push_screen(Palette(providers=[ThemeProvider], placeholder="Search for themes…"))

    def ask_path(self, title: str, default: str, attempt: Attempt, **options: Any) -> None:
        """The file dialog, unless one is already open: it closes once ``attempt`` succeeds."""
        if not self.dialog_open():
            self.push_screen(PathScreen(title, default, attempt=attempt, **options))

    def action_save(self) -> None:
        self.ask_path("Save scenario as (TOML):", "scenario.toml", self.save_scenario, confirm=True)

    def action_load(self) -> None:
        self.ask_path("Load scenario (TOML):", "scenario.toml", self.load_scenario)

    def action_export(self) -> None:
        tab = self.query_one("#tabs", TabbedContent).active or "estimate"
        self.ask_path("Export this view (.md or .json):", f"{tab}.md", partial(self.export_view, tab),
                      suffixes=(".md", ".json"), confirm=True)  # fmt: skip

    # -- files: each returns None when done, else the reason it was not (also notified) ----------
    def save_scenario(self, path: str) -> str | None:
        form = self.settle()
        saved, problem = guarded(lambda: write_scenario(path, form))
        return self.report("Saved", saved, "Not saved", problem)

    def load_scenario(self, path: str) -> str | None:
        loaded, problem = guarded(lambda: read_scenario(path, self.catalog))
        if loaded is not None:
            self.apply(loaded[1])
        return self.report("Loaded", loaded and loaded[0], "Not loaded", problem)

    def export_view(self, tab: str, path: str) -> str | None:
        self.settle()
        pane = self.panes[tab]
        text, problem = guarded(lambda: pane.export(as_json=path.lower().endswith(".json")))
        if text is not None:
            _, problem = guarded(lambda: write_atomic(Path(path), text))
        return self.report("Exported", None if problem else path, "Not exported", problem)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification (the app's and each pane's) as one line, its control characters escaped.

        A notification can echo a path or a name a file gave: ESC in it would drive the terminal.
        """
        super().notify(one_line(message), title=one_line(title), severity=severity, timeout=timeout, markup=markup)

    def report(self, done: str, what: object, failed: str, problem: tuple[str, str] | None) -> str | None:
        """One notification, never read as markup (paths and messages can hold brackets), with every
        control character escaped (a scenario's name or a path can hold terminal escape sequences);
        the failure's line is returned too (a dialog shows it), None on success."""
        if problem is not None:
            line = one_line(f"{failed}: {problem[1]}")
            self.notify(line, severity="error", markup=False)
            return line
        self.notify(one_line(f"{done} {what}"), markup=False)
        return None

    # -- help and the command palette -----------------------------------------------------------
    def all_bindings(self) -> Iterator[tuple[Any, Binding]]:
        """Every binding with what carries out its action: the app, a pane, or the command palette."""
        yield from ((self, b) for b in self.BINDINGS if isinstance(b, Binding))
        for name in ("compare", "plan"):
            pane = self.panes[name]
            yield from ((pane, b) for b in pane.BINDINGS if isinstance(b, Binding))
        yield self, Binding(self.COMMAND_PALETTE_BINDING, "command_palette", "Commands", tooltip="search every command")

    def help_entries(self) -> list[tuple[str, str, str]]:
        """(keys, action, what it does) for each action, keys of the same action together."""
        entries: dict[str, list[Any]] = {}
        for _owner, binding in self.all_bindings():
            entry = entries.setdefault(binding.action, [[], binding.description, binding.tooltip])
            entry[0].append(binding.key)
        return [(key_label(",".join(keys)), title, tip) for keys, title, tip in entries.values()]

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for owner, binding in self.all_bindings():
            if binding.action not in ("command_palette", "quit") and binding.key != "question_mark":
                title = f"{binding.description} ({key_label(binding.key)})"
                yield SystemCommand(title, binding.tooltip, partial(owner.run_action, binding.action))

    def run(self, *, headless: bool = False, **options: Any) -> Any:
        """Run in this terminal (refused unless stdin and stderr are terminals), or headless; returns
        what the app exits with, as Textual's ``run`` does."""
        if not headless:
            require_terminal()
        return super().run(headless=headless, **options)

    @property
    def size(self) -> Size:
        """The terminal's size, capped at ``MAX_SIZE``."""
        return capped(super().size)

    async def _on_resize(self, event: events.Resize) -> None:
        event.prevent_default()
        size = capped(event.size)
        await super()._on_resize(events.Resize(size, size))

    def _handle_exception(self, error: Exception) -> None:
        """Keep the error that stops the app, so ``run`` can report it in one line."""
        if self.crash is None:
            self.crash = error
        super()._handle_exception(error)


def make_app(
    scenario: str | None = None, presets: Iterable[str | Path] = (), *, debounce: float = DEBOUNCE_SECONDS
) -> CostcalcApp:
    """The app factory used by ``costcalc tui`` and by the tests."""
    return CostcalcApp(scenario, default_catalog(presets), debounce=debounce)
