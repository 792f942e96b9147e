"""``costcalc memory``: the breakdown, the best layouts and the smallest fit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from costcalc.render.estimate import memory_lines
from costcalc.render.text import fit, gigabytes, markdown_table, render_json, text_table

if TYPE_CHECKING:
    from costcalc.commands.memory_report import MemoryReport
    from costcalc.estimator.layouts import Layout

__all__ = ["render_memory"]

_HEADERS = ["layout", "recompute", "total/GPU", "headroom", "bubble", "+FLOPs", "TP comm", "step"]


def _row(lay: Layout) -> list[str]:
    """One layout: its memory, then why its step takes what it does (bubble, recomputation, TP)."""
    m = lay.memory
    step = "-" if lay.step_time is None else f"{lay.step_time:.2f}x"
    comm = "-" if lay.tp_comm is None else f"+{lay.tp_comm:.0%}"
    return [
        lay.label, m.recompute, gigabytes(m.total), gigabytes(m.headroom), f"{m.bubble:.1%}",
        f"+{lay.recompute_extra:.1%}", comm, step,
    ]  # fmt: skip


def render_memory(report: MemoryReport, fmt: str) -> str:
    if fmt == "json":
        return render_json(report.to_dict())
    what = report.model or "the model"
    where = f"{report.gpus} x {report.accelerator}" if report.gpus is not None else f"{report.accelerator} GPUs"
    parts = [f"{what} on {where}" + ("" if report.gpus is not None else " (no GPU count given)"), ""]
    if report.memory is not None:
        parts += memory_lines(report.memory)
    rows = [_row(lay) for lay in report.layouts]
    if rows:
        table = markdown_table(_HEADERS, rows) if fmt == "markdown" else text_table(_HEADERS, rows)
        zero = f"ZeRO-{report.layouts[0].memory.zero}"
        title = (
            f"Layouts that fit ({zero}), fastest estimated step first (1.00x: no bubble, recomputation or TP comm):"
            if report.any_fits
            else f"No layout fits on this many GPUs ({zero}); the closest:"
        )
        parts += ["", title, table]
    if report.smallest_fit is not None:
        m = report.smallest_fit.memory
        parts += [
            "",
            f"Smallest GPU count that fits: {m.gpus:,} ({report.smallest_fit.label} ZeRO-{m.zero}, "
            f"recompute {m.recompute}, {gigabytes(m.total)} of {gigabytes(m.capacity)})",
        ]
    text = "\n".join(parts) + "\n"
    return text if fmt == "markdown" else fit(text)
