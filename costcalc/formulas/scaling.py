"""Compute-optimal allocation of a FLOP budget between parameters and tokens.

Two rules, each a pure function of the compute C (FLOPs, with C = 6·N·D):

* ``hoffmann``: Hoffmann et al. 2022 ("Training Compute-Optimal Large Language Models"),
  Approaches 1 and 2, find N_opt ∝ C^0.50 and D_opt ∝ C^0.50 (Table 2: a = 0.50 and 0.49,
  b = 0.50 and 0.51); anchored at Chinchilla itself (70B parameters, 1.4T tokens) this is
  D = 20·N, so N = sqrt(C / 120) and D = 20·N.
* ``besiroglu``: the parametric loss L(N, D) = E + A/N^α + B/D^β as refitted by Besiroglu et al.
  2024 ("Chinchilla Scaling: A replication attempt", arXiv:2404.10102): E = 1.8172, A = 482.01,
  B = 2085.43, α = 0.3478, β = 0.3658. Minimising L at fixed C gives
  N_opt = G·(C/6)^(β/(α+β)) and D_opt = (C/6)/N_opt with G = (αA / (βB))^(1/(α+β)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from costcalc.base.units import Q_, Quantity

__all__ = ["BESIROGLU_2024", "TOKENS_PER_PARAMETER", "ParametricLoss", "Scaling", "allocate", "compute_optimal"]

Scaling = Literal["hoffmann", "besiroglu"]

#: Compute-optimal tokens per parameter (Hoffmann et al. 2022: Chinchilla, 70B on 1.4T tokens).
TOKENS_PER_PARAMETER = 20.0


@dataclass(frozen=True)
class ParametricLoss:
    """L(N, D) = E + A/N^α + B/D^β."""

    e: float
    a: float
    b: float
    alpha: float
    beta: float

    def loss(self, params: float, tokens: float) -> float:
        return float(self.e + self.a / params**self.alpha + self.b / tokens**self.beta)

    def optimum(self, compute: float) -> tuple[float, float]:
        """(N_opt, D_opt) minimising the loss at C = 6·N·D."""
        g = (self.alpha * self.a / (self.beta * self.b)) ** (1 / (self.alpha + self.beta))
        params = g * (compute / 6) ** (self.beta / (self.alpha + self.beta))
        return params, compute / 6 / params


#: Besiroglu, Erdil, Barnett, You 2024, Table 1 (their refit of Hoffmann et al.'s Approach 3).
BESIROGLU_2024 = ParametricLoss(e=1.8172, a=482.01, b=2085.43, alpha=0.3478, beta=0.3658)


def allocate(compute: float, scaling: Scaling = "hoffmann") -> tuple[float, float]:
    """Compute-optimal (parameters, tokens) for ``compute`` FLOPs under the named rule."""
    if not math.isfinite(compute) or compute <= 0:
        raise ValueError("compute must be a positive finite number of FLOPs")
    if scaling == "besiroglu":
        return BESIROGLU_2024.optimum(compute)
    params = math.sqrt(compute / (6 * TOKENS_PER_PARAMETER))
    return params, TOKENS_PER_PARAMETER * params


def compute_optimal(compute: Quantity, scaling: Scaling = "hoffmann") -> tuple[Quantity, Quantity]:
    """``allocate`` on quantities: the compute-optimal parameters N and tokens D for C FLOPs (C = 6·N·D)."""
    params, tokens = allocate(float(compute.m_as("FLOP")), scaling)
    return Q_(params, "parameter"), Q_(tokens, "token")
