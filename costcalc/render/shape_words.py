"""The standard shape's rule in words (``costcalc.formulas.shapes`` holds its constants and its source)."""

from __future__ import annotations

from costcalc.formulas.shapes import ASPECT_RATIO, HEAD_DIM, MULTIPLE, STANDARD_VOCAB, WIDE

__all__ = ["STANDARD_SHAPE_RULE"]

#: How ``standard_shape`` sizes a model known only by its parameter count, as the assumption says it.
STANDARD_SHAPE_RULE = (
    f"width about {ASPECT_RATIO} x layers (layers a multiple of {MULTIPLE}), heads of {HEAD_DIM} "
    f"(a multiple of {MULTIPLE} from width {WIDE:,}), SwiGLU MLP by Llama's rule, vocabulary "
    f"{STANDARD_VOCAB:,} untied, sized so that 12·l·d² + 2·V·d is the count (Llama 2's shapes; "
    "Kaplan et al. 2020 §3.1: the loss is nearly flat in the aspect ratio)"
)
