"""Calibration of the synthetic DNA data: district rates, age structure, village effects.

Everything here is a pure function of arrays and dicts; the NFHS-5 values come in as a
plain ``dict`` of rates (see :data:`RATE_KEYS`) so the model can be driven by any source.
:func:`district_rates` fetches them from :mod:`leheranalysis.nfhs`; a district without
NFHS-5 values (the offline synthetic district, or a district the fact sheets do not
cover) falls back to the all-India NFHS-5 totals in :data:`NATIONAL_DEFAULTS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "RATE_KEYS",
    "NATIONAL_DEFAULTS",
    "AgeStructure",
    "age_structure",
    "complete_rates",
    "district_rates",
    "calibrate_logit_offsets",
    "random_round",
    "systematic_round",
    "implied_child_marriage_share",
    "implied_rates",
]

#: the district rates the generative model is calibrated to (all in per cent, except
#: ``sex_ratio_at_birth``: females per 1,000 males), with their NFHS-5 fact-sheet numbers
RATE_KEYS: dict[str, str] = {
    "child_marriage": "16. Women age 20-24 years married before age 18 years (%)",
    "birth_registration": "5. Children under age 5 years whose birth was registered (%)",
    "female_school": "1. Female population age 6 years and above who ever attended school (%)",
    "teen_pregnancy": "18. Women age 15-19 years who were already mothers or pregnant (%)",
    "sex_ratio_at_birth": "4. Sex ratio at birth for children born in the last five years",
    "under15": "2. Population below age 15 years (%)",
    "institutional_births": "42. Institutional births (%)",
    "full_immunisation": "49. Children age 12-23 months fully vaccinated (%)",
}

#: All-India NFHS-5 totals (2019-21, fact sheet "India"), used when a district has no
#: NFHS-5 value (offline synthetic district, districts outside phase 1, NA cells).
NATIONAL_DEFAULTS: dict[str, float] = {
    "child_marriage": 23.3,
    "birth_registration": 89.1,
    "female_school": 71.8,
    "teen_pregnancy": 6.8,
    "sex_ratio_at_birth": 929.0,
    "under15": 26.5,
    "institutional_births": 88.6,
    "full_immunisation": 76.4,
}

# shares closer to 0 or 1 than this are clipped before taking logits (Leh's teen
# pregnancy is published as 0.0 %)
_EPS = 0.002


def complete_rates(rates: Mapping[str, float] | None) -> tuple[dict[str, float], list[str]]:
    """Fill missing or non-finite rates with the national defaults.

    Parameters
    ----------
    rates : mapping of str to float, optional
        District rates keyed as :data:`RATE_KEYS` (unknown keys are ignored).

    Returns
    -------
    rates : dict of str to float
        A value for every key of :data:`RATE_KEYS`.
    defaulted : list of str
        Keys that took the national default.

    Examples
    --------
    >>> r, d = complete_rates({"child_marriage": 39.2})
    >>> r["child_marriage"], r["under15"], "under15" in d
    (39.2, 26.5, True)
    """
    out: dict[str, float] = {}
    defaulted: list[str] = []
    rates = dict(rates or {})
    for key, default in NATIONAL_DEFAULTS.items():
        value = rates.get(key)
        try:
            value = float(value) if value is not None else np.nan
        except (TypeError, ValueError):
            value = np.nan
        if np.isfinite(value):
            out[key] = value
        else:
            out[key] = default
            defaulted.append(key)
    return out, defaulted


def district_rates(district: str) -> tuple[dict[str, float], list[str]]:
    """NFHS-5 rates of a district, completed with national defaults.

    Parameters
    ----------
    district : str
        District name (any spelling :mod:`leheranalysis.nfhs` resolves).

    Returns
    -------
    rates : dict of str to float
        One value per key of :data:`RATE_KEYS`.
    defaulted : list of str
        Keys without a district value (all of them when the district is not in NFHS-5
        phase 1 or the fact sheets are not available).
    """
    from leheranalysis import nfhs

    values = nfhs.synth_rates(district)
    return complete_rates(values)


@dataclass(frozen=True)
class AgeStructure:
    """Shares of the total population in the age and sex bands the DNA counts.

    The denominators are those of :func:`leheranalysis.indicators.denominator_shares`
    (India's Census 2011 age structure scaled by the district's NFHS-5 share of the
    population under 15), so that synthetic counts and the rates computed from them use
    the same bases. Extra bands: ``children_0_6`` (0-4 plus 2/5 of 5-9, Census 2011:
    13.51 %, scaled the same way), ``girls_6_14`` and ``boys_6_14`` (``children_6_14``
    split by the Census share of girls among children 10-19, 47.1 %), and
    ``girls_turning_18``, one single-year cohort of girls (``girls_15_19 / 5``).

    Attributes
    ----------
    shares : dict of str to float
        Share of the total population per band.
    female_birth : float
        Share of girls among births, ``srb / (1000 + srb)``.
    """

    shares: dict[str, float]
    female_birth: float

    def share(self, band: str) -> float:
        """Population share of a codebook denominator or an extra band.

        Parameters
        ----------
        band : str
            ``children_0_17``, ``children_6_14``, ``children_5_17``, ``children_0_6``,
            ``girls_10_14``, ``girls_15_19``, ``girls_6_14``, ``boys_6_14``,
            ``births_12m`` or ``girls_turning_18``.

        Returns
        -------
        float
        """
        if band not in self.shares:
            raise KeyError(f"unknown population band {band!r}; known: {sorted(self.shares)}")
        return self.shares[band]


#: Census 2011 India: share of the population aged 0-6 (0-4 plus 2/5 of 5-9)
_CENSUS_0_6 = 0.0932 + 0.4 * 0.1048
#: Census 2011 India: girls' share of the population aged 10-19 ((5.23 + 4.67) / (10.96 + 9.95))
_CENSUS_FEMALE_CHILD = (0.0523 + 0.0467) / (0.1096 + 0.0995)


def age_structure(under15_pct: float, sex_ratio_at_birth: float) -> AgeStructure:
    """Build the :class:`AgeStructure` of a district.

    Parameters
    ----------
    under15_pct : float
        NFHS-5 "Population below age 15 years (%)".
    sex_ratio_at_birth : float
        Females per 1,000 males.

    Returns
    -------
    AgeStructure

    Examples
    --------
    >>> a = age_structure(34.7, 805)
    >>> round(a.share("children_0_17"), 4), round(a.female_birth, 3)
    (0.4143, 0.446)
    """
    from leheranalysis.indicators import CENSUS2011_UNDER15_SHARE, denominator_shares

    if not 0 < under15_pct < 100:
        raise ValueError(f"under15_pct must be in (0, 100), got {under15_pct!r}")
    if not sex_ratio_at_birth > 0:
        raise ValueError(f"sex_ratio_at_birth must be positive, got {sex_ratio_at_birth!r}")
    u = under15_pct / 100.0
    shares = dict(denominator_shares(under15_share=u))
    shares["children_0_6"] = _CENSUS_0_6 * u / CENSUS2011_UNDER15_SHARE
    shares["girls_6_14"] = shares["children_6_14"] * _CENSUS_FEMALE_CHILD
    shares["boys_6_14"] = shares["children_6_14"] * (1 - _CENSUS_FEMALE_CHILD)
    shares["girls_turning_18"] = shares["girls_15_19"] / 5.0
    return AgeStructure(
        shares=shares, female_birth=sex_ratio_at_birth / (1000.0 + sex_ratio_at_birth)
    )


def logit(p: np.ndarray | float) -> np.ndarray:
    """Logit of shares clipped to ``[0.002, 0.998]``."""
    p = np.clip(np.asarray(p, dtype=float), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def expit(x: np.ndarray | float) -> np.ndarray:
    """Inverse logit."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def calibrate_logit_offsets(
    base: np.ndarray, effects: np.ndarray, weights: np.ndarray, targets: np.ndarray
) -> np.ndarray:
    """Offsets that make weighted means of logit-normal village rates hit their targets.

    Solves, for each column ``k``, ``sum_v w[v, k] * expit(base[k] + c[k] + effects[v, k])
    / sum_v w[v, k] = targets[k]`` by bisection (the left side increases with ``c``).

    Parameters
    ----------
    base : ndarray, shape (K,)
        Logit of each district rate.
    effects : ndarray, shape (V, K)
        Village effects on the logit scale.
    weights : ndarray, shape (V, K) or (V,)
        Non-negative weights (the denominators of the rates).
    targets : ndarray, shape (K,)
        Target shares in (0, 1).

    Returns
    -------
    ndarray, shape (K,)
        The offsets ``c``.

    Examples
    --------
    >>> import numpy as np
    >>> eff = np.array([[-1.0], [1.0]])
    >>> c = calibrate_logit_offsets(np.array([0.0]), eff, np.ones(2), np.array([0.3]))
    >>> float(np.round((expit(c + eff[:, 0])).mean(), 6))
    0.3
    """
    base = np.asarray(base, dtype=float)
    effects = np.asarray(effects, dtype=float)
    w = np.asarray(weights, dtype=float)
    if w.ndim == 1:
        w = np.broadcast_to(w[:, None], effects.shape)
    targets = np.clip(np.asarray(targets, dtype=float), _EPS, 1 - _EPS)
    total = w.sum(axis=0)
    total = np.where(total > 0, total, 1.0)
    lo = np.full(base.shape, -30.0)
    hi = np.full(base.shape, 30.0)
    for _ in range(60):
        mid = (lo + hi) / 2
        mean = (w * expit(base + mid + effects)).sum(axis=0) / total
        above = mean > targets
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return (lo + hi) / 2


def random_round(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round up or down at random, up with probability equal to the fractional part.

    The result is unbiased (its mean is ``x``) with variance at most 1/4 per element, so
    totals over many villages stay within a few units of their expectation.

    Examples
    --------
    >>> import numpy as np
    >>> random_round(np.array([2.0, 0.0, 5.0]), np.random.default_rng(0)).tolist()
    [2, 0, 5]
    """
    x = np.asarray(x, dtype=float)
    base = np.floor(x)
    return (base + (rng.random(x.shape) < (x - base))).astype(np.int64)


def systematic_round(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Round non-negative values so that each is rounded up with probability equal to its
    fraction and the total is the rounded total (systematic random rounding).

    ``out[i] = floor(C[i] + u) - floor(C[i-1] + u)`` with ``C`` the cumulative sum and one
    ``u ~ U(0, 1)``: every element is ``floor(x)`` or ``ceil(x)``, unbiased, and the sum is
    ``floor(sum(x))`` or ``ceil(sum(x))`` - so district totals match their expectation to
    within one unit, however small the villages.

    Examples
    --------
    >>> import numpy as np
    >>> out = systematic_round(np.full(10, 0.25), np.random.default_rng(1))
    >>> int(out.sum()) in (2, 3), set(out.tolist()) <= {0, 1}
    (True, True)
    """
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        return x.astype(np.int64)
    if (x < 0).any():
        raise ValueError("systematic_round needs non-negative values")
    c = np.floor(np.cumsum(x) + rng.random())
    out = np.diff(np.concatenate([[0.0], c]))
    # guard against floating error: stay within floor/ceil of each value
    return np.clip(out, np.floor(x), np.ceil(x)).astype(np.int64)


def implied_child_marriage_share(
    villages: pd.DataFrame,
    structure: AgeStructure | None = None,
    count: str = "child_marriage_12m",
) -> float:
    """Share of women 20-24 married before 18 implied by village child-marriage counts.

    In a steady state every annual cohort of girls turning 18 has the same share ``p``
    married before 18, so the marriages under 18 of one year are ``p`` times one cohort.
    The implied share is the population-weighted mean of the village shares
    ``count / cohort``, i.e. ``sum(count) / sum(cohort)``, with the cohort taken from
    ``girls_turning_18`` when the frame has it, else ``population * structure``.

    Parameters
    ----------
    villages : pandas.DataFrame
        One row per village with ``count`` and either ``girls_turning_18`` or
        ``population``.
    structure : AgeStructure, optional
        Needed when ``girls_turning_18`` is absent.
    count : str
        Column of marriages under 18 in the last 12 months.

    Returns
    -------
    float
        Per cent (comparable to NFHS-5 indicator 16).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"girls_turning_18": [10, 30], "child_marriage_12m": [4, 12]})
    >>> implied_child_marriage_share(df)
    40.0
    """
    if "girls_turning_18" in villages:
        cohort = villages["girls_turning_18"].to_numpy(dtype=float)
    else:
        if structure is None:
            raise ValueError("structure is required when villages has no girls_turning_18")
        cohort = villages["population"].to_numpy(dtype=float) * structure.share("girls_turning_18")
    counts = villages[count].to_numpy(dtype=float)
    ok = np.isfinite(cohort) & np.isfinite(counts) & (cohort > 0)
    if not ok.any():
        return float("nan")
    return float(np.round(100.0 * counts[ok].sum() / cohort[ok].sum(), 6))


def implied_rates(villages: pd.DataFrame) -> dict[str, float]:
    """The district rates implied by a synthetic village truth table.

    Parameters
    ----------
    villages : pandas.DataFrame
        The ``villages`` table of :class:`leheranalysis.synth.SyntheticDNA` (true counts
        and their denominators).

    Returns
    -------
    dict of str to float
        ``child_marriage``, ``birth_registration``, ``teen_pregnancy`` (per cent) and
        ``sex_ratio_at_birth`` (girls per 1,000 boys among births in the last 12 months).
    """

    def ratio(num: str, den: str) -> float:
        d = villages[den].to_numpy(dtype=float)
        n = villages[num].to_numpy(dtype=float)
        return float(100.0 * n.sum() / d.sum()) if d.sum() > 0 else float("nan")

    births = villages["births_12m"].to_numpy(dtype=float)
    girls = villages["births_12m_girls"].to_numpy(dtype=float)
    boys = births - girls
    return {
        "child_marriage": implied_child_marriage_share(villages),
        "birth_registration": 100.0 - ratio("births_not_registered", "births_12m"),
        "teen_pregnancy": ratio("adolescent_pregnancy", "girls_15_19"),
        "sex_ratio_at_birth": float(1000.0 * girls.sum() / boys.sum())
        if boys.sum() > 0
        else float("nan"),
    }
