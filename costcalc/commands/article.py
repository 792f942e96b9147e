"""``costcalc check``: recompute every claim of the 2023 article and give a verdict with reasons."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from costcalc.commands.checks import ClaimChecks, check_entries
from costcalc.data.catalog import Catalog, catalog_for
from costcalc.data.claims import load_claim_entries

__all__ = ["ARTICLE", "check_article"]

ARTICLE = "乘骐骥以驰骋兮,来吾道夫先路——2023年大模型技术基础架构盘点与开源工作速览 (chinasem.cn/article/573317)"


def check_article(presets: Iterable[Path | str] = (), catalog: Catalog | None = None) -> ClaimChecks:
    """Check every claim in the preset folders; each result carries its verdict and reason."""
    catalog = catalog_for(presets, catalog)
    return check_entries(load_claim_entries(catalog), catalog)
