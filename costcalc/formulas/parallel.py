"""What a parallel layout costs in step time: recomputation, tensor-parallel communication, bubble.

These rank layouts; they do not change GPU-hours, which come from the calibrated efficiency (it
already absorbs a typical run's overheads). Symbols: t tensor-parallel degree, L layers, h hidden
size, p pipeline stages, m micro-batches per step.
"""

from __future__ import annotations

__all__ = ["TP_ALL_REDUCES_PER_LAYER", "pipeline_bubble", "step_time_factor", "tensor_parallel_comm_fraction"]

#: All-reduces per layer and micro-batch in Megatron tensor parallelism: two in the forward pass
#: (after attention and after the MLP) and two in the backward pass. Narayanan et al. 2021, §3.2
#: ("two all-reduce operations in the forward pass and two in the backward pass"); with sequence
#: parallelism each becomes a reduce-scatter plus an all-gather of the same total volume
#: (Korthikanti et al. 2022, §4.2.2). Full recomputation repeats the forward's two.
TP_ALL_REDUCES_PER_LAYER = 4


def pipeline_bubble(p: int, m: int) -> float:
    """Pipeline bubble as a fraction of the ideal step time: (p - 1) / m.

    p: pipeline stages; m: micro-batches per pipeline per step. Source: Narayanan et al. 2021,
    "Efficient Large-Scale Language Model Training on GPU Clusters Using Megatron-LM", §2.2.1
    (1F1B schedule, no interleaving).
    """
    return (p - 1) / m


def tensor_parallel_comm_fraction(
    t: int,
    hidden: int,
    layers: int,
    hardware_flops_per_token: float,
    peak_flops: float,
    bandwidth: float,
    *,
    all_reduces: int = TP_ALL_REDUCES_PER_LAYER,
) -> float:
    """Tensor-parallel communication time over compute time, per token, not overlapped.

    comm    = L · n · 2(t−1)/t · 2h bytes / B   (n all-reduces of h 16-bit activations per token;
                                                 a ring all-reduce sends 2(t−1)/t of the message)
    compute = (F_hw / t) / peak                 (each of the t GPUs does 1/t of the FLOPs)
    ratio   = 4·L·n·h·(t−1)·peak / (B·F_hw)

    B: per-direction bandwidth between the t GPUs (half the bidirectional NVLink figure); F_hw:
    hardware FLOPs per token (training, with recomputation); peak: dense peak in FLOP/s. Compute is
    taken at peak and nothing overlaps, so this is an upper bound of the communication share: a
    stated, simple cost that lets layouts be compared, not a prediction of the step time.
    Source of the ring factor: Patarasuk and Yuan 2009, "Bandwidth optimal all-reduce algorithms".
    """
    if t <= 1:
        return 0.0
    return 4.0 * layers * all_reduces * hidden * (t - 1) * peak_flops / (bandwidth * hardware_flops_per_token)


def step_time_factor(recompute_extra: float, tp_comm: float, bubble: float) -> float:
    """Step time relative to the model FLOPs at full speed: (1 + r)·(1 + c)·(1 + β).

    r: extra hardware FLOPs from recomputation as a share of model FLOPs; c: tensor-parallel
    communication as a share of compute (``tensor_parallel_comm_fraction``); β: pipeline bubble,
    (p − 1)/m (Narayanan et al. 2021, §2.2.1).
    """
    return (1.0 + recompute_extra) * (1.0 + tp_comm) * (1.0 + bubble)
