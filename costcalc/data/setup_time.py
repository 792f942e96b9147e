"""The fixed time of a fine-tuning run (loading and sharding the model, quantizing it, saving the
result): time that does not grow with the data, derived here in code from the two s1 runs.

Muennighoff et al. 2025 ("s1: Simple test-time scaling", arXiv:2501.19393) fine-tuned the same
32B model (Qwen2.5-32B-Instruct, full SFT, PyTorch FSDP) on 16 H100 twice: "Finetuning took 26
minutes on 16 NVIDIA H100 GPUs" for s1K (1,000 examples, 5 epochs), and "To finetune on 59K
samples, we use 394 H100 GPU hours while s1-32B only required 7 H100 GPU hours".

* The whole 26-minute run is an upper bound on its fixed part: ``SETUP_HIGH``.
* The two runs' GPU-hours on a straight line in the number of examples (the same model, GPUs and
  code; the reference notes the near-linear scaling: 56x the GPU-hours for 59x the examples) leave
  an intercept of about 0.33 GPU-hours, 1.2 minutes of the 16 GPUs (derived): ``SETUP_LOW``.
* The default is their geometric mean, about 5.6 minutes, with that low and high as its range.

Only a fine-tuning stage takes it by default (a pre-training run's minutes of loading vanish in
its weeks and are inside the calibrated efficiency of the published runs).
"""

from __future__ import annotations

import math

__all__ = ["S1_GPUS", "SETUP_CENTRAL", "SETUP_HIGH", "SETUP_LOW", "SETUP_SOURCE", "setup_hours"]

#: s1-32B: 1,000 examples in 26 minutes on 16 H100 ("7 H100 GPU hours"); the 59K ablation: 394 GPU-hours.
S1_SMALL = (1_000, 7.0)
S1_LARGE = (59_000, 394.0)
S1_GPUS = 16
S1_WALL_MINUTES = 26.0
SETUP_SOURCE = (
    "Muennighoff et al. 2025 (s1, arXiv:2501.19393): 'Finetuning took 26 minutes on 16 NVIDIA H100 GPUs'; "
    "'To finetune on 59K samples, we use 394 H100 GPU hours while s1-32B only required 7 H100 GPU hours'"
)


def setup_hours() -> tuple[float, float, float]:
    """(low, central, high) fixed wall-clock hours per run.

    low = a / G with a the intercept of GPU-hours = a + b·n through the two s1 runs (n examples,
    G = 16 GPUs); high = s1-32B's whole wall-clock (26 min); central = sqrt(low · high).
    """
    (n1, h1), (n2, h2) = S1_SMALL, S1_LARGE
    slope = (h2 - h1) / (n2 - n1)
    low = (h1 - slope * n1) / S1_GPUS
    high = S1_WALL_MINUTES / 60.0
    return low, math.sqrt(low * high), high


SETUP_LOW, SETUP_CENTRAL, SETUP_HIGH = setup_hours()
