"""Facility classification of the gazetteer: free-text ``FAC_DESC`` to kind and level.

Private module of :mod:`leheranalysis.gazetteer`, which re-exports
:func:`facility_classes`, :func:`classify_facility` and :func:`classify_facilities`;
import from there. The rules are the regex table ``data/facility_classes.csv``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import pandas as pd

from leheranalysis import config
from leheranalysis._gazetteer_model import _KIND_LEVELS, KINDS
from leheranalysis._gazetteer_names import _canon
from leheranalysis.errors import ConfigError

# ----------------------------------------------------------- facility classes


@functools.lru_cache(maxsize=1)
def _class_rules() -> tuple[tuple[re.Pattern, frozenset, str, str], ...]:
    table = facility_classes()
    rules = []
    for row in table.itertuples():
        cats = frozenset(c.strip() for c in str(row.category).split(";") if c.strip())
        rules.append((re.compile(row.pattern), cats, row.kind, row.level))
    return tuple(rules)


def facility_classes() -> pd.DataFrame:
    """The facility classification table (``data/facility_classes.csv``), validated.

    Each row is a rule: ``priority`` (rules are tried in increasing order, the first
    that matches wins), ``kind``, ``level``, ``category`` (PMGSY ``FAC_CATEGO`` values the
    rule is limited to, separated by ``;``; empty: any), ``pattern`` (a Python regular
    expression searched in the normalised description: lower case, punctuation except
    ``+`` replaced by spaces, letters and digits separated, single spaces) and ``note``.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ConfigError
        A rule names an unknown kind or level, or its pattern does not compile.
    """
    path = config.package_data("facility_classes.csv")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    for i, row in table.iterrows():
        where = f"{path.name}, row {i + 2}"
        if row["kind"] not in _KIND_LEVELS:
            raise ConfigError(f"{where}: unknown kind {row['kind']!r} (use {', '.join(KINDS)})")
        if row["level"] not in _KIND_LEVELS[row["kind"]]:
            raise ConfigError(f"{where}: level {row['level']!r} is not a level of {row['kind']!r}")
        try:
            re.compile(row["pattern"])
        except re.error as exc:
            raise ConfigError(f"{where}: pattern {row['pattern']!r} is invalid: {exc}") from None
    table["priority"] = table["priority"].astype(int)
    return table.sort_values("priority", kind="stable").reset_index(drop=True)


def _normalise_description(text: Any) -> str:
    raw = _canon(text)
    raw = re.sub(r"[^a-z0-9+]+", " ", raw)
    raw = re.sub(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])", " ", raw)
    return " ".join(raw.split())


@functools.lru_cache(maxsize=65536)
def _classify_cached(description: str, category: str) -> tuple[str, str]:
    text = _normalise_description(description)
    for pattern, cats, kind, level in _class_rules():
        if cats and category not in cats:
            continue
        if pattern.search(text):
            return kind, level
    return "other", "other"


def classify_facility(description: Any, category: Any = None) -> tuple[str, str]:
    """Kind and level of a facility from its free-text PMGSY ``FAC_DESC``.

    Parameters
    ----------
    description : str
        ``FAC_DESC`` as published (``"Panchayat bhawan"``, ``"+2 high school"``).
    category : str, optional
        PMGSY ``FAC_CATEGO`` (``Education``, ``Medical``, ``Transport/Admin``, ``Agro``);
        some rules apply only to some categories.

    Returns
    -------
    tuple of str
        ``(kind, level)``, e.g. ``("school", "secondary")``.

    Examples
    --------
    >>> classify_facility("+2 high school", "Education")
    ('school', 'secondary')
    >>> classify_facility("Additional Primary Health Centre", "Medical")
    ('health', 'phc')
    >>> classify_facility("veterinary hospital", "Medical")
    ('other', 'other')
    >>> classify_facility("Panchayat Sarkar Bhawan", "Transport/Admin")
    ('administration', 'panchayat')
    """
    return _classify_cached(_canon(description), "" if category is None else str(category).strip())


def classify_facilities(descriptions: Any, categories: Any = None) -> pd.DataFrame:
    """Vectorised :func:`classify_facility`: a DataFrame ``kind``, ``level``."""
    desc = pd.Series(descriptions).reset_index(drop=True)
    cats = (
        pd.Series([None] * len(desc))
        if categories is None
        else pd.Series(categories).reset_index(drop=True)
    )
    frame = pd.DataFrame({"d": desc.astype(object), "c": cats.astype(object)})
    frame = frame.where(frame.notna(), None)
    uniq = frame.drop_duplicates()
    classes = {(d, c): classify_facility(d, c) for d, c in zip(uniq["d"], uniq["c"], strict=True)}
    pairs = [classes[(d, c)] for d, c in zip(frame["d"], frame["c"], strict=True)]
    return pd.DataFrame(pairs, columns=["kind", "level"])
