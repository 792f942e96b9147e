"""One set of magnitude bounds for a model, however its values arrive.

The command-line options and API inputs (``costcalc.estimator.inputs``), a local ``config.json``
(``costcalc.data.model_config``), the shape options and every ``[[model]]`` preset, built in or a
user's, are validated against these same limits: far beyond any real model, tight enough that
every result stays a finite float. A value outside them is refused with the field's name.
"""

from __future__ import annotations

from costcalc.base.fields import QuantityOf

__all__ = ["MAX_PARAMS", "MAX_SEQ_LEN", "MAX_TOKENS", "SHAPE_LIMITS", "param_count", "token_count"]

#: Parameters: a thousand times today's largest models (about 1e13).
MAX_PARAMS = 1e16
#: Training tokens: far beyond any corpus (about 1e14 today).
MAX_TOKENS = 1e18
#: Sequence length, context length, attention window, learned positions.
MAX_SEQ_LEN = 100_000_000

#: The largest value of each whole-number shape field (the same for options, files and presets).
SHAPE_LIMITS: dict[str, int] = {
    "layers": 10_000,
    "dense_layers": 10_000,
    "hidden": 1_000_000,
    "heads": 100_000,
    "kv_heads": 100_000,
    "head_dim": 1_000_000,
    "v_head_dim": 1_000_000,
    "qk_rope_head_dim": 1_000_000,
    "kv_lora_rank": 1_000_000,
    "q_lora_rank": 1_000_000,
    "ffn": 10_000_000,
    "expert_ffn": 10_000_000,
    "vocab": 100_000_000,
    "experts": 100_000,
    "experts_per_token": 100_000,
    "shared_experts": 100_000,
    "seq_len": MAX_SEQ_LEN,
    "max_seq_len": MAX_SEQ_LEN,
    "sliding_window": MAX_SEQ_LEN,
    "learned_positions": MAX_SEQ_LEN,
}


def param_count(*, scalar: bool = False) -> QuantityOf:
    """The marker of a parameter count: at least 1, at most ``MAX_PARAMS``."""
    return QuantityOf("parameter", minimum=1.0, inclusive=True, maximum=MAX_PARAMS, scalar=scalar)


def token_count(*, scalar: bool = False) -> QuantityOf:
    """The marker of a token count: at least 1, at most ``MAX_TOKENS``."""
    return QuantityOf("token", minimum=1.0, inclusive=True, maximum=MAX_TOKENS, scalar=scalar)
