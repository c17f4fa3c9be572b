"""General-purpose composite indicators, as in the JRC/OECD Handbook on Constructing
Composite Indicators and its R implementation COINr.

An indicator table (units x indicators) and a metadata table (code, parent, level,
direction, weight) go in; scores and ranks at every level come out, each step recorded in
a log so the index can be regenerated with changed settings. :func:`uncertainty` adds a
Monte Carlo uncertainty analysis and variance-based sensitivity indices.

The module knows nothing about any particular index: the Child Protection Vulnerability
Index is configured on top of it in :mod:`leheranalysis.cpvi`.
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
