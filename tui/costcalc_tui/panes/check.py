"""The Article check tab: each claim of the 2023 article with its verdict, and the selected one's reasons."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable

from costcalc.commands.article import ARTICLE, check_article
from costcalc.commands.checks import ClaimCheck
from costcalc.data.catalog import Catalog
from costcalc.render.checks import render_checks
from costcalc_tui.panes.base import Pane
from costcalc_tui.state import guarded
from costcalc_tui.widgets.checks import ClaimDetail, ClaimsTable
from costcalc_tui.widgets.results import error_text

__all__ = ["CheckPane"]


class CheckPane(Pane):
    """Checks the claims once, in a thread, and keeps the results."""

    FOCUS = "#claims"

    def __init__(self, catalog: Catalog) -> None:
        super().__init__("Article check", id="check")
        self.catalog = catalog
        self.results: dict[str, ClaimCheck] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield ClaimsTable(id="claims")
            yield ClaimDetail(id="claim-detail")

    def on_mount(self) -> None:
        self.check()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def check(self) -> None:
        results, problem = guarded(lambda: check_article(catalog=self.catalog))
        self.app.call_from_thread(self._fill, results or [], problem)

    def _fill(self, results: list[ClaimCheck], problem: tuple[str, str] | None) -> None:
        self.results = {r.id: r for r in results}
        self.query_one(ClaimsTable).fill(results)
        detail = self.query_one(ClaimDetail)
        if problem is not None:
            detail.update(error_text(*problem))
        elif results:
            detail.show(results[0])

    @on(DataTable.RowHighlighted, "#claims")
    def _claim(self, event: DataTable.RowHighlighted) -> None:
        self.query_one(ClaimDetail).show(self.results.get(str(event.row_key.value)))

    def export(self, as_json: bool) -> str:
        if not self.results:
            raise ValueError("no checked claims to export")
        return render_checks(
            list(self.results.values()), "json" if as_json else "markdown", title=f"Claims of the article {ARTICLE}"
        )
