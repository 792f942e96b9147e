"""The words of a training stage's assumptions: its data, how its FLOPs were counted, the models
beside the trained one (PPO/GRPO's reward model, critic and reference, a distillation teacher),
PPO/GRPO's defaults, and the time not set by the efficiency (generation, the fixed time per run).

``costcalc.render.words`` holds the table every assumption is worded from; it takes this module's
``STAGE_WORDS`` into it, so a sentence is still changed in one place. The number styles come from
``costcalc.render.numbers``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from costcalc.render.numbers import count, general, grouped, percent, quantity_text, sig

if TYPE_CHECKING:  # the words read assumptions; they never build one
    from costcalc.estimator.scenario import Assumption
    from costcalc.formulas.flops import CountMethod

__all__ = ["STAGE_NAMES", "STAGE_WORDS", "count_words", "magnitude", "model_words"]

#: The name each stage assumption key is shown by.
STAGE_NAMES: dict[str, str] = {
    "stage": "stage",
    "teacher": "teacher",
    "reward_model": "reward model",
    "reference_model": "reference model",
    "critic_model": "critic model",
    "group_size": "group size",
    "ppo_epochs": "PPO epochs",
    "generation_batch": "generation batch",
    "phases": "phases",
}

_ONE_EPOCH = "; one epoch for the reference's forward (give --examples and --epochs for more)"
_NO_REFERENCE = "; reference-free (ORPO, SimPO): the policy's own passes only"
_POLICY = "the policy's model"


def magnitude(q: Any, unit: str = "") -> float:
    """A scalar quantity's magnitude in ``unit`` (its own unit when none is named)."""
    return float(np.asarray(q.m_as(unit) if unit else q.magnitude).reshape(-1)[0])


def model_words(value: Any) -> str:
    """A model beside the trained one: a preset's name, or '350M parameters' for a count."""
    return str(value) if isinstance(value, str) else f"{count(magnitude(value, 'parameter'))} parameters"


# --- the stage's data ---------------------------------------------------------------------------


def _examples(a: Assumption) -> tuple[str, str]:
    b = a.basis
    what = "pairs (both sequences, the prompt in each)" if b["dpo"] else "examples"
    epochs = b["epochs"]
    per = grouped(int(magnitude(b["per_example"])))
    basis = f"{grouped(b['examples'])} {what} x {epochs} epoch{'s' * (epochs > 1)} x {per} tokens"
    basis += "" if b["per_example_given"] else " (--seq-len: an upper bound; give --example-tokens)"
    basis += {"none": ", packed", "batch": ", padded to the batch's longest (x2)", "max": ", padded to --seq-len"}[
        b["padding"]
    ]
    return quantity_text(a.value), basis + _NO_REFERENCE * bool(b["reference_free"])


def _stage_total(a: Assumption) -> tuple[str, str]:
    basis = "given: the total processed over all epochs, padding included"
    basis += _ONE_EPOCH * bool(a.basis["dpo"]) + _NO_REFERENCE * bool(a.basis["reference_free"])
    return quantity_text(a.value), basis


def _samples(a: Assumption) -> tuple[str, str]:
    """PPO/GRPO's tokens: every sampled sequence, prompt and generation."""
    b = a.basis
    epochs = b["epochs"]
    basis = f"{grouped(b['prompts'])} prompts x {epochs} epoch{'s' * (epochs > 1)}"
    basis += "" if b["group"] is None else f" x {b['group']} samples each"
    prompt, generated = (grouped(int(magnitude(b[k], "token"))) for k in ("prompt", "generated"))
    return quantity_text(a.value), basis + f" x ({prompt} prompt + {generated} generated tokens)"


def _stage(a: Assumption) -> tuple[str, str]:
    b = a.basis
    value = f"{a.value}, {b['method']}"
    if b["rank"] is not None:
        value += f", LoRA r={b['rank']} on {b['targets']}"
        if b["quant"] is not None:
            value += f", {b['quant']} base"
    trained = b["trained"]
    if b["all"]:
        shown = "all" if trained is None else f"{count(magnitude(trained))} (all)"
    else:
        shown = count(magnitude(trained)) + (" (on the standard shape)" if b["standard_shape"] else "")
    value += f": {shown} trainable parameters"
    return value, f"FLOPs {count_words(b['flops'])}; memory per GPU: costcalc memory with the same options"


def count_words(m: CountMethod) -> str:
    """How the FLOPs were counted, in words."""
    if m.key == "architecture":
        mask = ("causal" if m.causal else "no causal saving") + (f", sliding window {m.window}" if m.window else "")
        return f"architecture-aware ({m.model}, sequence length {m.seq_len}, {mask})"
    if m.key == "dense":
        return "6·N·D, attention-score FLOPs not counted" + (f" ({m.model}: {m.note})" if m.model else "")
    once = " once (precomputed)" if m.precomputed else ""
    if m.key == "rl":
        critic = " + N_critic" if m.critic else ""
        trained = ("4N + 6·N_lora" if m.adapters else "6N") + (" + 6N_critic" if m.critic else "")
        how = f"generation 2N_actor, scoring 2(N_ref + N_reward{critic}) and training E·({trained}) per sampled token"
    else:
        how = "4N + 6·N_lora per token" if m.adapters else "6N per token"
        how += (" + the frozen reference's 2N" + once) if m.dpo else ""
        how += (" + the teacher's forward" + once) if m.teacher else ""
    where = ("architecture-aware" if m.architecture else "2N per forward") + (
        f", sequence length {m.seq_len}" if m.seq_len else ""
    )
    return f"{how} ({where})"


def _flops(a: Assumption) -> tuple[str, str]:
    """How GPU-hours follow from the FLOPs: at the efficiency, and any phase and fixed time beside."""
    b = a.basis
    timed = "FLOPs / (peak x MFU)"
    if b["phase"]:
        phase = b["phase"]
        timed = f"the FLOPs but {phase}'s decoding / (peak x MFU) + {phase} + fixed time x GPUs (see phases)"
    elif b["timed"]:
        timed += " + fixed time x GPUs (see phases)"
    return count_words(a.value), f"model FLOPs; GPU-hours = {timed}"  # type: ignore[arg-type]


# --- the models beside the trained one, and PPO/GRPO's defaults ---------------------------------


def _teacher(a: Assumption) -> tuple[str, str]:
    once = ", computed once beforehand (one pass over the data)" if a.basis["precomputed"] else ", every epoch"
    return model_words(a.value), "distillation: its forward on every token gives the soft targets" + once


def _reference(a: Assumption) -> tuple[str, str]:
    basis = "the policy's starting weights, for the KL penalty"
    return f"{model_words(a.value)} (frozen)", basis + (
        "; with adapters, the base with the adapters off" * bool(a.basis["adapters"])
    )


#: Why each PPO/GRPO default has its value.
_DEFAULTS = {
    "reward_model": f"default: {_POLICY} (an upper bound: InstructGPT scored its 175B policy with a 6B reward model)",
    "critic_model": f"default: {_POLICY}, trained in full",
    "group_size": "default: TRL's GRPOTrainer (num_generations); no critic: the baseline is the group's mean score",
    "ppo_epochs": "default: one pass over each batch of samples (InstructGPT: 'a single inner epoch')",
    "generation_batch": "default: sequences decoded together per model copy (DeepSpeed-Chat's step-3 per-device "
    "generation batch)",
}


def _defaulted(a: Assumption) -> tuple[str, str]:
    value = model_words(a.value) if a.key.endswith("_model") else str(a.value)
    return value, "given" if a.basis.key == "given" else _DEFAULTS[a.key]


# --- the time beside the efficiency -------------------------------------------------------------


def _generation(b: Any) -> str:
    """How PPO/GRPO's generation was timed (``costcalc.estimator.rl.generation_time``)."""
    return (
        f"{count(b['sequences'])} sequences decoded {b['batch']} at a time per model copy, "
        f"{grouped(b['steps'])} steps each reading the weights ({sig(magnitude(b['weights'], 'GB'), 3)} GB) and "
        f"the batch's KV cache ({sig(magnitude(b['kv_per_token'], 'kB/token'), 4)} kB per token) at "
        f"{general(magnitude(b['bandwidth'], 'TB/s'))} TB/s ({b['accelerator']}), "
        f"{sig(magnitude(b['per_batch'], 's'), 3)} s per batch: the full bandwidth, so a lower bound on the time "
        "(real decoders reach less of it)"
    )


def _fixed(b: Any) -> str:
    """Where the fixed time per run comes from (``costcalc.estimator.timing.fixed_time``)."""
    if b["fixed_basis"] == "given":
        return "given"
    low, high = sig(magnitude(b["fixed_low"], "min"), 2), sig(magnitude(b["fixed_high"], "min"), 3)
    return (
        f"default for a fine-tuning stage: loading, quantizing and saving; between {low} min (the intercept of "
        f"GPU-hours against examples through the two s1 runs, derived) and {high} min (s1-32B's whole run), "
        "their geometric mean; held on every GPU"
    )


def _phases(a: Assumption) -> tuple[str, str]:
    """Which part of the time dominates, each part's GPU-hours and share, and how each was timed."""
    b = a.basis
    names = {"training": "scoring and training" if b["phase"] else "training", "fixed": "fixed time"}
    parts: Any = a.value
    hours = {names.get(k, k): magnitude(q, "GPU_hour") for k, q in parts}
    total = sum(hours.values())
    top = max(hours, key=lambda k: hours[k])
    shown = ", ".join(f"{k} {count(v, 3)} GPU-h ({percent(v / total, 0)})" for k, v in hours.items())
    verb = "dominate" if top == "scoring and training" else "dominates"
    basis = []
    if b["phase"]:
        basis.append(f"{b['phase']}: memory-bound, {_generation(b)}; the rest at the efficiency")
    if b["fixed"] is not None:
        held = "" if b["held"] else " (not counted: no GPU count)"
        basis.append(f"fixed time {sig(magnitude(b['fixed'], 'min'), 3)} min per run{held}: {_fixed(b)}")
    return f"{shown}: {top} {verb}", "; ".join(basis)


#: How each stage assumption (key, basis key) is worded; ``costcalc.render.words`` merges it in.
STAGE_WORDS: dict[tuple[str, str], Callable[[Assumption], tuple[str, str]]] = {
    ("tokens", "stage_total"): _stage_total,
    ("tokens", "examples"): _examples,
    ("tokens", "samples"): _samples,
    ("stage", ""): _stage,
    ("flops", ""): _flops,
    ("teacher", ""): _teacher,
    ("reference_model", ""): _reference,
    **{(key, ""): _defaulted for key in _DEFAULTS},
    ("phases", ""): _phases,
}
