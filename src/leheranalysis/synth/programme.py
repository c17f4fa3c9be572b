"""Programme blocks and villages of the synthetic DNA (``data/programmes.yaml``).

The choice of villages is deterministic and documented in ``programmes.yaml``: in each
programme block, villages are drawn without replacement (numpy ``default_rng`` seeded with
``[seed, block_id]``, so a block's draw does not depend on the other blocks) among the
habitations whose population is known and at least ``min_population``, whose
normalised name is unique within the block and which are not institutions (a jail, a
police line, a hospital, a college, a camp: the patterns ``institutions`` of
``programmes.yaml``, see :func:`is_institution`); the chosen villages are sorted by id.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import yaml

from leheranalysis import config
from leheranalysis.errors import ConfigError

__all__ = [
    "ProgrammeBlock",
    "load_programmes",
    "programme_for",
    "name_key",
    "eligible_villages",
    "institution_pattern",
    "is_institution",
    "select_villages",
]


@dataclass(frozen=True)
class ProgrammeBlock:
    """One programme block: the name as written and the number of villages wanted."""

    name: str
    villages: int


def name_key(text: Any) -> str:
    """Case-, space- and punctuation-insensitive key of a place name.

    Examples
    --------
    >>> name_key("  B.K. Pora ")
    'bkpora'
    """
    s = unicodedata.normalize("NFKD", str(text)).casefold()
    return re.sub(r"[^0-9a-z\u0900-\u097f]+", "", s)


def _norm(text: Any) -> str:
    """Lower-case name with single spaces (used for duplicate detection)."""
    return " ".join(str(text).casefold().split())


@functools.lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data.get("programmes"), dict):
        raise ConfigError(f"{path}: expected a mapping 'programmes'")
    return data


def load_programmes(path: str | None = None) -> dict[str, Any]:
    """Read ``programmes.yaml`` (default: the package copy).

    Returns
    -------
    dict
        ``min_population``, ``default`` (``blocks``, ``villages``) and ``programmes``
        (district -> ``blocks`` list of ``{name, villages}``, optional ``min_population``).
    """
    return _load(str(path or config.package_data("programmes.yaml")))


@functools.lru_cache(maxsize=4)
def _institution_pattern(path: str) -> re.Pattern | None:
    entries = _load(path).get("institutions") or []
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        raise ConfigError(f"{path}: 'institutions' must be a list of regular expressions")
    for entry in entries:
        try:
            re.compile(entry)
        except re.error as exc:
            raise ConfigError(
                f"{path}: institutions entry {entry!r} is not a regular expression ({exc})"
            ) from None
    if not entries:
        return None
    return re.compile(r"\b(?:" + "|".join(f"(?:{e})" for e in entries) + r")\b", re.IGNORECASE)


def institution_pattern(path: str | None = None) -> re.Pattern | None:
    """The compiled ``institutions`` patterns of ``programmes.yaml`` (None if the list is empty).

    Every entry must match whole words of a name, case-insensitively.
    """
    return _institution_pattern(str(path or config.package_data("programmes.yaml")))


def is_institution(name: Any, path: str | None = None) -> bool:
    """Whether a habitation's name says it is an institution, not a village community.

    Examples
    --------
    >>> is_institution("District Jail Rampatti"), is_institution("Police Line")
    (True, True)
    >>> is_institution("Rampatti"), is_institution("Policetola")
    (False, False)
    """
    pattern = institution_pattern(path)
    if pattern is None or name is None or (isinstance(name, float) and name != name):
        return False
    return bool(pattern.search(" ".join(str(name).split())))


def programme_for(
    district: str, path: str | None = None
) -> tuple[list[ProgrammeBlock] | None, int]:
    """The default programme of a district.

    Parameters
    ----------
    district : str
        Canonical district name (compared case- and punctuation-insensitively).

    Returns
    -------
    blocks : list of ProgrammeBlock or None
        None when the district has no entry (the caller then uses the ``default`` rule).
    min_population : int
    """
    data = load_programmes(path)
    default_min = int(data.get("min_population", 300))
    for name, entry in data["programmes"].items():
        if name_key(name) == name_key(district):
            blocks = [
                ProgrammeBlock(str(b["name"]), int(b["villages"])) for b in entry.get("blocks", [])
            ]
            return blocks, int(entry.get("min_population", default_min))
    return None, default_min


def eligible_villages(
    villages: pd.DataFrame,
    min_population: float,
    unique_names: bool = True,
    institutions: bool = False,
) -> pd.DataFrame:
    """Habitations that may be programme villages.

    Parameters
    ----------
    villages : pandas.DataFrame
        Gazetteer villages (``village_id``, ``name``, ``block_id``, ``population``).
    min_population : float
        Minimum known population (NaN populations are never eligible when > 0).
    unique_names : bool
        Drop habitations without a name, and those whose matching key (``name_norm``
        without spaces, as the gazetteer matches) occurs more than once in their block.
    institutions : bool
        Keep habitations whose name says they are institutions (:func:`is_institution`);
        by default they are dropped.

    Returns
    -------
    pandas.DataFrame
        The eligible rows, sorted by ``village_id``.
    """
    df = villages
    if unique_names:
        if "name_norm" in df:
            key = df["name_norm"].fillna("").astype(str).str.replace(" ", "", regex=False)
        else:
            key = df["name"].map(_norm)
        key = key.where(df["name"].notna().to_numpy(), None)
        dup = pd.Series(list(zip(df["block_id"], key, strict=True)), index=df.index).duplicated(
            keep=False
        )
        df = df[~dup.to_numpy() & df["name"].notna().to_numpy()]
    pattern = None if institutions else institution_pattern()
    if pattern is not None:
        names = df["name"].astype(object).where(df["name"].notna().to_numpy(), "")
        hit = names.map(lambda x: bool(pattern.search(" ".join(str(x).split()))))
        df = df[~hit.to_numpy(dtype=bool)]
    pop = pd.to_numeric(df["population"], errors="coerce")
    if min_population > 0:
        df = df[(pop >= min_population).to_numpy()]
    return df.sort_values("village_id", kind="stable")


def select_villages(
    villages: pd.DataFrame,
    counts: dict[int, int | None],
    seed: int,
    min_population: float,
) -> pd.DataFrame:
    """Draw the programme villages of each block.

    Parameters
    ----------
    villages : pandas.DataFrame
        Gazetteer villages of the district.
    counts : dict of int to int or None
        Block id -> number of villages (None: every eligible habitation of the block).
    seed : int
        Seed of the draw.
    min_population : float
        See :func:`eligible_villages`.

    Returns
    -------
    pandas.DataFrame
        The chosen villages (all columns of ``villages``), sorted by ``village_id``.

    Raises
    ------
    ConfigError
        If a block has fewer eligible habitations than requested.
    """
    elig = eligible_villages(villages, min_population)
    chosen = []
    for block_id, n in counts.items():
        cand = elig[elig["block_id"] == block_id]
        if n is None:
            chosen.append(cand)
            continue
        if n > len(cand):
            raise ConfigError(
                f"block {block_id} has {len(cand)} eligible villages (population known and "
                f">= {min_population:g}, name unique in the block, not an institution); {n} "
                f"requested. Ask for "
                f"fewer villages or a lower minimum population."
            )
        rng = np.random.default_rng([int(seed), int(block_id)])
        idx = np.sort(rng.choice(len(cand), size=n, replace=False))
        chosen.append(cand.iloc[idx])
    if not chosen:
        return villages.iloc[:0]
    return pd.concat(chosen).sort_values("village_id", kind="stable")


def default_blocks(villages: pd.DataFrame, n_blocks: int, min_population: float) -> list[int]:
    """Block ids with the most eligible habitations (ties: lower id first)."""
    elig = eligible_villages(villages, min_population)
    sizes = elig.groupby("block_id").size().reset_index(name="n")
    sizes = sizes.sort_values(["n", "block_id"], ascending=[False, True], kind="stable")
    return [int(b) for b in sizes["block_id"].head(n_blocks)]


def resolve_blocks(names: Sequence[str], resolver: Callable[[str], int]) -> list[tuple[str, int]]:
    """Resolve written block names to block ids with ``resolver`` (keeps the written form)."""
    out = []
    for name in names:
        out.append((name, int(resolver(name))))
    return out
