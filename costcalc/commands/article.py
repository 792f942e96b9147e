"""``costcalc check``: recompute every claim of the 2023 article and give a verdict with reasons."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from costcalc.commands.checks import ClaimCheck, check_claim
from costcalc.data.catalog import Catalog, default_catalog
from costcalc.data.claims import load_claims
from costcalc.render.estimate import render_json, text_table

__all__ = ["check_article", "render_checks"]

ARTICLE = "乘骐骥以驰骋兮,来吾道夫先路——2023年大模型技术基础架构盘点与开源工作速览 (chinasem.cn/article/573317)"


def check_article(presets: Iterable[Path | str] = (), catalog: Catalog | None = None) -> list[ClaimCheck]:
    """Check every claim in the preset folders; each result carries its verdict and reason."""
    catalog = catalog or default_catalog(presets)
    return [check_claim(claim, catalog) for claim in load_claims(catalog)]


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_checks(results: Sequence[ClaimCheck], fmt: str) -> str:
    if fmt == "json":
        return render_json([r.model_dump() for r in results])
    counts: dict[str, int] = {}
    for r in results:
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    summary = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
    outside = "(facts outside the cost estimator are marked *)"
    if fmt == "markdown":
        lines = [
            f"Claims of the article {ARTICLE}: {summary} {outside}",
            "",
            "| id | model | claim | article | source | costcalc | verdict | reason |",
            "|---|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {r.id}{'' if r.in_estimator else '*'} | {_md(r.model)} | {_md(r.claim_en)} | {_md(r.article_value)} "
            f"| {_md(r.source_value)} | {_md(r.estimate)} | **{r.verdict}** | {_md(r.reason)} |"
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
    return f"Claims of the article {ARTICLE}\n{summary} {outside}\n\n{table}\n\n{details}\n"
