"""The article check: claims coloured by verdict, and the reason and sources of the selected one."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable, Static

from costcalc.base.errors import one_line
from costcalc.commands.checks import ClaimCheck

VERDICT_STYLES = {
    "consistent": "green",
    "inconsistent": "bold red",
    "unverifiable": "yellow",
    "implausible": "bold magenta",
}


class ClaimsTable(DataTable[str | Text]):
    """One row per claim."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_columns("id", "model", "topic", "verdict")

    def fill(self, results: list[ClaimCheck]) -> None:
        self.clear()
        for r in results:
            star = "" if r.in_estimator else "*"
            verdict = Text(r.verdict, style=VERDICT_STYLES[r.verdict])
            self.add_row(
                Text(one_line(r.id + star)), Text(one_line(r.model)), Text(one_line(r.topic)), verdict, key=r.id
            )


def detail(result: ClaimCheck) -> Text:
    """The claim, its verdict and sources; claims can come from a file, so every field is one line."""
    text = Text()
    text.append(f"{one_line(result.id)} ", style="bold")
    text.append(result.verdict.upper(), style=VERDICT_STYLES[result.verdict])
    text.append(f": {one_line(result.reason)}\n")
    text.append("article: ", style="bold")
    text.append(f"{one_line(result.claim)}\n")
    text.append("source: ", style="bold")
    text.append(one_line(f"{result.source_value} [{result.source}]") + "\n")
    text.append("costcalc: ", style="bold")
    text.append(f"{one_line(str(result.estimate))}\n")
    text.append("tolerance: ", style="bold")
    text.append(one_line(str(result.tolerance)))
    return text


class ClaimDetail(Static):
    def show(self, result: ClaimCheck | None) -> None:
        self.update(detail(result) if result is not None else "")
