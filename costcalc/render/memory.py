"""``costcalc memory``: the breakdown, the sensible layouts and the smallest fit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from costcalc.render.estimate import memory_lines
from costcalc.render.text import fit, gigabytes, markdown_table, render_json, text_table

if TYPE_CHECKING:
    from costcalc.commands.memory_report import MemoryReport

__all__ = ["render_memory"]


def render_memory(report: MemoryReport, fmt: str) -> str:
    if fmt == "json":
        return render_json(report.to_dict())
    what = report.model or "the model"
    head = f"{what} on {report.gpus if report.gpus is not None else 'an unspecified number of'} x {report.accelerator}"
    parts = [head, ""]
    if report.memory is not None:
        parts += memory_lines(report.memory)
    rows = [
        [
            f"TP={m.tp} PP={m.pp} DP={m.dp}" + (f" EP={m.ep}" if m.ep > 1 else ""),
            f"ZeRO-{m.zero}",
            m.recompute,
            gigabytes(m.total),
            gigabytes(m.headroom),
            "yes" if m.fits else "no",
            f"{m.bubble:.1%}",
        ]
        for m in report.layouts
    ]
    if rows:
        table = text_table(["layout", "ZeRO", "recompute", "total/GPU", "headroom", "fits", "bubble"], rows)
        if fmt == "markdown":
            table = markdown_table(["layout", "ZeRO", "recompute", "total/GPU", "headroom", "fits", "bubble"], rows)
        parts += ["", "Sensible layouts (tensor parallel within a node, pipeline across nodes):", table]
    if report.smallest_fit is not None:
        m = report.smallest_fit
        parts += [
            "",
            f"Smallest GPU count that fits: {m.tp * m.pp * m.dp} (TP={m.tp} PP={m.pp} DP={m.dp} "
            f"ZeRO-{m.zero}, recompute {m.recompute}, {gigabytes(m.total)} of {gigabytes(m.capacity)})",
        ]
    text = "\n".join(parts) + "\n"
    return text if fmt == "markdown" else fit(text)
