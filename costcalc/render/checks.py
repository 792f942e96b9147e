"""``costcalc check``: verdicts on claims, as a table with details, Markdown or JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from costcalc.render.text import fit, md_cell, render_json, text_table

if TYPE_CHECKING:
    from costcalc.commands.checks import ClaimCheck

__all__ = ["render_checks"]


def render_checks(results: Sequence[ClaimCheck], fmt: str, *, title: str) -> str:
    """Verdicts with their reasons; ``title`` names what the claims come from."""
    if fmt == "json":
        return render_json([r.model_dump() for r in results])
    counts: dict[str, int] = {}
    for r in results:
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    summary = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
    outside = "(facts outside the cost estimator are marked *)"
    if fmt == "markdown":
        lines = [
            f"{title}: {summary} {outside}",
            "",
            "| id | model | claim | article | source | costcalc | verdict | reason |",
            "|---|---|---|---|---|---|---|---|",
        ]
        lines += [
            "| "
            + " | ".join(
                [
                    r.id + ("" if r.in_estimator else "*"),
                    *(md_cell(x) for x in (r.model, r.claim_en, r.article_value, r.source_value, r.estimate)),
                    f"**{r.verdict}**",
                    md_cell(r.reason),
                ]
            )
            + " |"
            for r in results
        ]
        return "\n".join(lines) + "\n"
    table = text_table(
        ["id", "model", "topic", "article says", "verdict"],
        [[r.id + ("" if r.in_estimator else "*"), r.model, r.topic, r.article_value, r.verdict] for r in results],
    )
    details = "\n\n".join(
        f"{r.id} {r.verdict.upper()}: {r.reason}\n"
        f"    article: {r.claim}\n"
        f"    source:  {r.source_value} [{r.source}]\n"
        f"    costcalc: {r.estimate}\n"
        f"    tolerance: {r.tolerance}"
        for r in results
    )
    return fit(f"{title}\n{summary} {outside}\n\n{table}\n\n{details}\n")
