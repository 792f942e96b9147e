"""``costcalc check``: verdicts on claims, as a table with details, paste-ready Markdown or JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from costcalc.render.text import fit, flop_figure, markdown_table, md_cell, render_json, text_table, threshold_line

if TYPE_CHECKING:
    from costcalc.commands.checks import ClaimCheck

__all__ = ["render_checks"]

_OUTSIDE = "(facts outside the cost estimator are marked *)"


def _summary(results: Sequence[ClaimCheck]) -> str:
    counts: dict[str, int] = {}
    for r in results:
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    summary = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
    return summary + (f" {_OUTSIDE}" if any(not r.in_estimator for r in results) else "")


def _id(r: ClaimCheck) -> str:
    return r.id + ("" if r.in_estimator else "*")


def _claim_cell(r: ClaimCheck) -> str:
    """The claim as a reviewer quotes it: who it is about, in English, with the original wording."""
    english = r.claim_en or r.claim
    original = f" ({r.claim})" if r.claim != english else ""
    return f"{r.model}: {english}{original}"


def _markdown(results: Sequence[ClaimCheck], title: str) -> str:
    rows = [[_id(r), _claim_cell(r), f"**{r.verdict}**", r.deciding or r.estimate, r.source or "-"] for r in results]
    lines = [f"**{md_cell(title)}**: {_summary(results)}", ""]
    lines += [markdown_table(["id", "claim", "verdict", "deciding number", "source"], rows), "", "Reasons:", ""]
    for r in results:
        line = f"- **{md_cell(r.id)}** ({r.verdict}): {md_cell(r.reason)} Tolerance: {md_cell(r.tolerance)}."
        crossed = [threshold_line(t) for t in r.thresholds if t["crossed"] is True]
        if crossed:
            line += " Compute thresholds: " + "; ".join(md_cell(t) for t in crossed) + "."
        lines.append(line)
    return "\n".join(lines) + "\n"


def _details(r: ClaimCheck) -> str:
    lines = [
        f"{r.id} {r.verdict.upper()}: {r.reason}",
        f"    claim: {r.claim}",
        f"    source:  {r.source_value} [{r.source}]",
        f"    costcalc: {r.estimate}",
        f"    decided by: {r.deciding}",
        f"    tolerance: {r.tolerance}",
    ]
    crossed = [
        t for t in r.thresholds if t["crossed"] is True or (isinstance(t["crossed"], list) and any(t["crossed"]))
    ]
    lines += [f"    threshold: {threshold_line(t)}" for t in crossed]
    if r.thresholds and not crossed:
        lowest = min(r.thresholds, key=lambda t: float(t["flop"]))
        lines.append(f"    compute thresholds: none crossed (the lowest: {flop_figure(lowest['flop'])} FLOP)")
    return "\n".join(lines)


def render_checks(results: Sequence[ClaimCheck], fmt: str, *, title: str) -> str:
    """Verdicts with their reasons; ``title`` names what the claims come from."""
    if fmt == "json":
        return render_json([r.to_dict() for r in results])
    if fmt == "markdown":
        return _markdown(results, title)
    table = text_table(
        ["id", "model", "topic", "claimed", "verdict"],
        [[_id(r), r.model, r.topic, r.article_value, r.verdict] for r in results],
    )
    details = "\n\n".join(_details(r) for r in results)
    return fit(f"{title}\n{_summary(results)}\n\n{table}\n\n{details}\n")
