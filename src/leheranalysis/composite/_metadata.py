"""Metadata of a composite index: validation and the aggregation tree.

The metadata table has one row per code: the indicators (level 1), the aggregates
(pillars, sub-indices, level 2 and up) and the index itself (the single code without a
parent, at the highest level). Columns:

``code``
    unique identifier; for indicators, the name of a column of the data table.
``parent``
    the code this row is aggregated into; empty for the index.
``level``
    1 for indicators, ``level(parent) = level(child) + 1`` everywhere (as in COINr).
``direction``
    +1 if a higher raw value means *more* of the concept the index measures, -1 if it
    means less; required for indicators, ignored for aggregates.
``weight``
    weight of the row relative to its siblings (the other children of its parent).
    Optional: when the column is absent or entirely empty every group gets equal weights.

Other columns (``label``, ``target``, ...) are kept as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leheranalysis.errors import MetadataError

REQUIRED_COLUMNS = ("code", "parent", "level")
_ALIASES = {"icode": "code", "iname": "label", "name": "label"}
WEIGHT_TOLERANCE = 1e-6


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and value.strip() == ""


def _parse_direction(code: str, value) -> int:
    if _blank(value):
        raise MetadataError(f"metadata: indicator {code!r} has no direction (must be +1 or -1)")
    if isinstance(value, str):
        text = value.strip()
        if text in {"1", "+1", "1.0", "+1.0"}:
            return 1
        if text in {"-1", "-1.0"}:
            return -1
        raise MetadataError(
            f"metadata: indicator {code!r} has direction {value!r}; it must be +1 or -1"
        )
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise MetadataError(
            f"metadata: indicator {code!r} has direction {value!r}; it must be +1 or -1"
        ) from None
    if number == 1.0:
        return 1
    if number == -1.0:
        return -1
    raise MetadataError(
        f"metadata: indicator {code!r} has direction {value!r}; it must be +1 or -1"
    )


def _parse_level(code: str, value) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not np.isfinite(number) or number != int(number) or number < 1:
        raise MetadataError(
            f"metadata: code {code!r} has level {value!r}; levels are integers >= 1 (1 = indicator)"
        )
    return int(number)


def _check_cycles(parents: dict[str, str | None]) -> None:
    for start in parents:
        seen = [start]
        node = parents[start]
        while node is not None:
            if node in seen:
                loop = seen[seen.index(node) :] + [node]
                raise MetadataError(
                    f"metadata: cycle in the parent links of code {node!r}: " + " -> ".join(loop)
                )
            seen.append(node)
            node = parents.get(node)


def validate_metadata(
    meta: pd.DataFrame,
    data: pd.DataFrame | None = None,
    *,
    normalise_weights: bool = False,
    tolerance: float = WEIGHT_TOLERANCE,
) -> pd.DataFrame:
    """Validate a composite-index metadata table and return a normalised copy.

    Parameters
    ----------
    meta : pandas.DataFrame
        One row per code with columns ``code``, ``parent``, ``level`` and (for indicators)
        ``direction``; ``weight`` optional. COINr's ``iCode`` is accepted for ``code``.
    data : pandas.DataFrame, optional
        The indicator table (units x indicators). When given, every indicator code must be
        one of its columns.
    normalise_weights : bool, default False
        If False, the weights of the children of each parent must sum to 1 (within
        ``tolerance``), otherwise :class:`MetadataError`. If True, they are divided by
        their sum instead.
    tolerance : float, default 1e-6
        Allowed absolute deviation of a weight group's sum from 1.

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (str), ``parent`` (str or None), ``level`` (int), ``direction``
        (Int64; +1/-1 for indicators, <NA> for aggregates), ``weight`` (float, summing to 1
        within each parent group; 1.0 for the index), then any other columns; rows sorted
        by level, keeping the input order within a level.

    Raises
    ------
    MetadataError
        With a message naming the code: missing columns, empty or duplicated codes,
        unknown parents, cycles, more than one index, a level that is not the parent's
        level minus one, an aggregate without children, an indicator above level 1,
        a direction that is not +1/-1, invalid or non-summing weights, indicator codes
        absent from ``data``.

    Examples
    --------
    >>> meta = pd.DataFrame({"code": ["a", "b", "idx"], "parent": ["idx", "idx", None],
    ...                      "level": [1, 1, 2], "direction": [1, -1, None]})
    >>> validate_metadata(meta)[["code", "weight"]].to_dict("list")
    {'code': ['a', 'b', 'idx'], 'weight': [0.5, 0.5, 1.0]}
    """
    m = _standard_columns(meta)
    codes = _unique_codes(m["code"])
    m["code"] = codes
    parents = _parent_links(codes, m["parent"])
    m["parent"] = pd.Series([parents[c] for c in codes], index=m.index, dtype=object)
    levels = {c: _parse_level(c, v) for c, v in zip(codes, m["level"], strict=True)}
    m["level"] = [levels[c] for c in codes]
    root, children = _check_tree(codes, parents, levels)
    directions = []
    for code, value in zip(codes, m["direction"], strict=True):
        directions.append(_parse_direction(code, value) if levels[code] == 1 else pd.NA)
    m["direction"] = pd.array(directions, dtype="Int64")
    m["weight"] = _validate_weights(
        codes, parents, children, root, m["weight"], normalise_weights, tolerance
    )
    if data is not None:
        _check_data_columns(data, [c for c in codes if levels[c] == 1])
    m["_order"] = np.arange(len(m))
    m = m.sort_values(["level", "_order"], kind="stable").drop(columns="_order")
    front = ["code", "parent", "level", "direction", "weight"]
    m = m[front + [c for c in m.columns if c not in front]].reset_index(drop=True)
    m["parent"] = m["parent"].astype(object)
    return m


def _standard_columns(meta) -> pd.DataFrame:
    """A copy of the table with lower-case, de-aliased column names; the required columns
    present, ``direction`` and ``weight`` added when absent, a fresh row index."""
    if not isinstance(meta, pd.DataFrame):
        raise MetadataError(f"metadata must be a pandas DataFrame, got {type(meta).__name__}")
    if meta.empty:
        raise MetadataError("metadata table is empty")
    m = meta.copy()
    m.columns = [_ALIASES.get(str(c).strip().lower(), str(c).strip().lower()) for c in m.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in m.columns]
    if missing:
        raise MetadataError(
            f"metadata is missing column(s) {missing}; required: code, parent, level, "
            "direction (indicators), weight (optional)"
        )
    if m.columns.duplicated().any():
        dup = list(m.columns[m.columns.duplicated()])
        raise MetadataError(f"metadata has duplicated column(s) {dup}")
    if "direction" not in m.columns:
        m["direction"] = np.nan
    if "weight" not in m.columns:
        m["weight"] = np.nan
    return m.reset_index(drop=True)


def _unique_codes(column: pd.Series) -> list[str]:
    """The codes as stripped text; an error for an empty or repeated code."""
    codes: list[str] = []
    for i, value in enumerate(column):
        if _blank(value):
            raise MetadataError(f"metadata row {i + 1}: empty code")
        codes.append(str(value).strip())
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise MetadataError(f"metadata: code {code!r} appears more than once")
        seen.add(code)
    return codes


def _parent_links(codes: list[str], column: pd.Series) -> dict[str, str | None]:
    """Code -> parent code (None for the index); an error for unknown parents and cycles."""
    parents: dict[str, str | None] = {}
    for code, value in zip(codes, column, strict=True):
        parents[code] = None if _blank(value) else str(value).strip()
    for code, parent in parents.items():
        if parent is not None and parent not in parents:
            raise MetadataError(
                f"metadata: code {code!r} has parent {parent!r}, which is not a code in the "
                "metadata"
            )
        if parent == code:
            raise MetadataError(
                f"metadata: cycle in the parent links of code {code!r}: {code} -> {code}"
            )
    _check_cycles(parents)
    return parents


def _check_tree(codes, parents, levels) -> tuple[str, dict[str, list[str]]]:
    """Check the levels of the tree (one index at the top, parents one level up, no
    childless aggregate); return the index code and each code's children."""
    roots = [c for c in codes if parents[c] is None]
    if len(roots) != 1:
        raise MetadataError(
            f"metadata must have exactly one code without a parent (the index); found "
            f"{len(roots)}: {roots[:10]}"
        )
    root = roots[0]
    top = max(levels.values())
    if top < 2:
        raise MetadataError("metadata has no aggregate level: add the index (level 2 or higher)")
    if levels[root] != top:
        raise MetadataError(
            f"metadata: the index {root!r} is at level {levels[root]} but the highest level is {top}"
        )
    children: dict[str, list[str]] = {c: [] for c in codes}
    for code in codes:
        parent = parents[code]
        if parent is None:
            continue
        children[parent].append(code)
        if levels[parent] != levels[code] + 1:
            raise MetadataError(
                f"metadata: code {code!r} is at level {levels[code]} but its parent {parent!r} "
                f"is at level {levels[parent]}; a parent must be exactly one level higher"
            )
    for code in codes:
        if levels[code] > 1 and not children[code]:
            raise MetadataError(
                f"metadata: aggregate {code!r} (level {levels[code]}) has no children; "
                "indicators must be at level 1"
            )
    return root, children


def _check_data_columns(data, indicators: list[str]) -> None:
    """Every indicator code must be a column of the data table."""
    if not isinstance(data, pd.DataFrame):
        raise MetadataError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    columns = {str(c) for c in data.columns}
    absent = [c for c in indicators if c not in columns]
    if absent:
        shown = ", ".join(repr(c) for c in absent[:10])
        raise MetadataError(
            f"metadata: indicator code(s) {shown} are not columns of the data table "
            f"(it has {len(columns)} columns, e.g. {sorted(columns)[:8]})"
        )


def _validate_weights(codes, parents, children, root, raw, normalise_weights, tolerance):
    raw_list = list(raw)
    if all(_blank(v) for v in raw_list):
        weights = {c: 1.0 / len(children[parents[c]]) for c in codes if parents[c] is not None}
        weights[root] = 1.0
        return [weights[c] for c in codes]
    weights: dict[str, float] = {}
    for code, value in zip(codes, raw_list, strict=True):
        if code == root:
            weights[code] = 1.0
            continue
        if _blank(value):
            raise MetadataError(
                f"metadata: code {code!r} has no weight while other codes have one; give every "
                "code a weight or leave the weight column empty for equal weights"
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not np.isfinite(number) or number < 0:
            raise MetadataError(
                f"metadata: code {code!r} has weight {value!r}; weights are finite numbers >= 0"
            )
        weights[code] = number
    for parent, kids in children.items():
        if not kids:
            continue
        total = sum(weights[k] for k in kids)
        if total <= 0:
            raise MetadataError(f"metadata: the weights of the children of {parent!r} are all zero")
        if abs(total - 1.0) > tolerance:
            if not normalise_weights:
                detail = ", ".join(f"{k}={weights[k]:g}" for k in kids[:10])
                raise MetadataError(
                    f"metadata: the weights of the children of {parent!r} sum to {total:g}, not 1 "
                    f"({detail}); fix them or set normalise_weights=True"
                )
        for k in kids:
            weights[k] = weights[k] / total
    return [weights[c] for c in codes]


@dataclass
class Tree:
    """The aggregation tree of validated metadata, as position arrays per level.

    ``codes[l]`` lists the codes of level ``l`` (1 = indicators) in metadata order;
    ``parent_pos[l]`` (for ``l`` below the top) gives, for each code of level ``l``, the
    position of its parent among ``codes[l + 1]``; ``weights[l]`` the metadata weight of
    each code of level ``l`` within its group.
    """

    codes: dict[int, list[str]]
    parent_pos: dict[int, np.ndarray]
    weights: dict[int, np.ndarray]
    directions: np.ndarray
    top: int
    groups: dict[int, list[np.ndarray]] = field(default_factory=dict)

    @classmethod
    def from_meta(cls, meta: pd.DataFrame) -> Tree:
        """Build the tree from the output of :func:`validate_metadata`."""
        top = int(meta["level"].max())
        codes = {lvl: list(meta.loc[meta["level"] == lvl, "code"]) for lvl in range(1, top + 1)}
        parent_pos: dict[int, np.ndarray] = {}
        weights: dict[int, np.ndarray] = {}
        groups: dict[int, list[np.ndarray]] = {}
        for lvl in range(1, top + 1):
            rows = meta[meta["level"] == lvl]
            weights[lvl] = rows["weight"].to_numpy(dtype=float)
            if lvl < top:
                index = {c: i for i, c in enumerate(codes[lvl + 1])}
                parent_pos[lvl] = np.array([index[p] for p in rows["parent"]], dtype=np.intp)
                groups[lvl + 1] = [
                    np.flatnonzero(parent_pos[lvl] == p) for p in range(len(codes[lvl + 1]))
                ]
        directions = meta.loc[meta["level"] == 1, "direction"].to_numpy(dtype=float).astype(np.int8)
        return cls(codes, parent_pos, weights, directions, top, groups)

    @property
    def indicators(self) -> list[str]:
        """Level-1 codes in metadata order."""
        return self.codes[1]

    def all_codes(self) -> list[str]:
        """Every code, level by level (indicators first, the index last)."""
        return [c for lvl in range(1, self.top + 1) for c in self.codes[lvl]]


def prune_meta(meta: pd.DataFrame, drop: list[str]) -> pd.DataFrame:
    """Remove indicators ``drop`` and every aggregate left without children.

    Weights of the remaining siblings are re-normalised within their groups.
    """
    m = meta[~meta["code"].isin(drop)].copy()
    while True:
        has_kids = set(m["parent"].dropna())
        empty = m[(m["level"] > 1) & ~m["code"].isin(has_kids)]
        if empty.empty:
            break
        m = m[~m["code"].isin(empty["code"])]
    sums = m.groupby("parent")["weight"].transform("sum")
    has_parent = m["parent"].notna()
    m.loc[has_parent, "weight"] = m.loc[has_parent, "weight"] / sums[has_parent]
    return m.reset_index(drop=True)
