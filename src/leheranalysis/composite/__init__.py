"""General-purpose composite indicators, as in the JRC/OECD Handbook on Constructing
Composite Indicators (2008) and its R implementation COINr.

An indicator table (units x indicators, unit ids in the index) and a metadata table
(``code``, ``parent``, ``level``, ``direction``, ``weight``) go in; scores and ranks at
every level come out, each step recorded in a log so the index can be regenerated with
changed settings (:meth:`CompositeResult.regenerate`). :func:`uncertainty` adds a Monte
Carlo uncertainty analysis, variance-based sensitivity indices and priority units. The
module knows nothing about any particular index (the Child Protection Vulnerability Index
is configured on top of it in :mod:`leheranalysis.cpvi`).

Definitions chosen where the Handbook leaves a choice
------------------------------------------------------
Metadata
    Validated before any computation (:func:`validate_metadata`): a strict tree with one
    index, ``level(parent) = level(child) + 1`` (as COINr); indicator directions +1/-1;
    weights of each parent's children must sum to 1 within 1e-6, unless
    ``Settings.normalise_weights`` (then divided by their sum); no weight column = equal.
Screening and imputation
    A unit with fewer than ``min_availability`` (default 65 %) of its indicators is
    excluded and listed; an indicator present for fewer than that share of units is an
    error (or dropped, with its sibling weights re-normalised, if
    ``drop_sparse_indicators``). Imputation: none (default), indicator mean or median, or
    group mean (overall mean where the group has no value).
Outlier treatment (COINr ``Treat`` defaults)
    Sample skewness G1 and excess kurtosis G2 (Excel ``SKEW``/``KURT``, e1071 type 2). An
    indicator is treated when ``|G1| >= 2`` and ``G2 >= 3.5`` (COINr passes it when either
    is below). The extreme value on the skewed side (ties together) is set to the next
    value inward, re-checking after each, up to 5 points; if it still fails, the original
    values are log-transformed instead: ``log(x - min + 0.01 (max - min))`` (COINr
    ``log_CT``), mirrored for negative skew so the order of units is kept.
Normalisation (direction applied first: higher = more of the concept)
    min-max onto 0-100 (default); z-score (sample sd); rank (ties: lowest rank);
    percentile rank ``100 (rank - 1) / (n - 1)``; distance to target on 0-100, capped at
    the target. A constant indicator gets the method's neutral value for every unit
    (50, the z-score mean, (n + 1) / 2) with a warning in the log: it changes no rank.
Weights
    Given (metadata), equal, or first principal component of each group's children
    (correlation matrix; absolute loadings normalised to sum 1).
Aggregation
    Weighted arithmetic, geometric or harmonic mean, per level. Missing children: the
    weights are re-normalised over the children present (logged); with none present the
    aggregate is missing and its rank <NA> (logged), never a number. Geometric/harmonic
    means need positive values: the normalised values are shifted once by
    ``max(0, positive_floor - min)`` (floor 1), every level is aggregated in the shifted
    space and the shift is subtracted from the reported aggregates - the same as
    normalising onto [1, 101].
Ranks
    1 = highest score (= most of the concept), ties share the best rank; scores equal to
    within 2**-40 of their range count as ties (no dependence on floating-point noise or
    on the order of units).
Uncertainty and sensitivity
    Uncertain inputs, each a uniform [0, 1) variable: multiplicative weight noise per
    aggregation level (each weight times U[1 - noise, 1 + noise], default 0.25, drawn as a
    pool of noisy weight sets as in COINr), the normalisation, the aggregation (same mean
    at every level) and the winsorisation limit. Rank statistics come from the rows of
    the Saltelli matrices A and B; first-order indices use Saltelli et al. (2010), total
    indices Jansen (1999), for the output "mean absolute rank shift from the nominal
    ranks". Rank interval: 5-95 % quantiles (linear interpolation). Priority units: the
    whole interval within ranks ``1 .. priority_quantile x n``.
"""

from __future__ import annotations

from leheranalysis.errors import CompositeInputError, ConfigError, MetadataError

from ._engine import AGGREGATIONS, aggregate_level, positive_shift, rank_desc
from ._index import WEIGHTINGS, CompositeResult, Settings, build_index
from ._metadata import validate_metadata
from ._sensitivity import saltelli_design, sobol_indices
from ._steps import (
    IMPUTATIONS,
    NORMALISATIONS,
    check_data,
    impute,
    kurtosis,
    normalise,
    pca_weights,
    skewness,
    treat_indicator,
)
from ._uncertainty import UncertaintyResult, uncertainty

__all__ = [
    "AGGREGATIONS",
    "IMPUTATIONS",
    "NORMALISATIONS",
    "WEIGHTINGS",
    "CompositeInputError",
    "CompositeResult",
    "ConfigError",
    "MetadataError",
    "Settings",
    "UncertaintyResult",
    "aggregate_level",
    "build_index",
    "check_data",
    "impute",
    "kurtosis",
    "normalise",
    "pca_weights",
    "positive_shift",
    "rank_desc",
    "saltelli_design",
    "skewness",
    "sobol_indices",
    "treat_indicator",
    "uncertainty",
    "validate_metadata",
]
