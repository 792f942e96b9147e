"""Every sentence the data layer's bases are said in: a config's training length, a calibration's
weighting rule and spreads, the fine-tuning factor's basis.

``costcalc.data`` hands each over as a ``Phrase`` (a key and typed parameters); ``DATA_PHRASES``
maps the key to the function here that words it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

__all__ = ["DATA_PHRASES"]


def default_length(key: str | None, longest: int | None) -> str:
    """A config's training length when it states none shorter than the default: the default, and the
    config's longest context (under its key) when it states one."""
    where = f"; the config's {key} {longest:,} is the longest context" if longest else ""
    return f"default training length{where}"


def weight_rule(reliability: Mapping[str, float], flags: Mapping[str, float]) -> str:
    """The pre-training calibration's weight of a run in words: '1, x0.5 reliability B, ..., x0.5 includes downtime'."""
    factors = [f"x{w:g} reliability {r}" for r, w in reliability.items() if w != 1.0]
    factors += [f"x{w:g} {flag.replace('_', ' ')}" for flag, w in flags.items()]
    return "1, " + ", ".join(factors)


def finetune_factor(
    runs: int, families: int, log_factor: float, terms: tuple[tuple[str, float], ...], stage: str, method: str,
    gpus: float | None, reference_gpus: int, seq_len: float,
) -> str:  # fmt: skip
    """The fine-tuning factor's basis: the runs it is fitted on, the log factor and its non-zero terms
    (coefficient x covariate), the setting, and the range rule."""
    shown = f"{log_factor:+.2f} (" + ", ".join(f"{name} {term:+.2f}" for name, term in terms) + ")"
    where = f"{gpus:g} GPUs" if gpus else f"no GPU count (taken as {reference_gpus})"
    return (
        f"fine-tuning calibration on {runs} published runs ({families} families), "
        f"log factor = {shown} for {stage}, {method}, {where}, length {seq_len:g}; "
        "range: leave-one-family-out errors beyond the pre-training range, wider where runs are few"
    )


def finetune_spread(residuals: int, p10: float, p90: float) -> str:
    """One stage class's range rule: how many leave-one-family-out residuals, and their P10 and P90."""
    return f"{residuals} residuals, P10 {p10:+.2f} and P90 {p90:+.2f}"


#: Phrase key -> its sentence (``costcalc.render.phrases``).
DATA_PHRASES: dict[str, Callable[..., str]] = {
    "config.default_length": default_length,
    "runs.weight_rule": weight_rule,
    "finetune.factor": finetune_factor,
    "finetune.spread": finetune_spread,
}
