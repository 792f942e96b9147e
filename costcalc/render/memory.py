"""``costcalc memory``: the breakdown, the best layouts and the smallest fit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from costcalc.render.estimate import memory_lines
from costcalc.render.numbers import grouped
from costcalc.render.text import fit, gigabytes, markdown_table, render_json, text_table

if TYPE_CHECKING:
    from costcalc.commands.finetune_report import FinetuneReport
    from costcalc.commands.memory_limits import MemoryLimit
    from costcalc.commands.memory_report import MemoryReport
    from costcalc.estimator.layouts import Layout

__all__ = ["finetune_lines", "finetune_notes", "render_memory", "render_memory_limit"]

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


def finetune_lines(report: FinetuneReport) -> list[str]:
    """The fine-tuning section: the setting, frozen and trained parts, total against capacity, notes."""
    m, s = report.memory, report.setup
    verdict = {True: "fits", False: "DOES NOT FIT", None: "unknown"}[report.fits]
    how = report.method + (f" {s.quant}" if s.quant else "")
    if report.lora_rank is not None:
        how += f", LoRA r={report.lora_rank} on {report.lora_targets}"
    paged = f", {gigabytes(m.pageable)} of it off the GPU" if m.pageable else ""
    lines = [
        f"Fine-tuning memory per GPU ({report.stage}, {how}: {float(report.trainable.m_as('parameter')):,.0f} "
        "trainable parameters; "
        f"DP={s.dp} ZeRO-{s.zero}, micro-batch {s.micro_batch}, recompute {s.recompute}, {s.attention} "
        f"attention, {s.optimizer}):",
        f"  frozen weights {gigabytes(m.frozen)}" + (f", {report.extra_label} {gigabytes(m.extra)}" if m.extra else ""),
        f"  trained: weights {gigabytes(m.weights)}, gradients {gigabytes(m.gradients)}, "
        f"optimizer {gigabytes(m.optimizer)}{paged}",
        f"  activations {gigabytes(m.activations)}"
        + (f", KV cache {gigabytes(m.kv_cache)}" if m.kv_cache else "")
        + f", overhead {gigabytes(m.overhead)}",
        f"  total {gigabytes(m.total)} of {gigabytes(report.capacity)}: {verdict}",
    ]
    return lines + [f"  note: {n}" for n in finetune_notes(report)]


def finetune_notes(report: FinetuneReport) -> list[str]:
    """The report's notes in words."""
    return [_finetune_note(report, note.key, note.params) for note in report.notes]


def _finetune_note(report: FinetuneReport, key: str, p: Any) -> str:
    if key == "rl_models":
        reference = "the reference" + (" (the base with the adapters off)" if p["adapters"] else "")
        critic = ", the critic trained in full" if p["critic"] else ""
        return (
            f"{p['stage']}: {reference} and the reward model frozen at 16 bits{critic}; KV cache of {p['batch']} "
            f"sequences of {grouped(p['length'])} tokens (--generation-batch)"
        )
    if key == "zero3_generation":
        over = ", more than the GPU's" if p["over"] else ""
        return (
            f"generating under ZeRO-3 gathers the actor's weights whole (+{gigabytes(p['gathered'])}, "
            f"DeepSpeed-Chat's hybrid engine): that phase holds about {gigabytes(p['generating'])} "
            f"without the training activations{over}"
        )
    words = {
        "no_activations": "activations need an architecture and a sequence length: give a model preset or a shape",
        "over_without_activations": (
            f"does not fit: the rest alone needs {gigabytes(report.memory.lower_bound)} with the overhead"
        ),
        "one_gpu": "no GPU count given: one GPU",
        "dpo_adapters": "DPO with adapters: the base with the adapters off is the reference, no second copy",
    }
    return words[key]


def render_memory(report: MemoryReport, fmt: str) -> str:
    if fmt == "json":
        data = report.to_dict()
        if report.finetune is not None:
            data["finetune"]["notes"] = finetune_notes(report.finetune)  # the notes in words
        return render_json(data)
    what, gpus = report.model or "the model", report.gpu_count
    where = f"{gpus} x {report.accelerator}" if gpus is not None else f"{report.accelerator} GPUs"
    parts = [f"{what} on {where}" + ("" if gpus is not None else " (no GPU count given)"), ""]
    if report.memory is not None:
        parts += memory_lines(report.memory)
    if report.finetune is not None:
        parts += finetune_lines(report.finetune)
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


def _megabytes(value: float | None) -> str:
    return "unknown" if value is None else f"{value / 1e6:,.2f} MB"


def render_memory_limit(found: MemoryLimit, fmt: str) -> str:
    """The answer (and the total one more needs), how it was found, then the memory at the answer."""
    if fmt == "json":
        return render_json(found.to_dict())
    if found.quantity == "seq_len":
        head = f"Longest sequence that fits: {found.value:,} tokens (micro-batch {found.held:,})"
        unit = "tokens"
    else:
        head = f"Largest micro-batch that fits: {found.value:,} sequences of {found.held:,} tokens"
        unit = "sequences"
    if found.at_cap:
        head += f": at least that (the search's cap); {_megabytes(found.report_total)} of {_megabytes(found.capacity)}"
    else:
        head += (f"; {found.value + 1:,} {unit} need {_megabytes(found.next_total)} of "
                 f"{_megabytes(found.capacity)} per GPU")  # fmt: skip
    lines = [head, "  found by doubling, then bisection on whole numbers, with the memory formulas (the layout and "
             "setting below)"]  # fmt: skip
    lines += [f"  note: {n}" for n in found.notes]
    text = "\n".join(lines) + "\n\n" + render_memory(found.report, fmt)
    return text if fmt == "markdown" else fit(text)
