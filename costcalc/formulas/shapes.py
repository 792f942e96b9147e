"""A standard transformer shape for a model known only by its parameter count, and the default
training length: pure functions and constants, each with its rule and source.

A parameter count alone says nothing about layers, width or heads, but memory (activations),
the parallel layout (heads split by tensor parallelism, layers by pipeline stages) and fine-tuning
(LoRA adapters per layer) need them. ``standard_shape`` gives the shape of the Llama family at the
count: the shape a reader would guess, stated as an assumption wherever it is used.
"""

from __future__ import annotations

import math

from costcalc.base.parse import format_count
from costcalc.base.units import Q_
from costcalc.formulas.flops import llama_ffn
from costcalc.schemas import ModelSpec

__all__ = [
    "ASPECT_RATIO",
    "DEFAULT_TRAINING_SEQ_LEN",
    "HEAD_DIM",
    "MULTIPLE",
    "STANDARD_SHAPE_SOURCE",
    "STANDARD_VOCAB",
    "WIDE",
    "standard_shape",
]

#: The sequence length a model is taken to be trained at when nothing states it (a shape given by
#: options, a config.json without rope scaling's original length, a parameter count): 4,096, the
#: pre-training length of Llama 2 (Touvron et al. 2023, §2.2) and of the main stage of Qwen2 (Yang
#: et al. 2024, Qwen2 technical report §3.2, extended to 32,768 only at the end). A config's
#: ``max_position_embeddings`` is the context the model supports after any long-context stage,
#: not the length most of its tokens were trained at.
DEFAULT_TRAINING_SEQ_LEN = 4096

#: Width per layer, d_model / l: 128 in Llama-2-7B (4,096 / 32), Llama-2-13B (5,120 / 40) and
#: Llama-3.1-8B (4,096 / 32) (this project's reference "model-architectures.md", table 1).
ASPECT_RATIO = 128
#: Attention head size in every Llama model (d_model / heads = 128).
HEAD_DIM = 128
#: Llama 2's vocabulary (32,000 rows, untied input and output embeddings).
STANDARD_VOCAB = 32_000

#: Layers are a multiple of this (pipeline stages of 2, 4 or 8 divide them), and from a width of
#: ``WIDE`` the heads are too (tensor parallelism over the 8 GPUs of a node divides them).
MULTIPLE = 8
WIDE = 4096

#: Where the standard shape's rule comes from (the rule in words: ``costcalc.render.shape_words``).
STANDARD_SHAPE_SOURCE = (
    "costcalc.formulas.shapes.standard_shape: Llama 2's shapes (Touvron et al. 2023), sized so that "
    "12·l·d² + 2·V·d is the count; Kaplan et al. 2020 §3.1: the loss is nearly flat in the aspect ratio"
)


def _aspect_layers(params: float) -> float:
    """The real l with 12·l·(a·l)² + 2·V·(a·l) = N (the left side increases with l), by bisection."""
    a, v = ASPECT_RATIO, STANDARD_VOCAB
    low, high = 0.0, 1e6
    for _ in range(200):
        mid = (low + high) / 2
        if 12 * mid * (a * mid) ** 2 + 2 * v * a * mid < params:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def standard_shape(params: float, seq_len: int = DEFAULT_TRAINING_SEQ_LEN) -> ModelSpec:
    """The standard shape of a dense model of ``params`` parameters (N), trained at ``seq_len``.

    N ≈ 12·l·d² + 2·V·d (V = 32,000, untied). First l solves it with d = a·l (aspect ratio
    a = 128), rounded to a multiple of 8 (to a whole number below 8); then d solves it for that l,
    rounded to a multiple of the head size 128, or of 8 x 128 from a width of 4,096 (so tensor
    parallelism over 8 GPUs divides the heads). heads = d / 128 (multi-head attention); the MLP
    size is Llama's rule (``llama_ffn``, 8d/3 gated).
    12·l·d² is the non-embedding count of Kaplan et al. 2020, "Scaling Laws for Neural Language
    Models", §2.1: 4d² for the attention projections and 8d² for the MLP. The aspect ratio and
    head size are those of Llama-2-7B (32 x 4,096) and -13B (40 x 5,120) (Touvron et al. 2023;
    this project's reference "model-architectures.md", table 1), which the rule reproduces at
    6.7B and 13B; Kaplan et al. (§3.1, Fig. 5) find the loss within a few per cent over aspect
    ratios of 20 to 200, so the choice matters little. The spec states ``params`` = N (the count
    given), not the shape's own count, which differs by the rounding (at most about 10% from 1B up).
    """
    if not math.isfinite(params) or params <= 0:
        raise ValueError(f"a parameter count must be a positive finite number, got {params!r}")
    real = _aspect_layers(params)
    layers = max(1, round(real)) if real < MULTIPLE else MULTIPLE * round(real / MULTIPLE)
    a, b = 12.0 * layers, 2.0 * STANDARD_VOCAB
    width = (-b + math.sqrt(b * b + 4 * a * params)) / (2 * a)
    step = HEAD_DIM * (MULTIPLE if width >= WIDE else 1)
    hidden = max(HEAD_DIM, step * round(width / step))
    source = f"standard shape for {format_count(params)} parameters: {STANDARD_SHAPE_SOURCE}"
    return ModelSpec(
        name=f"standard shape ({format_count(params)} parameters)",
        params=Q_(float(params), "parameter"),
        layers=layers,
        hidden=hidden,
        heads=hidden // HEAD_DIM,
        ffn=llama_ffn(hidden),
        mlp="gated",
        vocab=STANDARD_VOCAB,
        seq_len=seq_len,
        sources={"params": "given", "layers": source},
    )
