"""Variance-based sensitivity indices: Saltelli sampling, Saltelli (2010) first-order and
Jansen (1999) total-effect estimators.

References
----------
Saltelli A., Annoni P., Azzini I., Campolongo F., Ratto M., Tarantola S. (2010). Variance
based sensitivity analysis of model output. Design and estimator for the total sensitivity
index. Computer Physics Communications 181, 259-270 (Table 2: estimator (b) for the
first-order index, estimator (f), due to Jansen 1999, for the total index).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def saltelli_design(
    k: int, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sampling matrices for ``k`` inputs uniform on [0, 1).

    Returns
    -------
    (A, B, AB)
        ``A`` and ``B``: independent ``(n, k)`` samples; ``AB``: ``(k, n, k)`` where ``AB[i]``
        is ``A`` with column ``i`` taken from ``B``.
    """
    A = rng.random((n, k))
    B = rng.random((n, k))
    AB = np.repeat(A[None], k, axis=0)
    for i in range(k):
        AB[i, :, i] = B[:, i]
    return A, B, AB


def _indices(fA: np.ndarray, fB: np.ndarray, fAB: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    var = np.var(np.concatenate([fA, fB]), ddof=1)
    if not var > 0:
        zeros = np.zeros(fAB.shape[0])
        return zeros, zeros.copy()
    s1 = np.mean(fB[None, :] * (fAB - fA[None, :]), axis=1) / var
    st = 0.5 * np.mean((fA[None, :] - fAB) ** 2, axis=1) / var
    return s1, st


def sobol_indices(
    fA: np.ndarray,
    fB: np.ndarray,
    fAB: np.ndarray,
    names: Sequence[str] | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """First-order and total sensitivity indices from model outputs on a Saltelli design.

    ``S1_i = mean(f(B) (f(AB_i) - f(A))) / V`` (Saltelli 2010) and
    ``ST_i = mean((f(A) - f(AB_i))**2) / (2 V)`` (Jansen 1999), with ``V`` the variance of
    the outputs on ``A`` and ``B`` together. When ``V`` is 0 (the output never changes) all
    indices are 0.

    Parameters
    ----------
    fA, fB : numpy.ndarray
        ``(n,)`` outputs on the rows of ``A`` and ``B``.
    fAB : numpy.ndarray
        ``(k, n)`` outputs on ``AB_i``.
    names : sequence of str, optional
        Input names (index of the result).
    bootstrap : int
        Number of bootstrap resamples of the ``n`` rows for confidence intervals (0: none).
    seed : int
        Seed of the bootstrap.
    confidence : float
        Level of the percentile bootstrap intervals.

    Returns
    -------
    pandas.DataFrame
        Index: input; columns ``S1``, ``ST`` and, with ``bootstrap``, ``S1_low``,
        ``S1_high``, ``ST_low``, ``ST_high``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> A, B, AB = saltelli_design(2, 4000, rng)
    >>> f = lambda u: u[..., 0]          # the second input has no effect
    >>> sobol_indices(f(A), f(B), f(AB), ["x1", "x2"]).round(1)["ST"].tolist()
    [1.0, 0.0]
    """
    fA = np.asarray(fA, dtype=float)
    fB = np.asarray(fB, dtype=float)
    fAB = np.atleast_2d(np.asarray(fAB, dtype=float))
    k, n = fAB.shape
    names = list(names) if names is not None else [f"x{i + 1}" for i in range(k)]
    s1, st = _indices(fA, fB, fAB)
    out = pd.DataFrame({"S1": s1, "ST": st}, index=pd.Index(names, name="input"))
    if bootstrap:
        rng = np.random.default_rng(seed)
        draws_s1 = np.empty((bootstrap, k))
        draws_st = np.empty((bootstrap, k))
        for b in range(bootstrap):
            idx = rng.integers(0, n, n)
            draws_s1[b], draws_st[b] = _indices(fA[idx], fB[idx], fAB[:, idx])
        alpha = (1 - confidence) / 2
        out["S1_low"], out["S1_high"] = np.quantile(draws_s1, [alpha, 1 - alpha], axis=0)
        out["ST_low"], out["ST_high"] = np.quantile(draws_st, [alpha, 1 - alpha], axis=0)
    return out
