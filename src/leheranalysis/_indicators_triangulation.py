"""Triangulation of community and duty-bearer evidence (private part of :mod:`leheranalysis.indicators`).

Owns :func:`triangulate` (per village, indicator and duty bearer: agree, community
higher, duty bearer higher or no data), the discrepancy and response rates per block and
district, the discrepancy matrix and the largest village-level discrepancies. Definitions
are in the docstring of :mod:`leheranalysis.indicators`, which re-exports these names.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from leheranalysis._indicators_base import (
    _COMMUNITY_FAMILIES,
    _DUTY_BEARERS,
    _EPS,
    _SCOPE,
    AGREEMENT_CLASSES,
    _cb,
    _combine,
    _order,
    _require,
    _scoped,
    _village_obs,
    wilson_ci,
)
from leheranalysis.codebook import Codebook
from leheranalysis.errors import IndicatorInputError


# ------------------------------------------------------------------------ triangulation
def triangulate(
    observations: pd.DataFrame,
    codebook: Codebook | None = None,
    villages: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Community evidence against each duty bearer's, per village and indicator.

    Parameters
    ----------
    observations : pandas.DataFrame
        The ``observations`` table (``village`` instrument).
    codebook : Codebook, optional
    villages : pandas.DataFrame, optional
        The programme villages; villages without any answer then appear as ``no data``.
        Default: the villages present in ``observations``.

    Returns
    -------
    pandas.DataFrame
        One row per village, indicator reported by both the community (children's or
        adult groups) and a duty bearer family, and that duty bearer: ``block_id``,
        ``block_name``, ``village_id``, ``village_name``, ``indicator``, ``unit``,
        ``higher_is``, ``duty_bearer``, ``community``, ``duty_value``, ``difference``
        (``community - duty_value``), ``allowed`` (tolerance), ``agreement`` (ordered
        categorical of :data:`AGREEMENT_CLASSES`), ``community_worse`` (nullable
        boolean: the community's value is the worse one beyond tolerance), ``response``.
    """
    cb = _cb(codebook)
    obs = _village_obs(observations, cb)
    pairs = _pair_grid(obs, cb, villages)
    comm = _combine(
        obs[obs["family"].isin(_COMMUNITY_FAMILIES)], ["village_id", "indicator"]
    ).rename(columns={"value": "community"})
    duty = obs[obs["family"].isin(_DUTY_BEARERS)][
        ["village_id", "indicator", "group", "value", "response"]
    ].rename(columns={"group": "duty_bearer", "value": "duty_value"})
    out = pairs.merge(comm[["village_id", "indicator", "community"]], how="left",
                      on=["village_id", "indicator"])  # fmt: skip
    out = out.merge(duty, how="left", on=["village_id", "indicator", "duty_bearer"])
    ind = cb.indicators
    out["unit"] = out["indicator"].map(ind["unit"])
    out["higher_is"] = out["indicator"].map(ind["higher_is"])
    c, d = out["community"].to_numpy(float), out["duty_value"].to_numpy(float)
    tol_abs = out["indicator"].map(ind["tolerance_abs"]).astype(float).to_numpy()
    tol_rel = out["indicator"].map(ind["tolerance_rel"]).astype(float).to_numpy()
    allowed = np.maximum(tol_abs, tol_rel * np.fmax(c, d))
    diff = c - d
    cls = np.select(
        [np.isnan(diff), diff > allowed + _EPS, diff < -allowed - _EPS],
        ["no data", "community higher", "duty bearer higher"],
        default="agree",
    )
    out["difference"], out["allowed"] = diff, allowed
    out["agreement"] = pd.Categorical(cls, categories=AGREEMENT_CLASSES, ordered=True)
    worse_side = np.where(out["higher_is"] == "worse", "community higher", "duty bearer higher")
    cw = pd.Series(cls == worse_side, dtype="boolean")
    out["community_worse"] = cw.where(cls != "no data")
    out["response"] = out["response"].astype(object).where(out["response"].notna(), None)
    cols = ["block_id", "block_name", "village_id", "village_name", "indicator", "unit",
            "higher_is", "duty_bearer", "community", "duty_value", "difference", "allowed",
            "agreement", "community_worse", "response"]  # fmt: skip
    dorder = {g: i for i, g in enumerate(_DUTY_BEARERS)}
    out["_d"] = out["duty_bearer"].map(dorder)
    out = _order(out.assign(scope="block"), cb, ("village_id", "_d")) if len(out) else out
    return out[cols]


def _pair_grid(obs: pd.DataFrame, cb: Codebook, villages: pd.DataFrame | None) -> pd.DataFrame:
    """All (village, indicator, duty bearer) pairs the codebook calls for."""
    rows = []
    for code, fams in cb.indicators.loc[cb.indicators["instrument"] == "village", "groups"].items():
        if not set(fams) & set(_COMMUNITY_FAMILIES):
            continue
        rows += [(code, f) for f in _DUTY_BEARERS if f in fams]
    grid = pd.DataFrame(rows, columns=["indicator", "duty_bearer"])
    if villages is not None:
        _require(villages, ("village_id", "block_id"), "villages")
        vil = villages[[c for c in ("block_id", "block_name", "village_id", "village_name")
                        if c in villages]].copy()  # fmt: skip
        for col in ("block_name", "village_name"):
            if col not in vil:
                vil[col] = pd.NA
    else:
        vil = obs[["block_id", "block_name", "village_id", "village_name"]]
    vil = vil.drop_duplicates("village_id").astype({"village_id": "Int64", "block_id": "Int64"})
    return vil.merge(grid, how="cross")


def _class_rates(
    tri: pd.DataFrame,
    column: str,
    classes: Sequence[str],
    valid: pd.Series,
    by: str,
    level: float,
) -> pd.DataFrame:
    keys = [*_SCOPE, "indicator", "duty_bearer"]
    df = tri.assign(_valid=valid.to_numpy())
    for c in classes:
        df[f"_is_{c}"] = (df[column].astype(object) == c) & df["_valid"]
    scoped = _scoped(df, by)
    agg = scoped.groupby(keys, dropna=False).agg(
        n_pairs=("_valid", "sum"),
        n_missing=("_valid", lambda s: int((~s).sum())),
        **{f"n_{c}": (f"_is_{c}", "sum") for c in classes},
    )
    agg = agg.reset_index()
    long = agg.melt(
        id_vars=[*keys, "n_pairs", "n_missing"],
        value_vars=[f"n_{c}" for c in classes],
        var_name=column,
        value_name="n",
    )
    long[column] = long[column].str.removeprefix("n_")
    long = long.astype({"n": int, "n_pairs": int})
    long["share"] = long["n"] / long["n_pairs"].where(long["n_pairs"] > 0)
    long["share_lo"], long["share_hi"] = wilson_ci(long["n"], long["n_pairs"], level)
    return long


def _finish(long: pd.DataFrame, cb: Codebook, column: str, classes: Sequence[str]) -> pd.DataFrame:
    if long.empty:
        return long
    long["_c"] = long[column].map({c: i for i, c in enumerate(classes)})
    long["_d"] = long["duty_bearer"].map({g: i for i, g in enumerate(_DUTY_BEARERS)})
    out = _order(long, cb, ("_d", "_c")).drop(columns=["_c", "_d"])
    return out


def discrepancy_rates(
    tri: pd.DataFrame,
    by: str = "both",
    level: float = 0.95,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Shares of village-duty bearer pairs in each agreement class.

    Parameters
    ----------
    tri : pandas.DataFrame
        Output of :func:`triangulate`.
    by : {"both", "block", "district"}
    level : float
        Confidence level of the Wilson intervals.
    codebook : Codebook, optional
        Gives the indicator order.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``scope``, ``block_id``, ``block_name``, ``indicator``, ``duty_bearer``,
        ``agreement`` (``agree``, ``community higher``, ``duty bearer higher``),
        ``n_pairs`` (pairs with both values), ``n_no_data``, ``n``, ``share``,
        ``share_lo``, ``share_hi``.
    """
    _require(tri, ("block_id", "indicator", "duty_bearer", "agreement"), "triangulation")
    classes = AGREEMENT_CLASSES[:3]
    valid = tri["agreement"].astype(object) != "no data"
    long = _class_rates(tri, "agreement", classes, valid, by, level)
    long = long.rename(columns={"n_missing": "n_no_data"})
    out = _finish(long, _cb(codebook), "agreement", classes)
    cols = [*_SCOPE, "indicator", "duty_bearer", "agreement", "n_pairs", "n_no_data", "n",
            "share", "share_lo", "share_hi"]  # fmt: skip
    out = out[cols] if len(out) else pd.DataFrame(columns=cols)
    out.attrs["level"] = level
    return out


def response_rates(
    tri: pd.DataFrame,
    by: str = "both",
    level: float = 0.95,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Shares of the duty bearers' responses (agree, partly agree, dispute).

    Parameters
    ----------
    tri : pandas.DataFrame
        Output of :func:`triangulate`.
    by : {"both", "block", "district"}
    level : float
    codebook : Codebook, optional
        Supplies the response scale (``responses.duty_bearer``).

    Returns
    -------
    pandas.DataFrame
        Tidy: scope columns, ``indicator``, ``duty_bearer``, ``response``, ``n_pairs``
        (pairs with a response), ``n_no_response``, ``n``, ``share``, ``share_lo``,
        ``share_hi``.
    """
    cb = _cb(codebook)
    _require(tri, ("block_id", "indicator", "duty_bearer", "response"), "triangulation")
    classes = cb.responses["duty_bearer"]
    valid = tri["response"].isin(classes)
    long = _class_rates(tri, "response", classes, valid, by, level)
    long = long.rename(columns={"n_missing": "n_no_response"})
    out = _finish(long, cb, "response", classes)
    cols = [*_SCOPE, "indicator", "duty_bearer", "response", "n_pairs", "n_no_response",
            "n", "share", "share_lo", "share_hi"]  # fmt: skip
    return out[cols] if len(out) else pd.DataFrame(columns=cols)


def discrepancy_matrix(
    tri: pd.DataFrame,
    agreement: str = "community higher",
    level: float = 0.95,
    wide: bool = False,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """District-wide share of pairs in one agreement class, indicator x duty bearer.

    Parameters
    ----------
    tri : pandas.DataFrame
        Output of :func:`triangulate`.
    agreement : str
        ``agree``, ``community higher`` or ``duty bearer higher``.
    level : float
    wide : bool
        Return the shares as an indicator x duty bearer pivot (NaN where the codebook
        pairs no such duty bearer with the indicator).
    codebook : Codebook, optional
        Gives the indicator order.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``indicator``, ``duty_bearer``, ``n``, ``n_pairs``, ``share``,
        ``share_lo``, ``share_hi`` - ready for a heat-map figure.
    """
    if agreement not in AGREEMENT_CLASSES[:3]:
        raise IndicatorInputError(
            f"agreement must be one of {', '.join(AGREEMENT_CLASSES[:3])}, got {agreement!r}"
        )
    rates = discrepancy_rates(tri, by="district", level=level, codebook=codebook)
    rates = rates[rates["agreement"] == agreement]
    out = rates[["indicator", "duty_bearer", "n", "n_pairs", "share", "share_lo", "share_hi"]]
    out = out.reset_index(drop=True)
    if wide:
        return out.pivot(index="indicator", columns="duty_bearer", values="share").reindex(
            index=list(dict.fromkeys(out["indicator"])),
            columns=[d for d in _DUTY_BEARERS if d in set(out["duty_bearer"])],
        )
    return out


def largest_discrepancies(tri: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The village-duty bearer pairs that disagree most.

    Disagreeing pairs are sorted by the relative difference ``|c - d| / max(|c|, |d|)``
    (1 when one side says 0 or "no"), then by the absolute difference, then by the
    excess over the tolerance.

    Parameters
    ----------
    tri : pandas.DataFrame
        Output of :func:`triangulate`.
    n : int
        Number of rows (all when ``n <= 0``).

    Returns
    -------
    pandas.DataFrame
        The ``tri`` columns plus ``abs_difference``, ``rel_difference`` and ``excess``
        (``|c - d| - allowed``). Sensitive indicators concern few, identifiable
        children: suppress small cells before publishing (``leheranalysis.privacy``).
    """
    _require(tri, ("community", "duty_value", "allowed", "agreement"), "triangulation")
    dis = tri[tri["agreement"].astype(object).isin(AGREEMENT_CLASSES[1:3])].copy()
    absdiff = (dis["community"] - dis["duty_value"]).abs()
    scale = np.fmax(dis["community"].abs(), dis["duty_value"].abs())
    dis["abs_difference"] = absdiff
    dis["rel_difference"] = absdiff / scale.where(scale > 0)
    dis["excess"] = absdiff - dis["allowed"]
    dis = dis.sort_values(
        ["rel_difference", "abs_difference", "excess", "village_id"],
        ascending=[False, False, False, True],
        kind="stable",
    )
    return (dis.head(n) if n > 0 else dis).reset_index(drop=True)
