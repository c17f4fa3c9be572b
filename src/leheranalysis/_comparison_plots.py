"""Figures of the district comparison (:mod:`leheranalysis.comparison`).

Owns the matplotlib figures of the ``04-district-comparison`` report and their drawing
helpers: the headline shares (:func:`headline_figure`), the vulnerability index
(:func:`index_figure`), the published NFHS values (:func:`nfhs_level_figure`) and the
NFHS-4 to NFHS-5 change (:func:`change_figure`). They take the DataFrames that the
table functions of :mod:`leheranalysis.comparison` return; that module re-exports them.
Figures are not saved here (use :func:`leheranalysis.plotting.save_figure`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import __version__ as mpl_version

from leheranalysis.errors import IndicatorInputError

#: Smallest count of villages shown for a sensitive issue.
_SMALL = 5

_HIGHLIGHT_BAND = "#FFF3C4"
#: horizontal box plots: ``orientation`` from matplotlib 3.10, ``vert`` before
_HORIZONTAL = (
    {"orientation": "horizontal"}
    if tuple(int(x) for x in mpl_version.split(".")[:2]) >= (3, 10)
    else {"vert": False}
)


def _mark_highlight(ax, labels: Sequence[str], highlight: str | None) -> None:
    """Bold tick label and a light band behind the highlighted district's row."""
    if highlight is None or highlight not in labels:
        return
    i = list(labels).index(highlight)
    ax.axhspan(i - 0.45, i + 0.45, color=_HIGHLIGHT_BAND, zorder=0, lw=0)
    for tick in ax.get_yticklabels():
        if tick.get_text() == highlight:
            tick.set_fontweight("bold")


def headline_figure(shares: pd.DataFrame, highlight: str | None = None, ncols: int = 3):
    """Small multiples, one panel per issue: share of villages by district and group.

    A sensitive issue reported in 1-4 villages is not plotted (its share and interval
    would give the count back from the table's number of villages): ``<5`` is written
    at the left of its row instead.

    Parameters
    ----------
    shares : pandas.DataFrame
        Output of :func:`headline_shares` (not empty).
    highlight : str, optional
        District to emphasise (bold label, shaded row).
    ncols : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from leheranalysis import plotting
    from leheranalysis.comparison import KIND_LABELS

    if shares.empty:
        raise IndicatorInputError("headline_figure: no shares to plot")
    issues = list(dict.fromkeys(shares["issue"]))
    districts = list(dict.fromkeys(shares["district"]))[::-1]
    kinds = list(dict.fromkeys(shares["kind"]))
    colours = plotting.category_colors(kinds)
    offsets = dict(zip(kinds, np.linspace(-0.22, 0.22, len(kinds)) if len(kinds) > 1 else [0.0],
                       strict=True))  # fmt: skip
    fig, axes = plotting.figure_grid(len(issues), ncols=ncols,
                                     panel=(3.6, 0.55 * len(districts) + 1.4), sharex=True)  # fmt: skip
    ypos = {d: i for i, d in enumerate(districts)}
    for ax, issue in zip(axes, issues, strict=True):
        sub = shares[shares["issue"] == issue]
        for kind, g in sub.groupby("kind", sort=False):
            k = pd.to_numeric(g["n_reported"], errors="coerce")
            small = g["sensitive"].astype(bool) & (k >= 1) & (k < _SMALL)
            for d in g.loc[small, "district"]:
                ax.text(1, ypos[d] + offsets[kind], f"<{_SMALL}", fontsize=7.5, va="center",
                        color=colours[kind])  # fmt: skip
            g = g[~small]
            y = g["district"].map(ypos) + offsets[kind]
            x = 100 * g["share"]
            err = np.vstack([x - 100 * g["share_lo"], 100 * g["share_hi"] - x])
            ax.errorbar(x, y, xerr=err, fmt="o", ms=5, color=colours[kind], lw=1.2,
                        label=KIND_LABELS.get(kind, kind))  # fmt: skip
        ax.set_yticks(range(len(districts)), districts)
        ax.set_ylim(-0.6, len(districts) - 0.4)
        ax.set_xlim(-3, 103)
        ax.set_title(_wrap(issue, 32), fontsize=11)
        ax.grid(axis="y", visible=False)
        _mark_highlight(ax, districts, highlight)
    for ax in axes[-ncols:]:
        ax.set_xlabel("% of villages reporting")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(kinds), bbox_to_anchor=(0.5, 1.03))
    fig.tight_layout()
    return fig


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def index_figure(scores: pd.DataFrame, highlight: str | None = None, seed: int = 0):
    """Box and strip plots of the index per district, one panel per scale.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`index_scores` (not empty).
    highlight : str, optional
        District to emphasise.
    seed : int
        Seed of the vertical jitter of the points.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from leheranalysis import plotting

    if scores.empty:
        raise IndicatorInputError("index_figure: no index scores to plot")
    scales = [s for s in ("common scale", "own district") if s in set(scores["scale"])]
    districts = list(dict.fromkeys(scores["district"]))[::-1]
    fig, axes = plt.subplots(1, len(scales), figsize=(5.2 * len(scales), 0.7 * len(districts)
                                                       + 1.8), squeeze=False, sharey=True)  # fmt: skip
    rng = np.random.default_rng(seed)
    titles = {"common scale": "All districts on one scale",
              "own district": "Each district's own index"}  # fmt: skip
    for ax, scale in zip(axes[0], scales, strict=True):
        sub = scores[scores["scale"] == scale]
        data = [sub.loc[sub["district"] == d, "score"].to_numpy() for d in districts]
        ax.boxplot([d if len(d) else [np.nan] for d in data], positions=range(len(districts)),
                   widths=0.6, showfliers=False, medianprops={"color": "black", "lw": 1.6},
                   boxprops={"color": "#555555"}, whiskerprops={"color": "#555555"},
                   capprops={"color": "#555555"}, **_HORIZONTAL)  # fmt: skip
        for i, (d, vals) in enumerate(zip(districts, data, strict=True)):
            colour = plotting.HIGHLIGHT if d == highlight else plotting.OTHER
            y = i + rng.uniform(-0.18, 0.18, len(vals))
            ax.scatter(vals, y, s=14, alpha=0.7, color=colour, zorder=3, lw=0)
        ax.set_yticks(range(len(districts)), districts)
        ax.set_xlim(-3, 103)
        ax.set_xlabel("Vulnerability index (0-100, higher = more vulnerable)")
        ax.set_title(titles[scale], fontsize=12)
        ax.grid(axis="y", visible=False)
        _mark_highlight(ax, districts, highlight)
    fig.tight_layout()
    return fig


def _area_labels(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame["area"]))[::-1]


def _natural_srb_line(ax, code: str) -> None:
    """Dotted reference line at the natural sex ratio at birth (sex-ratio panels only)."""
    from leheranalysis.comparison import NATURAL_SEX_RATIO_AT_BIRTH

    if code == "sex_ratio_at_birth":
        ax.axvline(NATURAL_SEX_RATIO_AT_BIRTH, color="#009E73", ls=":", lw=1.4, zorder=0)


def _area_grid(change: pd.DataFrame, areas: list[str], ncols: int):
    """One panel per indicator code, one row per area: ``(codes, fig, axes, ypos)``."""
    from leheranalysis import plotting

    codes = list(dict.fromkeys(change["code"]))
    fig, axes = plotting.figure_grid(len(codes), ncols=ncols,
                                     panel=(3.3, 0.32 * len(areas) + 1.3), sharey=True)  # fmt: skip
    return codes, fig, axes, {a: i for i, a in enumerate(areas)}


def _decorate_area_panel(ax, code: str, sub: pd.DataFrame, areas: list[str], highlight) -> None:
    """Area rows, title, unit label and highlight of one NFHS panel."""
    _natural_srb_line(ax, code)
    ax.set_yticks(range(len(areas)), areas)
    ax.set_ylim(-0.6, len(areas) - 0.4)
    ax.grid(axis="y", visible=False)
    unit = sub["unit"].iloc[0]
    ax.set_title(_wrap(sub["label"].iloc[0], 28), fontsize=10)
    ax.set_xlabel("per cent" if unit == "%" else unit, fontsize=9)
    _mark_highlight(ax, areas, highlight)


def nfhs_level_figure(change: pd.DataFrame, highlight: str | None = None, ncols: int = 4):
    """Small multiples of the NFHS-5 values: one panel per indicator, one row per area.

    Districts are filled dots, states open diamonds, India a dashed vertical line.

    Parameters
    ----------
    change : pandas.DataFrame
        Output of :func:`nfhs_change`.
    highlight : str, optional
        District to emphasise.
    ncols : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    from leheranalysis import plotting

    areas = [a for a in _area_labels(change) if a != "India"]
    codes, fig, axes, ypos = _area_grid(change, areas, ncols)
    for ax, code in zip(axes, codes, strict=True):
        sub = change[change["code"] == code]
        for _, r in sub[sub["area_type"] != "india"].iterrows():
            is_d = r["area_type"] == "district"
            colour = plotting.HIGHLIGHT if r["area"] == highlight else plotting.OTHER
            ax.plot([r["nfhs5"]], [ypos[r["area"]]], "o" if is_d else "D", ms=6 if is_d else 5,
                    color=colour if is_d else "#555555", mfc=colour if is_d else "white")  # fmt: skip
        india = sub.loc[sub["area_type"] == "india", "nfhs5"]
        if len(india) and pd.notna(india.iloc[0]):
            ax.axvline(india.iloc[0], color="#333333", ls="--", lw=1)
        _decorate_area_panel(ax, code, sub, areas, highlight)
    fig.tight_layout()
    return fig


def change_figure(change: pd.DataFrame, highlight: str | None = None, ncols: int = 4):
    """Dumbbell small multiples of the NFHS-4 to NFHS-5 change, one panel per indicator.

    Each row is an area (districts, their states, India): a grey dot for NFHS-4
    (2015-16), a coloured dot for NFHS-5 (2019-21), blue when the change is for the
    better, vermillion when for the worse.

    Parameters
    ----------
    change : pandas.DataFrame
        Output of :func:`nfhs_change`.
    highlight : str, optional
        District to emphasise.
    ncols : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.lines import Line2D

    from leheranalysis import plotting

    areas = _area_labels(change)
    codes, fig, axes, ypos = _area_grid(change, areas, ncols)
    colours = {"better": plotting.BETTER, "worse": plotting.WORSE,
               "within noise": "#555555", "": "#555555"}  # fmt: skip
    for ax, code in zip(axes, codes, strict=True):
        sub = change[change["code"] == code]
        for _, r in sub.iterrows():
            y = ypos[r["area"]]
            ax.plot([r["nfhs4"], r["nfhs5"]], [y, y], color="#BBBBBB", lw=2, zorder=1)
            ax.plot([r["nfhs4"]], [y], "o", ms=5, color="#999999", zorder=2)
            ax.plot([r["nfhs5"]], [y], "o", ms=6, color=colours[r["direction"]], zorder=3)
        _decorate_area_panel(ax, code, sub, areas, highlight)
    handles = [Line2D([], [], marker="o", ls="", color="#999999", label="NFHS-4 (2015-16)"),
               Line2D([], [], marker="o", ls="", color=colours["better"],
                      label="NFHS-5 (2019-21), better"),
               Line2D([], [], marker="o", ls="", color=colours["worse"],
                      label="NFHS-5 (2019-21), worse"),
               Line2D([], [], marker="o", ls="", color=colours["within noise"],
                      label="NFHS-5 (2019-21), within sampling noise")]  # fmt: skip
    fig.legend(handles=handles, loc="upper center", ncol=2, bbox_to_anchor=(0.5, 1.04))
    fig.tight_layout()
    return fig
