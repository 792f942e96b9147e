"""The Recipe tab: a shipped recipe or a recipe file, each stage estimated and the total.

The pane runs ``costcalc.recipe`` and shows what ``costcalc recipe`` prints, rendered by
``costcalc.render.recipe`` as Markdown (the stages, their ranges, the total and the notes), so the
view and the command cannot say different things. A file name typed in the form takes the place
of the pick; the recipe runs when the pick changes or the name is entered.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import ScrollableContainer, Vertical
from textual.widgets import Input, Markdown, Static

from costcalc.commands.recipe import Recipe, recipe, shipped_recipes
from costcalc.data.catalog import Catalog
from costcalc.render.recipe import render_recipe
from costcalc_tui.panes.base import Pane, View
from costcalc_tui.state import FieldSpec, guarded
from costcalc_tui.widgets.form import FieldsForm
from costcalc_tui.widgets.results import error_text

__all__ = ["RecipePane", "recipe_fields"]


def recipe_fields() -> tuple[FieldSpec, ...]:
    """The recipe to run: a shipped one by name, or a file (which takes its place when given)."""
    return (
        FieldSpec("recipe-name", "Shipped recipe", "pick one", "choice", tuple(shipped_recipes())),
        FieldSpec("recipe-file", "Or a recipe file", "path/to/recipe.toml, Enter", "text"),
    )


class RecipePane(Pane):
    """Keeps the last recipe it ran (``costcalc.commands.recipe.Recipe``) and shows it as Markdown."""

    FOCUS = "#recipe-name"

    def __init__(self, catalog: Catalog, *, delay: float) -> None:
        super().__init__("Recipe", id="recipe")
        self.catalog = catalog
        fields = recipe_fields()
        first = fields[0].choices[0] if fields[0].choices else ""
        self.fields = {"recipe-name": first, "recipe-file": ""}
        self.form = FieldsForm(fields, self.fields, delay=delay, id="recipe-form")
        self.recipe: Recipe | None = None
        self.ran: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield self.form
            yield Static("A file runs when you press Enter in its field, in the pick's place.",
                         classes="hint", id="recipe-hint")  # fmt: skip
            yield Static("", id="recipe-error")
            with ScrollableContainer(id="recipe-output"):
                yield Markdown("", id="recipe-result")

    @on(FieldsForm.Changed, "#recipe-form")
    def _changed(self, event: FieldsForm.Changed) -> None:
        event.stop()
        self.fields = event.values
        if not self.fields.get("recipe-file", "").strip():  # a file runs on Enter, not per key
            self.run_recipe()

    @on(Input.Submitted, "#recipe-file")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.fields = self.form.flush()
        self.run_recipe()

    def show(self, view: View) -> None:
        if self.ran is None:  # the first time the tab is shown: run the pick
            self.run_recipe()

    def chosen(self) -> str:
        """The file typed, else the shipped recipe picked ("" when neither)."""
        return self.fields.get("recipe-file", "").strip() or self.fields.get("recipe-name", "").strip()

    def run_recipe(self) -> None:
        """Run the chosen recipe; on failure keep showing the last one and say why above it."""
        name = self.chosen()
        self.ran = name
        error = self.query_one("#recipe-error", Static)
        if not name:
            error.update(error_text("recipe", "pick a shipped recipe or type a recipe file"))
            return
        result, problem = guarded(lambda: recipe(name, catalog=self.catalog))
        if result is None:
            field, message = problem or ("recipe", "cannot run this recipe")
            error.update(error_text(field, message, " (showing the last recipe)" if self.recipe else ""))
            return
        self.recipe = result
        error.update(Text(""))
        self.query_one("#recipe-result", Markdown).update(render_recipe(result, "markdown"))

    def export(self, as_json: bool) -> str:
        if self.recipe is None:
            raise ValueError("no recipe to export")
        return render_recipe(self.recipe, "json" if as_json else "markdown")
