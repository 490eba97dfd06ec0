"""Shared helpers of the calibration simulations (seeded, known truth)."""

from __future__ import annotations

import numpy as np


def mc_allowance(rate: float, sims: int) -> float:
    """Two Monte-Carlo standard errors of a rate estimated from `sims` simulations."""
    return 2.0 * float(np.sqrt(rate * (1.0 - rate) / sims))


def logit_normal_mean(mu: float, sd: float, nodes: int = 80) -> float:
    """E[expit(X)], X ~ N(mu, sd^2), by Gauss-Hermite quadrature (the true score of a latent
    logit model)."""
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    return float(np.sum(w / (1.0 + np.exp(-(mu + sd * x)))) / np.sqrt(2.0 * np.pi))
