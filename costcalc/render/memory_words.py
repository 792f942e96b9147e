"""Every sentence memory is noted and advised in: a breakdown's and an estimate's memory notes, the
smallest changes that would fit, a memory limit's notes.

Domain code hands each over as a ``Phrase`` (a key and typed parameters); ``MEMORY_PHRASES`` maps
the key to the function here that words it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the words read a breakdown; they never build one
    from costcalc.formulas.memory import MemoryBreakdown

__all__ = ["MEMORY_PHRASES"]


def states_over(states: float, bound: float, capacity: float) -> str:
    """A breakdown's note: the model states alone (bytes per GPU) exceed the capacity (bytes)."""
    return (
        f"does not fit: the model states alone need {states / 1e9:.1f} GB per GPU "
        f"({bound / 1e9:.1f} GB with the overhead allowance), more than the {capacity / 1e9:.1f} GB"
    )


def _layout(label: str, memory: MemoryBreakdown) -> str:
    """A layout a change would fit: its model states without a shape, else its label, recomputation and total."""
    m = memory
    if m.total is None:
        return f"model states {m.states / 1e9:.1f} GB per GPU"
    return f"{label}, recompute {m.recompute}, {m.total / 1e9:.1f} GB of {m.capacity / 1e9:.1f} GB"


def zero_change(stage: int, label: str, memory: MemoryBreakdown) -> str:
    """A smallest change that would fit: a higher ZeRO stage, and the layout it fits in."""
    return f"--zero {stage} ({_layout(label, memory)})"


def more_gpus(gpus: int, label: str, memory: MemoryBreakdown) -> str:
    """A smallest change that would fit: the fewest GPUs (by doubling), and the layout that fits on them."""
    return f"{gpus:,} GPUs ({_layout(label, memory)})"


def model_parallel(tp: int, pp: int, label: str, memory: MemoryBreakdown) -> str:
    """A smallest change that would fit a model without a shape: tensor (and pipeline) parallelism."""
    flags = f"--tp {tp}" + (f" --pp {pp}" if pp > 1 else "")
    return f"{flags} ({_layout(label, memory)})"


def none_fits(gpus: int) -> str:
    """An estimate's memory note: no layout fits on its GPU count (the closest one is shown)."""
    return f"no layout fits on {gpus:,} GPUs; this one comes closest"


def past_context(context: int) -> str:
    """A memory limit's note: the longest sequence that fits is longer than the model's context."""
    return f"longer than the model's context ({context:,} tokens): it would need a long-context stage"


def at_cap(cap: int) -> str:
    """A memory limit's note: the search's cap fits, so the limit is at least the cap."""
    return f"the search's cap ({cap:,}) fits: the answer is at least that"


#: Phrase key -> its sentence (``costcalc.render.phrases``).
MEMORY_PHRASES: dict[str, Callable[..., str]] = {
    "memory.states_over": states_over,
    "memory.zero_change": zero_change,
    "memory.more_gpus": more_gpus,
    "memory.model_parallel": model_parallel,
    "memory.none_fits": none_fits,
    "memory_limit.past_context": past_context,
    "memory_limit.at_cap": at_cap,
}
