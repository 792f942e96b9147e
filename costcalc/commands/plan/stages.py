"""``plan_stage()``: which method, GPU type and GPU count run a fine-tuning stage cheapest within its limits.

For each method (full, LoRA, QLoRA, or the one given) on each GPU type (``FINETUNE_GPUS``, or the
one given), the fewest GPUs on which the stage fits in memory (``costcalc memory`` with the same
options: ZeRO-1 first, then ZeRO-3 full sharding, the least recomputation that fits), raised to
the fewest that meet the deadline; counts are 1, 2, 4, then whole nodes. Each setting is run
through ``costcalc.estimate``, so plan and estimate cannot disagree; those within the budget are
ranked by cost, the first is the answer. A setting on more GPUs of the same type costs the same
GPU-hours (fine-tuning is data-parallel at one efficiency): it only finishes sooner, so it is not
listed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from costcalc.base.display import said
from costcalc.base.errors import InputError
from costcalc.base.units import Q_, Quantity
from costcalc.commands.memory_report import training_memory
from costcalc.commands.plan.question import STAGE_INPUTS, Budget, question
from costcalc.commands.plan.rates import NODE_GPUS
from costcalc.commands.plan.result import Left, Setting, StagePlan
from costcalc.data.catalog import Catalog, catalog_for
from costcalc.estimator.api import estimate
from costcalc.estimator.inputs import DATA_FIELDS, EstimateInputs, validate_inputs
from costcalc.estimator.resolve import resolve_hardware
from costcalc.estimator.result import Estimate
from costcalc.estimator.rl import check_rl, is_rl, rl_seq_len
from costcalc.estimator.stage import stage_tokens

__all__ = ["FINETUNE_GPUS", "MAX_GPUS", "METHODS", "STAGE_INPUTS", "plan_stage"]

#: The GPU types a fine-tuning plan compares when none is given: the cards rented for one-node
#: fine-tuning (RTX-4090, RTX-3090, RTX-A6000, L40S, L4, A10G) and the data-centre parts (A100 40
#: and 80 GB, H100, H200, B200). NVIDIA only: QLoRA's 4-bit kernels (bitsandbytes) are CUDA's.
FINETUNE_GPUS = ("RTX-4090", "RTX-3090", "RTX-A6000", "L40S", "L4", "A10G", "A100-40GB", "A100-80GB",
                 "H100-SXM", "H200", "B200")  # fmt: skip
METHODS = ("full", "lora", "qlora")
#: The most GPUs the plan puts on one stage (fit search and deadline alike).
MAX_GPUS = 4096
#: The ZeRO stages the memory check tries, in order: the default (1), then full sharding (FSDP).
ZERO_STAGES: tuple[int | None, ...] = (None, 3)
#: Inputs that describe the data or price, not the memory (``costcalc memory`` does not take them).
_NOT_MEMORY = ("tokens", "mfu", "price", *DATA_FIELDS)
_ADAPTERS = ("lora_rank", "lora_targets")


def plan_stage(
    budget: Any = None,
    *,
    deadline: Any = None,
    presets: Iterable[Path | str] = (),
    catalog: Catalog | None = None,
    **inputs: Any,
) -> StagePlan:
    """Rank the methods, GPU types and counts that run a fine-tuning stage by cost.

    ``inputs``: ``stage`` (sft, dpo, orpo, simpo, continued, long-context, ppo, grpo), ``model`` or
    ``params``, the stage's data (``tokens``, or ``examples`` with ``epochs``, ``example_tokens``,
    ``padding``; for ppo and grpo ``examples`` with ``prompt_tokens`` and ``generated_tokens``),
    ``seq_len`` (default: the model's context; for ppo and grpo a prompt and its generation), and
    optionally ``method``, ``gpu``, ``gpus``,
    ``lora_rank``, ``lora_targets``, ``quant``, ``zero``, ``recompute``, ``micro_batch``, ``mfu``
    and ``price`` (these two with ``gpu``). ``deadline``: a duration ("1 day"); ``budget``:
    dollars, GPU-hours or FLOPs. Each setting kept fits in memory and meets both limits; the
    first of ``settings`` is the cheapest.
    """
    catalog = catalog_for(presets, catalog)
    if inputs.get("stage") in (None, "pretrain"):
        raise InputError("stage", "plan_stage plans a fine-tuning stage: give sft, dpo, orpo, simpo, continued, "
                         "long-context, ppo or grpo")  # fmt: skip
    return _plan_stage(budget, deadline, catalog, inputs)


def _plan_stage(budget: Any, deadline: Any, catalog: Catalog, given: dict[str, Any]) -> StagePlan:
    """The settings of every method and GPU type within the deadline and budget, cheapest first."""
    q = question(budget, deadline, "hoffmann", {k: v for k, v in given.items() if k not in STAGE_INPUTS})
    inputs = validate_inputs({k: v for k, v in given.items() if v is not None})
    check_rl(inputs)  # PPO/GRPO's inputs refused before any setting is tried
    if not q.fixed_model:
        raise InputError("model", "a fine-tuning plan needs the model: give `model` or `params`")
    for name in ("price", "mfu"):
        if getattr(inputs, name) is not None and inputs.gpu is None:
            raise InputError(name, "one value cannot hold for several GPU types: give `gpu` with it")
    spec = catalog.model(inputs.model) if inputs.model is not None else None
    seq_len, notes = inputs.seq_len, []
    if seq_len is None and is_rl(inputs):
        seq_len = rl_seq_len(inputs)  # PPO/GRPO: a prompt and its generation, not the model's context
    if seq_len is None:
        if spec is None or spec.seq_len is None:
            raise InputError("seq_len", f"`stage` {inputs.stage} needs `seq_len` (the examples' longest)")
        seq_len = spec.seq_len
        notes.append(said("stage.seq_len", seq_len=seq_len, model=spec.name))
    common = {k: v for k, v in given.items() if v is not None and k not in ("gpu", "method", "seq_len")}
    common["seq_len"] = seq_len
    settings: list[Setting] = []
    left: list[Left] = []
    for method in _methods(inputs):
        for gpu in (inputs.gpu,) if inputs.gpu is not None else FINETUNE_GPUS:
            found = _setting(method, gpu, common, q.deadline, catalog)
            if isinstance(found, str):
                left.append(Left(method, resolve_hardware(gpu, catalog).name, found))
                continue
            over = _over_budget(found.estimate, q.budget)
            if over:
                left.append(Left(method, found.gpu, over))
            else:
                settings.append(found)
    ranked = sorted(settings, key=_rank)
    data = stage_tokens(inputs.model_copy(update={"seq_len": seq_len}), spec)
    assert data is not None and data.value is not None  # a stage other than pretrain has its own data
    tokens: Quantity = data.value
    words = said("stage.question", stage=str(inputs.stage), model=spec.name if spec is not None else None,
                 params=q.inputs.params, tokens=tokens, deadline=q.deadline,
                 budget=q.budget.words if q.budget else None)  # fmt: skip
    if not ranked:
        reasons = "; ".join(f"{x.method} on {x.gpu}: {x.reason}" for x in left[:3])
        raise InputError("deadline" if q.deadline is not None else "budget" if q.budget else "gpus",
                         f"no method and GPU type runs {words} ({reasons})")  # fmt: skip
    return StagePlan(words, str(inputs.stage), tokens, seq_len, q.deadline, q.budget.words if q.budget else None,
                     tuple(ranked), tuple(left), tuple(notes))  # fmt: skip


def _methods(inputs: EstimateInputs) -> tuple[str, ...]:
    """The methods to compare: the one given, else QLoRA alone with --quant, the adapter methods with
    an adapter option, else all three."""
    if inputs.method is not None:
        return (inputs.method,)
    if inputs.quant is not None:
        return ("qlora",)
    if any(getattr(inputs, name) is not None for name in _ADAPTERS):
        return ("lora", "qlora")
    return METHODS


def _rank(s: Setting) -> tuple[bool, float, float, int]:
    """Cheapest first; settings without a price after the priced ones, fastest first."""
    cost, _ = s.figure("cost_usd")
    hours, _ = s.figure("wall_clock_hours")
    return cost is None, cost or 0.0, hours or 0.0, s.gpus


def _counts(per_node: int, node_preset: bool) -> Iterator[int]:
    """The GPU counts a plan takes, in order: 1, 2, 4 below a node (not of a node preset, which comes
    whole), then whole nodes up to ``MAX_GPUS``."""
    yield from (n for n in (1, 2, 4) if n < per_node and not node_preset)
    yield from range(per_node, MAX_GPUS + 1, per_node)


def _fields(method: str, gpu: str, common: dict[str, Any]) -> dict[str, Any]:
    """The estimate inputs of one method on one GPU type (adapter options only for adapters)."""
    drop = (*_ADAPTERS, "quant") if method == "full" else ("quant",) if method == "lora" else ()
    return {**{k: v for k, v in common.items() if k not in drop}, "method": method, "gpu": gpu}


def _fits(fields: dict[str, Any], gpus: int, catalog: Catalog) -> tuple[int | None, str, Quantity, Quantity] | None:
    """The ZeRO stage, recomputation, bytes per GPU and capacity of the first layout that fits on
    ``gpus``, or None. A layout the user fixed (--zero, --recompute) is the only one tried."""
    memory = {k: v for k, v in fields.items() if k not in _NOT_MEMORY}
    given = fields.get("zero")
    for zero in (int(given),) if given is not None else ZERO_STAGES:
        report = training_memory(catalog=catalog, **{**memory, "gpus": gpus, "zero": zero}).finetune
        assert report is not None  # the fields name a stage: the report is the fine-tuning one
        if report.fits is not False:  # without an architecture, the lower bound (activations unknown)
            total = report.memory.total
            used = total if total is not None else report.memory.lower_bound
            return zero, str(report.setup.recompute), Q_(used, "B"), report.capacity
    return None


def _setting(method: str, gpu: str, common: dict[str, Any], deadline: Quantity | None,
             catalog: Catalog) -> Setting | str:  # fmt: skip
    """The fewest GPUs of ``gpu`` that run ``method`` in memory and by the deadline, estimated; or why none."""
    fields = _fields(method, gpu, common)
    hardware = resolve_hardware(gpu, catalog)
    per_node = hardware.node.count if hardware.node is not None else NODE_GPUS
    given = common.get("gpus")
    counts = list(_counts(per_node, hardware.node is not None)) if given is None else [_whole(given)]
    start = _fewest(fields, counts, catalog)
    if start is None:
        return said("stage.no_fit", gpus=counts[-1])
    est = estimate(catalog=catalog, **{**fields, "gpus": counts[start]})
    index = start
    if deadline is not None and est.wall_clock is not None and est.wall_clock > deadline:
        if common.get("gpus") is not None:
            return said("stage.too_slow", wall_clock=est.wall_clock, gpus=counts[start])
        needed = math.ceil(float((est.wall_clock * Q_(counts[start], "GPU") / deadline).m_as("GPU")))
        index = next((i for i, n in enumerate(counts) if n >= needed), len(counts) - 1)
        est = estimate(catalog=catalog, **{**fields, "gpus": counts[index]})
        # the efficiency falls a little with the GPU count, so the linear guess can fall one step short
        while est.wall_clock is not None and est.wall_clock > deadline and index < len(counts) - 1:
            index += 1
            est = estimate(catalog=catalog, **{**fields, "gpus": counts[index]})
        if est.wall_clock is not None and est.wall_clock > deadline:
            return said("stage.misses_deadline", wall_clock=est.wall_clock, gpus=counts[index])
    layout = _fits(fields, counts[index], catalog)
    assert layout is not None  # more GPUs shard the states further: what fits on fewer fits on more
    zero, recompute, used, capacity = layout
    run = {**fields, "gpus": counts[index], "recompute": recompute}
    est = estimate(catalog=catalog, **run)
    command = said("stage.command", fields={**run, **({"zero": zero} if zero is not None else {})})
    return Setting(method, hardware.name, counts[index], zero, recompute, used, capacity, command, est)


def _fewest(fields: dict[str, Any], counts: list[int], catalog: Catalog) -> int | None:
    """The index of the fewest GPUs in ``counts`` on which a layout fits, or None: doubling, then
    bisection (what fits on n GPUs fits on more: the states shard over them)."""
    last = len(counts) - 1
    probes = [*(2**k - 1 for k in range(last.bit_length() + 1) if 2**k - 1 < last), last]
    low, high = -1, 0
    for high in probes:
        if _fits(fields, counts[high], catalog) is not None:
            break
        low = high
    else:
        return None
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if _fits(fields, counts[mid], catalog) is not None else (mid, high)
    return int(high)


def _whole(gpus: Any) -> int:
    value = validate_inputs({"gpus": gpus}).gpus
    assert value is not None
    return round(float(value.m_as("GPU")))


def _over_budget(est: Estimate, budget: Budget | None) -> str:
    """Why a setting is over the budget, or "" when it is within it (or there is none)."""
    if budget is None:
        return ""
    spent = {"USD": est.cost, "GPU_hour": est.gpu_hours, "FLOP": est.hardware_flops}[budget.kind]
    if spent is None:
        return "no price for this GPU: a dollar budget cannot be checked (give --gpu and --price)"
    if spent > budget.amount:
        return said("stage.over_budget", kind=budget.kind, spent=spent, budget=budget.words)
    return ""
