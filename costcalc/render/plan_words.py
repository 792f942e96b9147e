"""Every sentence a plan is said in: its question, its notes and reasons, its rerun command.

``costcalc.commands.plan`` hands each over as a ``Phrase`` (a key and typed parameters: quantities,
counts, names); ``PLAN_PHRASES`` maps the key to the function here that words it. The pre-training
plan's keys start ``plan.``, a fine-tuning stage's ``stage.``.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from typing import Any

from costcalc.base.parse import format_count
from costcalc.base.units import Q_, Quantity

__all__ = ["PLAN_PHRASES", "hours_words"]

#: How a quantity input is shown in a plan's rerun command: its unit, and the format of the number.
_SHOWN = {"params": ("parameter", ".6g"), "tokens": ("token", ".6g"), "gpus": ("GPU", ".0f"),
          "mfu": ("", ".6g"), "price": ("USD/GPU/hour", ".6g")}  # fmt: skip


def _figure(value: float) -> str:
    """Every digit of large amounts (2,000,000), significant figures of small ones (0.5)."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def budget_words(kind: str, amount: Quantity) -> str:
    """A budget as a plan's question says it: dollars and GPU-hours in full, FLOPs in 3 figures."""
    shown = float(amount.m_as(kind))
    words = {"USD": f"{_figure(shown)} USD", "GPU_hour": f"{_figure(shown)} GPU-hours", "FLOP": f"{shown:.3g} FLOP"}
    return words[kind]


def deadline_words(deadline: Quantity) -> str:
    """A plan's deadline, in days."""
    return f"{deadline.m_as('day'):g} days"


def _model(model: str | None, params: Quantity | None) -> str:
    """A preset's name, else the parameter count (the question fixes one of the two)."""
    if model is not None:
        return model
    assert params is not None
    return f"{format_count(float(params.m_as('parameter')))} parameters"


def fixed_run(model: str | None, params: Quantity, tokens: Quantity) -> str:
    """A fixed model on fixed tokens, as a plan's question says it."""
    return f"{_model(model, params)} on {format_count(float(tokens.m_as('token')))} tokens"


def gpu_words(gpus: Quantity) -> str:
    """A GPU count the question gives."""
    return f"{gpus.m_as('GPU'):,.0f} GPUs"


def shown_input(name: str, value: Any) -> str:
    """An input as a plan's rerun command writes it: a quantity as a number in its input's unit."""
    if name in _SHOWN and isinstance(value, Q_):
        unit, spec = _SHOWN[name]
        return format(float(value.m_as(unit)), spec)
    return str(value)


def plan_command(fields: Mapping[str, Any]) -> str:
    """The ``costcalc estimate`` command that reruns a plan's run."""
    return "costcalc estimate " + " ".join(
        f"--{k.replace('_', '-')} {shlex.quote(shown_input(k, v))}" for k, v in fields.items()
    )


def raised(planned: Quantity, gpus: Quantity) -> str:
    """The memory note of a plan whose GPU count was raised until a layout fits."""
    return (
        f"the plan's {planned.m_as('GPU'):,.0f} GPUs raised to {gpus.m_as('GPU'):,.0f}, the fewest whole nodes "
        "on which a layout fits in memory"
    )


def hours_words(duration: Quantity | None) -> str:
    """A duration in minutes under an hour, in hours under two days, else in days ("" when unknown)."""
    if duration is None:
        return ""
    unit = "minute" if duration < Q_(1, "hour") else "hour" if duration < Q_(48, "hour") else "day"
    shown = f"{float(duration.m_as(unit)):,.3g}"
    return f"{shown} {unit}{'' if shown == '1' else 's'}"


def stage_question(
    stage: str,
    model: str | None,
    params: Quantity | None,
    tokens: Quantity,
    deadline: Quantity | None,
    budget: str | None,
) -> str:
    """A fine-tuning plan's question: the stage, the model, its tokens, and its limits."""
    limits = [w for w in (hours_words(deadline), budget or "") if w]
    words = f"{stage} of {_model(model, params)} on {format_count(float(tokens.m_as('token')))} tokens"
    return words + (f" within {' and '.join(limits)}" if limits else "")


def stage_seq_len(seq_len: int, model: str) -> str:
    """The note of a fine-tuning plan that takes the model's context as the sequence length."""
    return (
        f"sequence length {seq_len:,}: {model}'s context, the longest an example can be "
        "(memory is checked at it); give --seq-len"
    )


def no_fit(gpus: int) -> str:
    """Why a method on a GPU type is left out: it fits on no GPU count the plan tries."""
    return f"does not fit in memory on {gpus:,} GPU{'s' * (gpus > 1)} (ZeRO-1 or -3, recomputation)"


def too_slow(wall_clock: Quantity, gpus: int) -> str:
    """Why a setting on the GPU count the user gave is left out: it misses the deadline."""
    return f"takes {hours_words(wall_clock)} on {gpus:,} GPUs"


def misses_deadline(wall_clock: Quantity, gpus: int) -> str:
    """Why a method on a GPU type is left out: even the most GPUs tried miss the deadline."""
    return f"misses the deadline even on {gpus:,} GPUs ({hours_words(wall_clock)})"


def over_budget(kind: str, spent: Quantity, budget: str) -> str:
    """Why a setting is left out: what it costs, over the budget."""
    shown = f"${spent.m_as('USD'):,.3g}" if kind == "USD" else f"{spent.m_as(kind):,.3g}"
    return f"costs {shown}, over the budget of {budget}"


def stage_command(fields: Mapping[str, Any]) -> str:
    """The ``costcalc estimate`` command that reruns a setting (a flag for True, a quantity with its unit)."""
    words = []
    for name, value in fields.items():
        option = "--" + name.replace("_", "-")
        if value is True:
            words.append(option)
        elif isinstance(value, Q_):
            words += [option, shlex.quote(f"{value.m:g} {value.u:~}".strip())]
        else:
            words += [option, shlex.quote(str(value))]
    return "costcalc estimate " + " ".join(words)


#: Phrase key -> its sentence (``costcalc.render.phrases``).
PLAN_PHRASES: dict[str, Callable[..., str]] = {
    "plan.budget": budget_words,
    "plan.deadline": deadline_words,
    "plan.fixed_run": fixed_run,
    "plan.gpus": gpu_words,
    "plan.input": shown_input,
    "plan.command": plan_command,
    "plan.raised": raised,
    "stage.question": stage_question,
    "stage.seq_len": stage_seq_len,
    "stage.no_fit": no_fit,
    "stage.too_slow": too_slow,
    "stage.misses_deadline": misses_deadline,
    "stage.over_budget": over_budget,
    "stage.command": stage_command,
}
