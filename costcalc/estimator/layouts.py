"""Choosing a parallel layout: search what the user left open, rank by estimated step time.

The memory of one layout is a formula (``costcalc.formulas.memory.breakdown``) and so is its cost
in step time (``costcalc.formulas.parallel``); this module searches over layouts with them. Options
the user gave (``--tp``, ``--pp``, ``--sp``, ``--ep``, ``--zero``, ``--recompute``, ``--micro-batch``)
fix what they name; the rest is searched: tensor parallelism over powers of two within a node,
pipeline stages over powers of two up to the layer count, sequence parallelism on with tensor
parallelism, recomputation none, selective or full, and for a mixture of experts the
expert-parallel degree. Layouts that fit in memory are ranked by estimated step time; the ranking
only chooses the layout, it never changes GPU-hours (see ``costcalc.estimator.overheads``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from pydantic import BaseModel, ConfigDict

from costcalc.base.display import said
from costcalc.base.errors import InputError
from costcalc.base.units import Q_, Quantity
from costcalc.estimator.inputs import EstimateInputs
from costcalc.estimator.scenario import Assumption, Basis, Param
from costcalc.formulas.flops import FlopsPerToken, Recompute, flops_per_token
from costcalc.formulas.memory import MemoryBreakdown, MemoryOptions, breakdown, expert_params, validate_fixed_layout
from costcalc.formulas.parallel import TP_ALL_REDUCES_PER_LAYER, step_time_factor, tensor_parallel_comm_fraction
from costcalc.schemas import AcceleratorSpec, ModelSpec, NodeSpec

__all__ = [
    "LAYOUT_OPTIONS",
    "Layout",
    "LayoutChoice",
    "Problem",
    "grid_candidates",
    "plan_memory",
    "problem_for",
    "rank",
    "search",
    "smallest_fit",
    "suggestions",
]

#: The options that make up a layout: given ones are fixed, the others searched.
LAYOUT_OPTIONS = ("zero", "tp", "pp", "sp", "ep", "micro_batch", "recompute")
_RECOMPUTE_ORDER: tuple[Recompute, ...] = ("none", "selective", "full")
#: How many layouts a report shows.
SHOWN = 5


class Layout(BaseModel):
    """A candidate layout: its memory, and what it costs in step time and why."""

    model_config = ConfigDict(frozen=True)

    memory: MemoryBreakdown
    recompute_extra: float
    tp_comm: float | None
    step_time: float | None

    @property
    def label(self) -> str:
        m = self.memory
        ep = f" EP={m.ep}" if m.ep > 1 else ""
        return f"TP={m.tp} PP={m.pp} DP={m.dp}{ep}"

    @property
    def step(self) -> dict[str, Param]:
        """The parts of the step-time estimate (fractions): the bubble, the recomputation's extra
        FLOPs and the tensor-parallel communication (None when not counted)."""
        return {
            "bubble": Q_(self.memory.bubble, ""),
            "recompute_extra": Q_(self.recompute_extra, ""),
            "tp_comm": None if self.tp_comm is None else Q_(self.tp_comm, ""),
        }


@dataclass(frozen=True)
class Problem:
    """What a layout search needs: the model, the hardware, the options and which of them are fixed."""

    spec: ModelSpec | None
    params: float
    accelerator: AcceleratorSpec
    options: MemoryOptions
    fixed: frozenset[str]
    gpus_per_node: int = 8
    dtype: str = "bf16"

    @property
    def shaped(self) -> bool:
        return self.spec is not None and self.spec.has_architecture and self.seq_len is not None

    @property
    def seq_len(self) -> int | None:
        return self.options.seq_len or (self.spec.seq_len if self.spec is not None else None)

    @cached_property
    def per_token(self) -> FlopsPerToken | None:
        if not self.shaped or self.spec is None or self.seq_len is None:
            return None
        return flops_per_token(self.spec, self.seq_len)

    @property
    def expert_params(self) -> float:
        """Parameters in routed experts (what expert parallelism shards); 0 for a dense model."""
        return expert_params(self.spec) if self.spec is not None and self.spec.is_moe else 0.0

    def with_options(self, **update: object) -> Problem:
        return Problem(
            self.spec, self.params, self.accelerator, self.options.model_copy(update=update),
            self.fixed | frozenset(update), self.gpus_per_node, self.dtype,
        )  # fmt: skip

    def validate(self) -> None:
        """The given options that are impossible whatever the GPU count (``--pp 1000`` on 80 layers)."""
        validate_fixed_layout(self.spec, self.options, self.fixed)


def _powers_of_two(limit: int) -> list[int]:
    return [1 << i for i in range(max(1, limit).bit_length()) if 1 << i <= limit]


def _candidates(problem: Problem, gpus: int) -> Iterator[MemoryOptions]:
    """Every layout the search tries on ``gpus`` GPUs: fixed options kept, the rest varied."""
    o, fixed, spec = problem.options, problem.fixed, problem.spec
    layers = spec.layers if spec is not None and spec.layers else gpus
    tps = [o.tp] if "tp" in fixed else _powers_of_two(min(problem.gpus_per_node, gpus))
    recomputes = [o.recompute] if "recompute" in fixed else list(_RECOMPUTE_ORDER)
    if o.attention == "flash" and "recompute" not in fixed:
        recomputes.remove("selective")  # flash attention already drops what selective would: same memory, more FLOPs
    moe = spec is not None and spec.is_moe and spec.experts is not None
    for t in tps:
        # ZeRO-2 and -3 shard gradients that a pipeline accumulates over micro-batches: DeepSpeed
        # refuses them with pipeline parallelism, so the search keeps them to one stage.
        deep_zero = o.zero >= 2
        pps = [o.pp] if "pp" in fixed else [1] if deep_zero else _powers_of_two(min(layers, gpus // t))
        for p in pps:
            dp = max(1, gpus // (t * p))
            eps = [o.ep] if "ep" in fixed or not moe else [e for e in _powers_of_two(dp) if dp % e == 0]
            sp = o.sp if "sp" in fixed else t > 1
            for e in eps:
                for recompute in recomputes:
                    yield o.model_copy(update={"tp": t, "pp": p, "sp": sp, "ep": e, "recompute": recompute})


def grid_candidates(problem: Problem, max_gpus: int) -> list[MemoryOptions]:
    """The layouts a vectorised memory check tries on up to ``max_gpus`` GPUs: those of ``search``
    that the model's heads, layers and experts allow (the GPU count is checked per point); for a
    model without a shape, the given layout only, as an estimate uses."""
    if not problem.shaped or problem.spec is None:
        return [problem.options]
    spec = problem.spec
    found = []
    for options in _candidates(problem, max_gpus):
        with contextlib.suppress(InputError):
            validate_fixed_layout(spec, options, frozenset({"tp", "pp", "ep"}))
            found.append(options)
    return found


def _cost(problem: Problem, memory: MemoryBreakdown) -> Layout:
    """The step-time estimate of one layout (``costcalc.formulas.parallel``)."""
    per_token = problem.per_token
    if per_token is None or problem.spec is None:
        return Layout(memory=memory, recompute_extra=0.0, tp_comm=None, step_time=None)
    extra = per_token.hardware(memory.recompute) / per_token.training() - 1
    bandwidth = problem.accelerator.interconnect
    comm = None
    if bandwidth is not None and problem.spec.layers and problem.spec.hidden:
        peak = problem.accelerator.peak.get(problem.dtype) or next(iter(problem.accelerator.peak.values()))  # type: ignore[call-overload]
        reduces = TP_ALL_REDUCES_PER_LAYER + (2 if memory.recompute == "full" else 0)
        comm = tensor_parallel_comm_fraction(
            memory.tp, problem.spec.hidden, problem.spec.layers, per_token.hardware(memory.recompute),
            float(peak.m_as("FLOP/s")), float(bandwidth.m_as("B/s")) / 2, all_reduces=reduces,
        )  # fmt: skip
    step = step_time_factor(extra, comm or 0.0, memory.bubble)
    return Layout(memory=memory, recompute_extra=extra, tp_comm=comm, step_time=step)


def search(problem: Problem, gpus: int) -> list[Layout]:
    """Every valid layout on ``gpus`` GPUs with its memory and cost, best first (``rank``)."""
    found = []
    for options in _candidates(problem, gpus):
        with contextlib.suppress(InputError):  # this combination does not divide the GPUs, heads or experts
            memory = breakdown(problem.spec, problem.params, problem.accelerator, gpus, options, dtype=problem.dtype)
            found.append(_cost(problem, memory))
    return rank(found)


def rank(layouts: list[Layout]) -> list[Layout]:
    """Layouts that fit first, fastest estimated step first (then less model parallelism, more
    headroom); then the ones that do not fit, closest to fitting first."""

    def key(lay: Layout) -> tuple[float, ...]:
        m = lay.memory
        if m.fits:
            return (0, lay.step_time or 0.0, m.tp * m.pp, -(m.headroom or 0.0))
        return (1, m.total if m.total is not None else m.states, m.tp * m.pp)

    return sorted(layouts, key=key)


def smallest_fit(problem: Problem, limit: int = 1 << 20) -> tuple[int, Layout] | None:
    """The smallest GPU count (doubling from the fixed tp x pp) on which some layout fits, and its best layout."""
    if not problem.shaped:
        return None
    unit = (problem.options.tp if "tp" in problem.fixed else 1) * (problem.options.pp if "pp" in problem.fixed else 1)
    gpus = unit
    while gpus <= limit:
        found = search(problem, gpus)
        if found and found[0].memory.fits:
            return gpus, found[0]
        gpus *= 2
    return None


def suggestions(problem: Problem, gpus: int) -> list[str]:
    """The smallest changes that would fit when nothing does: a higher ZeRO stage, model
    parallelism (for a model without a shape, by the model-state lower bound), more GPUs."""
    found: list[str] = []
    for stage in (2, 3):
        if stage <= problem.options.zero:
            continue
        staged = problem.with_options(zero=stage)
        layout = next(iter(search(staged, gpus)), None) if problem.shaped else _unshaped(staged, gpus, staged.options)
        if layout is not None and layout.memory.fits is not False:
            found.append(said("memory.zero_change", stage=stage, label=layout.label, memory=layout.memory))
            break
    if not problem.shaped:
        found += _model_parallel_bound(problem, gpus)
    else:
        smallest = smallest_fit(problem)
        if smallest is not None:
            gpus, fits = smallest
            found.append(said("memory.more_gpus", gpus=gpus, label=fits.label, memory=fits.memory))
    return found


def _unshaped(problem: Problem, gpus: int, options: MemoryOptions) -> Layout | None:
    """The model-state bound of a model without a shape in one layout (None when it is impossible)."""
    try:
        memory = breakdown(problem.spec, problem.params, problem.accelerator, gpus, options, dtype=problem.dtype)
    except InputError:
        return None
    return Layout(memory=memory, recompute_extra=0.0, tp_comm=None, step_time=None)


def _model_parallel_bound(problem: Problem, gpus: int) -> list[str]:
    """The least model parallelism whose model states fit, for a model without a shape: the
    smallest t x p, tensor parallel first (within a node)."""
    o = problem.options
    tps = [o.tp] if "tp" in problem.fixed else _powers_of_two(min(problem.gpus_per_node, gpus))
    pairs = sorted(((t, p) for t in tps for p in _powers_of_two(gpus // t)), key=lambda tp: (tp[0] * tp[1], -tp[0]))
    for t, p in pairs:
        if (t, p) == (o.tp, o.pp):
            continue
        layout = _unshaped(problem, gpus, o.model_copy(update={"tp": t, "pp": p}))
        if layout is not None and layout.memory.fits is not False:
            return [said("memory.model_parallel", tp=t, pp=p, label=layout.label, memory=layout.memory)]
    return []


@dataclass(frozen=True)
class LayoutChoice:
    """The memory section of an estimate, the recomputation it implies, the notes that say why,
    and the ranked layouts it was chosen from."""

    memory: MemoryBreakdown | None
    recompute: Recompute
    notes: tuple[Assumption, ...] = ()
    layouts: tuple[Layout, ...] = ()


def _noted(memory: MemoryBreakdown, *notes: str) -> MemoryBreakdown:
    return memory.model_copy(update={"notes": (*memory.notes, *notes)})


def problem_for(
    inputs: EstimateInputs, spec: ModelSpec | None, params: float, accelerator: AcceleratorSpec,
    node: NodeSpec | None, dtype: str,
) -> Problem:  # fmt: skip
    """The search problem an estimate's inputs pose (given options fixed), checked for what needs no GPU count."""
    fixed = frozenset(name for name in LAYOUT_OPTIONS if getattr(inputs, name) is not None)
    options = inputs.memory_options()
    if spec is None or not spec.is_moe:  # expert parallelism on a dense model cannot act: the estimate says so
        fixed, options = fixed - {"ep"}, options.model_copy(update={"ep": 1})
    problem = Problem(spec, params, accelerator, options, fixed, node.count if node else 8, dtype)
    problem.validate()
    return problem


def _whole_gpus(gpus: Quantity) -> int:
    count = float(np.asarray(gpus.m_as("GPU")).reshape(-1)[0])
    if not count.is_integer():
        raise InputError("gpus", f"memory needs a whole number of GPUs, got {count:g}")
    return int(count)


def _check_given(problem: Problem, gpus: int) -> None:
    """The given tp and pp against the GPU count, reported by the option's name."""
    o = problem.options
    probe = o.model_copy(
        update={"tp": o.tp if "tp" in problem.fixed else 1, "pp": o.pp if "pp" in problem.fixed else 1, "ep": 1}
    )
    breakdown(problem.spec, problem.params, problem.accelerator, gpus, probe, dtype=problem.dtype)


def _chosen(
    layout: Layout, layouts: list[Layout], problem: Problem, inputs: EstimateInputs, where: dict[str, Param]
) -> LayoutChoice:
    """The choice, with the assumptions that explain the layout and the recomputation."""
    m = layout.memory
    fitting = sum(1 for lay in layouts if lay.memory.fits)
    notes = []
    given = problem.fixed >= {"tp", "pp"} and "recompute" in problem.fixed
    value = (m.tp, m.pp, m.dp, m.ep, m.zero, m.sp, m.recompute)
    basis = Basis("given", layout.step) if given else Basis("searched", {**layout.step, "fitting": fitting, **where})
    notes.append(Assumption("layout", value, basis, kind="given" if given else "derived"))
    if m.recompute != "none":
        fixed = "recompute" in problem.fixed
        reason = Basis("given" if fixed else "fastest")
        notes.append(
            Assumption("recompute", m.recompute, reason, kind="given" if fixed else "derived", field="recompute")
        )
    shown = tuple(lay for lay in layouts if lay.memory.fits)[:SHOWN]
    return LayoutChoice(m, m.recompute, tuple(notes), shown)


def plan_memory(  # long because each case (array, no GPU count, no shape, search) is spelled out
    inputs: EstimateInputs,
    spec: ModelSpec | None,
    params: Quantity,
    accelerator: AcceleratorSpec,
    node: NodeSpec | None,
    gpus: Quantity | None,
    dtype: str,
) -> LayoutChoice:
    """Per-GPU memory, the layout and the recomputation the estimate uses (sweeps get no memory section)."""
    default: Recompute = inputs.recompute or "none"
    if any(np.asarray(q.magnitude).size > 1 for q in (params, gpus) if q is not None):
        return LayoutChoice(None, default)
    problem = problem_for(
        inputs, spec, float(np.asarray(params.m_as("parameter")).reshape(-1)[0]), accelerator, node, dtype
    )
    if gpus is None:
        found = smallest_fit(problem)
        if found is None:
            return LayoutChoice(None, default)
        count, layout = found
        layout = layout.model_copy(
            update={"memory": _noted(layout.memory, "no GPU count given: the smallest count that fits")}
        )
        return _chosen(layout, search(problem, count), problem, inputs, {"smallest_gpus": count})
    count = _whole_gpus(gpus)
    _check_given(problem, count)
    if not problem.shaped:
        memory = breakdown(spec, problem.params, accelerator, count, problem.options, dtype=dtype)
        if memory.fits is False:
            changes = suggestions(problem, count)
            if changes:
                memory = _noted(memory, "smallest change that could fit: " + " or ".join(changes))
        elif not problem.fixed & {"tp", "pp", "zero"}:
            memory = _noted(
                memory, "without an architecture costcalc cannot choose a layout: give a shape or --tp/--pp/--zero"
            )
        return LayoutChoice(memory, default)
    layouts = search(problem, count)
    chosen = layouts[0] if layouts else None  # the fastest that fits, else the closest to fitting
    if chosen is None:
        return LayoutChoice(breakdown(spec, problem.params, accelerator, count, problem.options, dtype=dtype), default)
    if chosen.memory.fits:
        return _chosen(chosen, layouts, problem, inputs, {"accelerator": accelerator.name})
    changes = suggestions(problem, count)
    notes = [said("memory.none_fits", gpus=count)]
    if changes:
        notes.append("smallest change that would fit: " + " or ".join(changes))
    return LayoutChoice(_noted(chosen.memory, *notes), chosen.memory.recompute)
