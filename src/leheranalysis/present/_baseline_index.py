"""Presenters of the Child Protection Vulnerability Index in the baseline-findings report.

Private half of :mod:`leheranalysis.present.baseline`, which re-exports everything here:
the priority-village table, the block roll-up of the index, the caterpillar plot of the
village rank intervals and the variance-based sensitivity table and figure. Pure functions
from the results of :mod:`leheranalysis.cpvi`; nothing here reads or writes files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leheranalysis.present.kit import (
    _DASH,
    _title,
    display_name,
)

_SENS_INPUTS = {
    "weights_L2": "Indicator weights (within pillars)",
    "weights_L3": "Pillar weights",
    "normalisation": "Normalisation method",
    "aggregation": "Aggregation method",
    "winsor_limit": "Outlier treatment (winsorisation limit)",
}


# ----------------------------------------------------------------------- 02: the CPVI
def priority_table(
    villages: pd.DataFrame, code: str = "cpvi", top: int | None = None
) -> pd.DataFrame:
    """Priority villages (or the ``top`` most vulnerable) with their rank intervals.

    Parameters
    ----------
    villages : pandas.DataFrame
        ``CPVIResult.villages``.
    code : str
        Index column.
    top : int, optional
        Show the ``top`` villages by nominal rank instead of the priority villages.

    Returns
    -------
    pandas.DataFrame
        ``Rank``, ``Village``, ``Block``, ``Index (0-100)``, ``Rank interval (5-95 %)``,
        ``Priority``.
    """
    cols = ["Rank", "Village", "Block", "Index (0-100)", "Rank interval (5-95 %)", "Priority"]
    v = villages[villages[code].notna()]
    v = v.head(top) if top is not None else v[v["priority"].astype(bool)]
    if v.empty:
        return pd.DataFrame(columns=cols)
    has_ci = {"q05", "q95"} <= set(v.columns)
    out = pd.DataFrame(
        {
            "Rank": v["rank"].astype(int).to_numpy(),
            "Village": [display_name(n) for n in v["village_name"]],
            "Block": v["block_name"].astype(str).to_numpy(),
            "Index (0-100)": [f"{x:.1f}" for x in v[code]],
            "Rank interval (5-95 %)": [
                f"{lo:.0f}-{hi:.0f}" if pd.notna(lo) else _DASH
                for lo, hi in zip(
                    v["q05"] if has_ci else [np.nan] * len(v),
                    v["q95"] if has_ci else [np.nan] * len(v),
                    strict=True,
                )
            ],  # fmt: skip
            "Priority": ["yes" if p else "no" for p in v["priority"].astype(bool)],
        }
    )
    return out[cols]


def cpvi_block_table(
    blocks: pd.DataFrame, meta: pd.DataFrame | None = None, code: str = "cpvi"
) -> pd.DataFrame:
    """Block roll-up of the index: score, pillar scores, rank, priority villages.

    Parameters
    ----------
    blocks : pandas.DataFrame
        ``CPVIResult.blocks``.
    meta : pandas.DataFrame, optional
        ``CPVIResult.meta`` (pillar labels).
    code : str

    Returns
    -------
    pandas.DataFrame
    """
    if blocks.empty:
        return pd.DataFrame()
    labels = {}
    if meta is not None and len(meta):
        labels = dict(zip(meta["code"], meta["label"], strict=True))
    pillars = [c for c in blocks.columns if c not in
               ("block_id", "block_name", "n_villages", "population", code, "rank", "n_priority")]  # fmt: skip
    out = pd.DataFrame({"Block": blocks["block_name"].astype(str), "Rank": blocks["rank"].astype(int),
                        "Villages": blocks["n_villages"].astype(int),
                        "Index (0-100)": blocks[code].map(lambda x: f"{x:.1f}")})  # fmt: skip
    for p in pillars:
        out[labels.get(p, p)] = blocks[p].map(lambda x: f"{x:.1f}")
    out["Priority villages"] = blocks["n_priority"].astype(int)
    return out.sort_values("Rank").reset_index(drop=True)


def _caterpillar_labels(ax, v: pd.DataFrame, prio: np.ndarray, colour: str) -> None:
    """Village names (with their block) on the y axis, priority villages bold in colour."""
    names = [
        f"{display_name(a)} ({b})" for a, b in zip(v["village_name"], v["block_name"], strict=True)
    ]
    ax.set_yticks(np.arange(len(v)), names, fontsize=7.5)
    for tick, p in zip(ax.get_yticklabels(), prio, strict=True):
        if p:
            tick.set_color(colour)
            tick.set_fontweight("bold")


def _caterpillar_legend(
    ax, prio: np.ndarray, colours: tuple[str, str], cut: int, priority_quantile: float
) -> None:
    """Legend: priority and other villages, and the shaded most vulnerable zone."""
    from matplotlib.lines import Line2D

    hi_col, lo_col = colours
    handles = [
        Line2D(
            [], [], color=hi_col, marker="o", lw=2, label=f"priority village ({int(prio.sum())})"
        ),
        Line2D([], [], color=lo_col, marker="o", lw=2, label="other village"),
    ]
    if cut > 0:
        from matplotlib.patches import Patch

        handles.append(
            Patch(color="#F3D9C8", label=f"most vulnerable {100 * priority_quantile:.0f} %")
        )
    ax.legend(handles=handles, loc="upper right", fontsize=8.5, frameon=True)


def plot_caterpillar(
    villages: pd.DataFrame,
    code: str = "cpvi",
    priority_quantile: float = 0.2,
    label_limit: int = 120,
):
    """Caterpillar plot of the villages' ranks: nominal rank and 5-95 % interval.

    Villages run top to bottom from the most vulnerable; priority villages (whole
    interval in the most vulnerable ``priority_quantile``) are highlighted, and that zone
    is shaded.

    Parameters
    ----------
    villages : pandas.DataFrame
        ``CPVIResult.villages``.
    code : str
        Index column.
    priority_quantile : float
        Share of villages forming the priority zone.
    label_limit : int
        Village names are written when there are at most this many villages.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from leheranalysis import plotting

    v = villages[villages[code].notna()].sort_values("rank", kind="stable").reset_index(drop=True)
    n = len(v)
    fig, ax = plt.subplots(figsize=(8.5, max(3.0, 0.19 * n + 1.8)))
    if n == 0:
        ax.axis("off")
        ax.text(0.5, 0.5, "No village has an index score", ha="center", va="center")
        return fig
    y = np.arange(n)
    cut = int(np.floor(priority_quantile * n))
    if cut > 0:
        ax.axvspan(0.5, cut + 0.5, color="#F3D9C8", zorder=0, lw=0)
    prio = v["priority"].astype(bool).to_numpy()
    hi_col, lo_col = plotting.OKABE_ITO_NAMES["vermillion"], plotting.OKABE_ITO_NAMES["blue"]
    cols = np.where(prio, hi_col, lo_col)
    if {"q05", "q95"} <= set(v.columns) and v["q05"].notna().any():
        ax.hlines(y, v["q05"], v["q95"], colors=cols, lw=2.2, alpha=0.85)
    ax.scatter(v["rank"], y, c=cols, s=18, zorder=3, edgecolors="white", linewidths=0.4)
    if n <= label_limit:
        _caterpillar_labels(ax, v, prio, hi_col)
    else:
        ax.set_yticks([])
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(0.5, n + 0.5)
    ax.set_xlabel("Rank (1 = most vulnerable)")
    ax.grid(axis="y", visible=False)
    _caterpillar_legend(ax, prio, (hi_col, lo_col), cut, priority_quantile)
    _title(
        ax,
        f"{int(prio.sum())} of {n} villages are priority villages"
        if prio.any()
        else f"No village is certainly among the most vulnerable {100 * priority_quantile:.0f} %",
        "Nominal rank (dot) and 5-95 % rank interval under alternative index choices (line)",
    )
    fig.tight_layout()
    return fig


def _clean_sensitivity(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """S1 and ST clipped at 0 and S1 capped at ST (Monte Carlo noise of the estimators)."""
    s = sensitivity.copy()
    st = pd.to_numeric(s["ST"], errors="coerce").clip(lower=0)
    s1 = pd.to_numeric(s["S1"], errors="coerce").clip(lower=0)
    s["ST"] = st
    s["S1"] = s1.where(~(s1 > st), st)
    return s


#: what :func:`sensitivity_table` and :func:`plot_sensitivity` say about estimator noise
SENSITIVITY_NOTE = (
    "Sensitivity indices are estimated from a finite number of recomputations: small "
    "negative estimates are Monte Carlo noise and are shown as 0, and a first-order index "
    "above its total index (also noise) is shown equal to the total."
)


def sensitivity_table(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """Plain-language table of first-order (S1) and total (ST) sensitivity indices.

    Both are clipped at 0 and S1 is capped at ST: an estimate below 0 or an S1 above its
    ST is Monte Carlo noise of the estimators (:data:`SENSITIVITY_NOTE`).

    Returns
    -------
    pandas.DataFrame
        ``Choice``, ``First order (S1)``, ``Total (ST)``, most influential first.

    Examples
    --------
    >>> s = pd.DataFrame({"S1": [-0.02, 0.5], "ST": [0.1, 0.4]}, index=["aggregation", "weights_L2"])
    >>> sensitivity_table(s).values.tolist()
    [['Indicator weights (within pillars)', '0.40', '0.40'], ['Aggregation method', '0.00', '0.10']]
    """
    cols = ["Choice", "First order (S1)", "Total (ST)"]
    if sensitivity is None or sensitivity.empty:
        return pd.DataFrame(columns=cols)
    s = _clean_sensitivity(sensitivity).sort_values("ST", ascending=False, kind="stable")
    return pd.DataFrame(
        {
            "Choice": [_SENS_INPUTS.get(i, str(i)) for i in s.index],
            "First order (S1)": [f"{x:.2f}" for x in s["S1"]],
            "Total (ST)": [f"{x:.2f}" for x in s["ST"]],
        }
    )


def plot_sensitivity(sensitivity: pd.DataFrame):
    """Bar chart of the sensitivity indices (S1 and ST) of the index's uncertain choices.

    Estimates are clipped at 0 and S1 capped at ST, as in :func:`sensitivity_table`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from leheranalysis import plotting

    fig, ax = plt.subplots(figsize=(8, 0.6 * max(1, len(sensitivity)) + 1.8))
    if sensitivity is None or sensitivity.empty:
        ax.axis("off")
        ax.text(0.5, 0.5, "No sensitivity analysis (no uncertainty run)", ha="center", va="center")
        return fig
    s = _clean_sensitivity(sensitivity).sort_values("ST", kind="stable")
    y = np.arange(len(s))
    c = plotting.palette(2)
    ax.barh(y + 0.2, s["ST"], height=0.4, color=c[0], label="total effect (ST)")
    ax.barh(y - 0.2, s["S1"], height=0.4, color=c[1], label="first order (S1)")
    ax.set_yticks(y, [_SENS_INPUTS.get(i, str(i)) for i in s.index])
    ax.set_xlim(0, max(1.0, float(s["ST"].max()) * 1.05))
    ax.set_xlabel("share of the variance of the mean village rank shift")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    top = _SENS_INPUTS.get(s.index[-1], str(s.index[-1]))
    _title(ax, f"{top} moves village ranks most", "Variance-based sensitivity of the village ranks")
    fig.tight_layout()
    return fig
