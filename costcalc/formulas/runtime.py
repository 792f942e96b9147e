"""From FLOPs to the bill: pure functions over pint quantities.

Each works element-wise on numpy-array magnitudes, so a sweep of a million scenarios is one call.
"""

from __future__ import annotations

import numpy as np

from costcalc.base.units import Q_, Quantity
from costcalc.formulas.flops import PER_PARAM_TOKEN

__all__ = [
    "MIN_MFU",
    "co2",
    "cost",
    "energy",
    "flops_per_gpu_hour",
    "gpu_hours",
    "gpu_hours_for_cost",
    "gpus_for_deadline",
    "held_gpu_hours",
    "implied_efficiency",
    "overhead_stretch",
    "owned_price",
    "params_for_compute",
    "tokens_for_compute",
    "trainable_flops",
    "wall_clock",
    "whole_nodes",
]

#: One GPU: dividing a device figure (peak, power) by it makes the per-GPU rate explicit.
ONE_GPU = Q_(1.0, "GPU")
#: Below 0.1% model FLOPs utilisation no training run is meaningful (and GPU-hours explode): the
#: floor of an efficiency a user types and of the one a published run implies.
MIN_MFU = 0.001


def flops_per_gpu_hour(peak: Quantity, efficiency: Quantity | float) -> Quantity:
    """Useful FLOPs one GPU delivers in an hour: P · η (see ``gpu_hours``)."""
    result: Quantity = (peak * efficiency / ONE_GPU).to("FLOP/GPU_hour")
    return result


def gpu_hours(flops: Quantity, peak: Quantity, efficiency: Quantity | float) -> Quantity:
    """GPU-hours = C / (P · η).

    C: model FLOPs of the run; P: dense peak throughput of one GPU for the dtype (FLOP/s per
    GPU); η: model FLOPs utilisation (MFU), the achieved fraction of that peak averaged over the
    whole run, stalls and restarts included. Source: the MFU definition of Chowdhery et al. 2022
    (PaLM, Appendix B), solved for time.
    """
    per_gpu = peak * efficiency / ONE_GPU
    result: Quantity = (flops / per_gpu).to("GPU_hour")
    return result


def implied_efficiency(flops: Quantity, hours: Quantity, peak: Quantity) -> Quantity:
    """The MFU a run's GPU-hours imply: η = C / (GPU-hours · P), ``gpu_hours`` solved for η."""
    result: Quantity = (flops / (hours * peak / ONE_GPU)).to("")
    return result


def held_gpu_hours(gpus: Quantity, wall: Quantity) -> Quantity:
    """GPU-hours a cluster of G GPUs is held for a wall-clock time T: G · T (``wall_clock`` inverted)."""
    result: Quantity = (gpus * wall).to("GPU_hour")
    return result


def wall_clock(hours: Quantity, gpus: Quantity) -> Quantity:
    """Wall-clock time T = GPU-hours / G, G the number of GPUs working in parallel.

    Assumes the GPUs are busy for the whole run at the efficiency used for GPU-hours (the
    efficiency already absorbs stalls and restarts for the calibrated default).
    """
    result: Quantity = (hours / gpus).to("day")
    return result


def gpus_for_deadline(hours: Quantity, deadline: Quantity) -> Quantity:
    """The GPUs that finish a run by a deadline: G = GPU-hours / T, ``wall_clock`` solved for G.

    GPU-hours: the run's (``gpu_hours``); T: the wall-clock allowed. A fractional count: round it
    with ``whole_nodes`` before a layout uses it.
    """
    result: Quantity = (hours / deadline).to("GPU")
    return result


def whole_nodes(gpus: Quantity, per_node: int) -> Quantity:
    """A GPU count rounded up to whole nodes, at least one: G' = k · ceil(G / k), k GPUs per node.

    k: GPUs per node (a node preset's, else the usual 8-GPU server); a parallel layout splits a
    run over whole nodes, so a derived count is rounded up, never down (the deadline still holds).
    """
    nodes = np.maximum(1.0, np.ceil(np.asarray(gpus.m_as("GPU"), dtype=float) / per_node))
    return Q_(nodes * per_node, "GPU")


def gpu_hours_for_cost(dollars: Quantity, price: Quantity) -> Quantity:
    """The GPU-hours a budget rents: GPU-hours = $ / p, ``cost`` solved for the hours.

    $: the budget in dollars; p: the price per GPU-hour (rental pricing, as ``cost``).
    """
    result: Quantity = (dollars / price).to("GPU_hour")
    return result


def trainable_flops(hours: Quantity, peak: Quantity, efficiency: Quantity | float) -> Quantity:
    """The model FLOPs GPU-hours deliver: C = GPU-hours · P · η, ``gpu_hours`` solved for C.

    P: dense peak throughput of one GPU; η: model FLOPs utilisation (see ``gpu_hours``; Chowdhery
    et al. 2022, PaLM, Appendix B).
    """
    result: Quantity = (hours * flops_per_gpu_hour(peak, efficiency)).to("FLOP")
    return result


def tokens_for_compute(flops: Quantity, params: Quantity) -> Quantity:
    """The tokens a compute budget trains a model on: D = C / (6·N), C = 6·N·D solved for D.

    C: training FLOPs; N: parameters (the active ones for a mixture of experts). Source: the
    dense-transformer count of Kaplan et al. 2020, §2.1 (``costcalc.formulas.flops.dense_training_flops``).
    """
    result: Quantity = (flops / (PER_PARAM_TOKEN * params)).to("token")
    return result


def params_for_compute(flops: Quantity, tokens: Quantity) -> Quantity:
    """The largest model a compute budget trains on given tokens: N = C / (6·D), C = 6·N·D solved for N.

    C: training FLOPs; D: training tokens. Source: Kaplan et al. 2020, §2.1, as ``tokens_for_compute``.
    """
    result: Quantity = (flops / (PER_PARAM_TOKEN * tokens)).to("parameter")
    return result


def cost(hours: Quantity, price: Quantity) -> Quantity:
    """Dollars = GPU-hours x price per GPU-hour (rental pricing; no owned-hardware model)."""
    result: Quantity = (hours * price).to("USD")
    return result


def owned_price(
    capex: Quantity, lifetime: Quantity, power_per_gpu: Quantity, pue: Quantity | float, electricity: Quantity
) -> Quantity:
    """What an owned GPU costs per GPU-hour: p = K / L + w · PUE · e.

    K: capital cost of one GPU (its share of the server and network included); L: the lifetime it
    is amortised over, straight-line, taken as fully used; w: power per GPU; PUE: the datacenter's
    power usage effectiveness; e: the electricity price. Source: the amortised hardware plus energy
    cost of Cottier et al. 2024 (Epoch AI, "How Much Does It Cost to Train Frontier AI Models?").
    """
    amortised = capex / ONE_GPU / lifetime
    energy_cost = power_per_gpu / ONE_GPU * pue * electricity
    result: Quantity = (amortised + energy_cost).to("USD/GPU/hour")
    return result


def energy(hours: Quantity, power_per_gpu: Quantity, pue: Quantity | float) -> Quantity:
    """Facility energy E = GPU-hours x p x PUE.

    p: power per GPU (the board TDP, or a node's maximum power divided among its GPUs, which
    adds host CPUs, NICs and switches); PUE: power usage effectiveness of the datacenter, the
    ratio of facility energy to IT energy. Drawing TDP for the whole run is the convention of
    Touvron et al. 2023 (LLaMA, §6) and Luccioni et al. 2022 (BLOOM), and an upper bound.
    """
    result: Quantity = (hours * (power_per_gpu / ONE_GPU) * pue).to("MWh")
    return result


def co2(energy_used: Quantity, carbon_intensity: Quantity) -> Quantity:
    """Operational emissions = E x I, I the grid carbon intensity (CO2-equivalent per kWh).

    Leaves out embodied (manufacturing) emissions, as Luccioni et al. 2022's "dynamic" figure does.
    """
    result: Quantity = (energy_used * carbon_intensity).to("tCO2e")
    return result


def overhead_stretch(*, goodput: float, checkpointing: float, evaluation: float, bubble: float) -> float:
    """Factor by which overheads stretch wall-clock: s = (1 + b) / (g · (1 - c) · (1 - e)).

    g: goodput, the share of wall-clock spent on useful steps (failures and restarts lose the rest);
    c, e: shares of time spent checkpointing and evaluating; b: the pipeline bubble as a share of
    compute time, (p - 1) / m for the 1F1B schedule (Narayanan et al. 2021, §2.2.1).
    """
    return (1 + bubble) / (goodput * (1 - checkpointing) * (1 - evaluation))
