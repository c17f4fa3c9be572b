"""Presenters of the baseline-findings report (notebook ``02-baseline-findings``).

Pure functions from the results of :mod:`leheranalysis.indicators` and
:mod:`leheranalysis.cpvi` to reviewer-ready tables and figures: headline shares of
villages, the issue ranking, triangulation of community and duty-bearer evidence, block
rates, secondary data and the Child Protection Vulnerability Index (its presenters live in
:mod:`leheranalysis.present._baseline_index` and are re-exported here). Counts of sensitive
indicators between 1 and 4 are shown as ``"<5"`` and whatever would give them back is
hidden (see :mod:`leheranalysis.present.kit`). Nothing here reads or writes files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from leheranalysis.codebook import Codebook
from leheranalysis.present._baseline_index import (  # noqa: F401 - re-exported
    _SENS_INPUTS,
    SENSITIVITY_NOTE,
    _clean_sensitivity,
    cpvi_block_table,
    plot_caterpillar,
    plot_sensitivity,
    priority_table,
    sensitivity_table,
)
from leheranalysis.present._baseline_sections import (  # noqa: F401 - re-exported
    NO_INDEX,
    NO_RANKING_DATA,
    NO_RATE_DATA,
    NO_SECONDARY_DATA,
    NO_TRIANGULATION_DATA,
    NO_VILLAGE_DATA,
    discrepancy_parts,
    headline_list,
    index_block_parts,
    index_summary,
    part2_parts,
    plot_index_sensitivity,
    plot_rank_intervals,
    priority_parts,
    sensitivity_parts,
    why_priority,
)
from leheranalysis.present.kit import (
    _DASH,
    _DUTY_BEARERS,
    _DUTY_LABELS,
    _THRESHOLD,
    KIND_LABELS,
    SUPPRESSED,
    SUPPRESSED_FILL,
    _cb,
    _fmt_number,
    _hide_with_totals,
    _indicator_label,
    _pair_hidden,
    _suppressed_mask,
    _suppressed_of,
    _title,
    _wrap,
    display_name,
    fmt_interval,
    fmt_pct,
    group_short_label,
    or_no_data,
    sensitive_codes,
)
from leheranalysis.privacy import suppress_small

__all__ = [
    "baseline_key_numbers",
    "headline_table",
    "headline_sentences",
    "ranking_table",
    "ranking_by_block",
    "ranking_by_group",
    "plot_ranking",
    "triangulation_table",
    "plot_triangulation_matrix",
    "discrepancy_table",
    "block_rates_table",
    "plot_block_rates",
    "secondary_table",
    "priority_table",
    "cpvi_block_table",
    "plot_caterpillar",
    "sensitivity_table",
    "plot_sensitivity",
    "SENSITIVITY_NOTE",
    "NO_VILLAGE_DATA",
    "NO_RANKING_DATA",
    "NO_TRIANGULATION_DATA",
    "NO_RATE_DATA",
    "NO_SECONDARY_DATA",
    "NO_INDEX",
    "headline_list",
    "discrepancy_parts",
    "part2_parts",
    "index_summary",
    "plot_rank_intervals",
    "priority_parts",
    "why_priority",
    "index_block_parts",
    "plot_index_sensitivity",
    "sensitivity_parts",
]


# ---------------------------------------------------------------- 02: headline shares
@or_no_data(NO_VILLAGE_DATA)
def headline_table(
    shares: pd.DataFrame,
    codebook: Codebook | None = None,
    kinds: Sequence[str] = ("children", "adults", "duty_bearer"),
    block_id: int | None = None,
) -> pd.DataFrame:
    """The headline table: share of villages reporting each issue, by respondent group kind.

    Parameters
    ----------
    shares : pandas.DataFrame
        Output of :func:`leheranalysis.indicators.share_of_villages_reporting`.
    codebook : Codebook, optional
    kinds : sequence of str
        Kinds to show, in column order.
    block_id : int, optional
        A block; default the district (``All blocks``) rows.

    Returns
    -------
    pandas.DataFrame
        Index (``Domain``, ``Issue``: the codebook's reader label, what the share counts);
        column MultiIndex (kind label, ``Share`` /
        ``95 % CI`` / ``Villages``), e.g. ``61 %``, ``49-72 %``, ``38 of 62``. ``-`` where
        the kind is not asked about the issue. For sensitive indicators 1-4 reporting
        villages show as ``<5 of N`` (``<5`` alone when fewer than 5 villages were
        asked) and the share and interval are hidden.
    """
    cb = _cb(codebook)
    lvl = round(100 * float(shares.attrs.get("level", 0.95)))
    if block_id is None:
        sel = shares[shares["scope"] == "district"]
    else:
        sel = shares[(shares["scope"] == "block") & (shares["block_id"] == block_id)]
    sel = sel[sel["kind"].isin(list(kinds))]
    ci_name = f"{lvl} % CI"
    cols = pd.MultiIndex.from_product(
        [[KIND_LABELS.get(k, k) for k in kinds], ["Share", ci_name, "Villages"]]
    )
    codes = [c for c in cb.indicators.index if c in set(sel["indicator"])]
    index = pd.MultiIndex.from_tuples(
        [
            (str(cb.domains.at[cb.indicators.at[c, "domain"], "label"]), cb.reader_label(c))
            for c in codes
        ],
        names=["Domain", "Issue"],
    )
    out = pd.DataFrame(_DASH, index=index, columns=cols)
    if sel.empty:
        return out
    hide = _suppressed_mask(sel, "n_reported", cb)
    for (_, row), secret in zip(sel.iterrows(), hide, strict=True):
        key = index[codes.index(row["indicator"])]
        kl = KIND_LABELS.get(row["kind"], row["kind"])
        if secret:
            out.loc[key, (kl, "Share")] = "suppressed"
            out.loc[key, (kl, ci_name)] = _DASH
            out.loc[key, (kl, "Villages")] = _suppressed_of(int(row["n_villages"]))
        else:
            out.loc[key, (kl, "Share")] = fmt_pct(row["share"], floor_ceiling=True)
            out.loc[key, (kl, ci_name)] = fmt_interval(row["share_lo"], row["share_hi"])
            out.loc[key, (kl, "Villages")] = f"{int(row['n_reported'])} of {int(row['n_villages'])}"
    return out


def headline_sentences(
    shares: pd.DataFrame,
    codebook: Codebook | None = None,
    kinds: Sequence[str] = ("children", "adults", "duty_bearer"),
    top: int = 3,
    block_id: int | None = None,
) -> list[str]:
    """Headline sentences for the issues most often reported by each kind of group.

    Uses :func:`leheranalysis.indicators.headline` ("Children in 61 % of villages (38 of
    62; 95 % CI 49-72 %) reported ..."); for sensitive indicators with 1-4 villages the
    sentence says "fewer than 5 of N villages" without a percentage.

    Parameters
    ----------
    shares : pandas.DataFrame
        Output of :func:`leheranalysis.indicators.share_of_villages_reporting`.
    codebook : Codebook, optional
    kinds : sequence of str
    top : int
        Issues per kind, highest share first (ties in codebook order).
    block_id : int, optional
        A block instead of the district.

    Returns
    -------
    list of str
    """
    from leheranalysis.indicators import headline

    cb = _cb(codebook)
    order = {c: i for i, c in enumerate(cb.indicators.index)}
    scope = (
        shares[shares["scope"] == "district"]
        if block_id is None
        else shares[(shares["scope"] == "block") & (shares["block_id"] == block_id)]
    )
    out: list[str] = []
    for kind in kinds:
        sel = scope[(scope["kind"] == kind) & (scope["n_villages"] > 0)].copy()
        if sel.empty:
            continue
        sel["_o"] = sel["indicator"].map(order)
        sel = sel.sort_values(["share", "_o"], ascending=[False, True]).head(top)
        hide = _suppressed_mask(sel, "n_reported", cb)
        for (_, row), secret in zip(sel.iterrows(), hide, strict=True):
            text = headline(shares, row["indicator"], kind, block_id=block_id, codebook=cb)
            if cb.indicators.at[row["indicator"], "higher_is"] == "better":
                # the villages counted gave the bad answer: say it in the reader's words
                label = cb.reader_label(row["indicator"])
                text = f"{text.split(' reported ', 1)[0]}: {label[:1].lower()}{label[1:]}."
            if secret:
                subject, _, rest = text.partition(" in ")
                issue = rest.split(" reported ", 1)[1]
                text = f"{subject} in fewer than 5 of {int(row['n_villages'])} villages reported {issue}"
            out.append(text)
    return out


# ---------------------------------------------------------------------- 02: ranking
@or_no_data(NO_RANKING_DATA)
def ranking_table(
    ranking: pd.DataFrame,
    kinds: Sequence[str] = ("children", "adults", "all"),
    block_id: int | None = None,
) -> pd.DataFrame:
    """The issue ranking of the pairwise exercise, by kind of group.

    Parameters
    ----------
    ranking : pandas.DataFrame
        Output of :func:`leheranalysis.indicators.issue_ranking`.
    kinds : sequence of str
        Kinds, in column order. The last one (``all`` by default) orders the rows and
        gets every statistic; the others their position and Borda score.
    block_id : int, optional
        A block instead of the district.

    Returns
    -------
    pandas.DataFrame
        Index ``Issue``; column MultiIndex (kind label, statistic): ``Position`` and
        ``Borda score`` for every kind, plus ``Mean rank`` and ``Top 3 (95 % CI)`` for
        the last. Borda score: 1 = every group ranked the issue first.
    """
    if block_id is None:
        sel = ranking[ranking["scope"] == "district"]
    else:
        sel = ranking[(ranking["scope"] == "block") & (ranking["block_id"] == block_id)]
    sel = sel[sel["kind"].isin(list(kinds))]
    brief, full = (
        ["Position", "Borda score"],
        ["Position", "Borda score", "Mean rank", "Top 3 (95 % CI)"],
    )
    labels = [KIND_LABELS.get(k, k) for k in kinds]
    cols = pd.MultiIndex.from_tuples(
        [(kl, st) for kl in labels[:-1] for st in brief] + [(labels[-1], st) for st in full]
    )
    if sel.empty:
        return pd.DataFrame(columns=cols)
    last = [k for k in kinds if k in set(sel["kind"])][-1]
    issues = sel[sel["kind"] == last].sort_values("position")["label"].tolist()
    out = pd.DataFrame(_DASH, index=pd.Index(issues, name="Issue"), columns=cols)
    for _, r in sel.iterrows():
        kl = KIND_LABELS.get(r["kind"], r["kind"])
        if r["n_groups"] == 0:
            continue
        out.loc[r["label"], (kl, "Position")] = _fmt_number(r["position"])
        out.loc[r["label"], (kl, "Borda score")] = _fmt_number(r["borda"], 2)
        if (kl, "Mean rank") in out.columns:
            out.loc[r["label"], (kl, "Mean rank")] = _fmt_number(r["mean_rank"], 1)
            out.loc[r["label"], (kl, "Top 3 (95 % CI)")] = (
                f"{fmt_pct(r['share_top'], floor_ceiling=True)} ({fmt_interval(r['top_lo'], r['top_hi'])})"
            )
    return out


@or_no_data(NO_RANKING_DATA)
def ranking_by_block(ranking: pd.DataFrame, kind: str = "all") -> pd.DataFrame:
    """Position of each issue in each block (1 = most serious), and in the district.

    Returns
    -------
    pandas.DataFrame
        Index ``Issue`` (district order); one column per block and ``All blocks``.
    """
    sel = ranking[ranking["kind"] == kind]
    if sel.empty:
        return pd.DataFrame()
    wide = sel.pivot_table(index="label", columns="block_name", values="position", sort=False)
    dist = sel[sel["scope"] == "district"].sort_values("position")["label"].tolist()
    blocks = [b for b in dict.fromkeys(sel.loc[sel["scope"] == "block", "block_name"])]
    wide = wide.reindex(index=dist or list(wide.index), columns=[*blocks, "All blocks"])
    wide = wide.astype("Int64")
    wide.index.name = "Issue"
    wide.columns.name = None
    return wide


@or_no_data(NO_RANKING_DATA)
def ranking_by_group(
    rankings: pd.DataFrame, codebook: Codebook | None = None, value: str = "position"
) -> pd.DataFrame:
    """Each respondent group's district ranking of the issues (girls 10-14, men, ...).

    Parameters
    ----------
    rankings : pandas.DataFrame
        The ``rankings`` table.
    codebook : Codebook, optional
    value : {"position", "borda"}
        Show the issue's position (1 = most serious) or its normalised Borda score.

    Returns
    -------
    pandas.DataFrame
        Index ``Issue`` (order of all groups together); one column per respondent group
        that did the exercise, in codebook order.
    """
    from leheranalysis.indicators import issue_ranking

    cb = _cb(codebook)
    if rankings.empty:
        return pd.DataFrame()
    overall = issue_ranking(rankings, cb, by="district", kinds=("all",))
    order = overall.sort_values("position")["label"].tolist()
    cols = {}
    for g in [g for g in cb.groups.index if g in set(rankings["group"])]:
        r = issue_ranking(rankings[rankings["group"] == g], cb, by="district", kinds=("all",))
        cols[group_short_label(g, cb)] = r.set_index("label")[value].reindex(order)
    out = pd.DataFrame(cols)
    if value == "position":
        out = out.astype("Int64")
    else:
        out = out.round(2)
    out.index.name = "Issue"
    return out


@or_no_data(NO_RANKING_DATA)
def plot_ranking(ranking: pd.DataFrame, kinds: Sequence[str] = ("children", "adults")):
    """Horizontal bars of the district Borda score of each issue, one bar per kind.

    Parameters
    ----------
    ranking : pandas.DataFrame
        Output of :func:`leheranalysis.indicators.issue_ranking`.
    kinds : sequence of str

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from leheranalysis import plotting

    dist = ranking[(ranking["scope"] == "district") & ranking["kind"].isin(list(kinds))]
    fig, ax = plt.subplots(figsize=(8, 0.55 * max(1, dist["issue"].nunique()) + 1.8))
    if dist.empty:
        ax.axis("off")
        ax.text(0.5, 0.5, "No ranking exercise data", ha="center", va="center")
        return fig
    ref = dist.groupby("label", sort=False)["borda"].mean().sort_values()
    y = np.arange(len(ref))
    present = [k for k in kinds if k in set(dist["kind"])]
    height = 0.8 / len(present)
    colors = plotting.category_colors([KIND_LABELS[k] for k in present])
    for i, k in enumerate(present):
        s = dist[dist["kind"] == k].set_index("label")["borda"].reindex(ref.index)
        ax.barh(y + (i - (len(present) - 1) / 2) * height, s.to_numpy(float), height=height,
                color=colors[KIND_LABELS[k]], label=KIND_LABELS[k])  # fmt: skip
    ax.set_yticks(y, ref.index)
    ax.set_xlim(0, 1)
    ax.set_xlabel("Borda score (1 = every group ranked the issue first)")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    top = ref.index[-1]
    _title(
        ax,
        f"{top} is ranked the most serious issue",
        "Pairwise ranking by children's and adult groups, all villages",
    )
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- 02: triangulation
@or_no_data(NO_TRIANGULATION_DATA)
def triangulation_table(rates: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """District agreement of community and duty-bearer evidence, per indicator and duty bearer.

    Parameters
    ----------
    rates : pandas.DataFrame
        Output of :func:`leheranalysis.indicators.discrepancy_rates` (district rows used).
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        ``Indicator``, ``Duty bearer``, ``Villages compared``, ``Agree``, ``Community
        higher``, ``Duty bearer higher`` (share with interval, or ``<5`` for sensitive
        indicators with 1-4 villages), ``No data``. The three classes add up to the
        villages compared, so when one class of a sensitive indicator and duty bearer is
        ``<5`` the other two show ``suppressed``: otherwise the small count would follow
        by subtraction.
    """
    cb = _cb(codebook)
    cols = ["Indicator", "Duty bearer", "Villages compared", "Agree", "Community higher",
            "Duty bearer higher", "No data"]  # fmt: skip
    d = rates[rates["scope"] == "district"] if len(rates) else rates
    if d.empty:
        return pd.DataFrame(columns=cols)
    small = _suppressed_mask(d, "n", cb)
    pair = _pair_hidden(d, small)
    d = d.assign(_cell=[
        SUPPRESSED if sm else "suppressed" if h
        else (f"{fmt_pct(s, floor_ceiling=True)} ({fmt_interval(lo, hi)})" if n_p else _DASH)
        for sm, h, s, lo, hi, n_p in zip(small, pair, d["share"], d["share_lo"], d["share_hi"],
                                         d["n_pairs"], strict=True)
    ])  # fmt: skip
    wide = d.pivot_table(index=["indicator", "duty_bearer"], columns="agreement", values="_cell",
                         aggfunc="first", sort=False)  # fmt: skip
    base = d.drop_duplicates(["indicator", "duty_bearer"]).set_index(["indicator", "duty_bearer"])
    out = pd.DataFrame(
        {
            "Indicator": [_indicator_label(i, cb) for i, _ in wide.index],
            "Duty bearer": [_DUTY_LABELS.get(g, g) for _, g in wide.index],
            "Villages compared": base.loc[wide.index, "n_pairs"].astype(int).to_numpy(),
            "Agree": wide.get("agree", pd.Series(_DASH, index=wide.index)).to_numpy(),
            "Community higher": wide.get(
                "community higher", pd.Series(_DASH, index=wide.index)
            ).to_numpy(),
            "Duty bearer higher": wide.get(
                "duty bearer higher", pd.Series(_DASH, index=wide.index)
            ).to_numpy(),
            "No data": base.loc[wide.index, "n_no_data"].astype(int).to_numpy(),
        }
    )
    return out[cols]


@or_no_data(NO_TRIANGULATION_DATA)
def plot_triangulation_matrix(tri: pd.DataFrame, codebook: Codebook | None = None):
    """Matrix figure: share of villages where community and duty bearer disagree, by side.

    Two panels (community reported more; duty bearer reported more), indicators x duty
    bearers, cells coloured by the share of compared villages and annotated with the
    percentage and the number of villages. When a class of a sensitive indicator and
    duty bearer counts 1-4 villages, both cells of that pair are drawn in a flat grey
    (:data:`SUPPRESSED_FILL`), never coloured by the share: the small one says ``<5``, the
    other ``suppressed`` (with the villages compared it would give the small count back).

    Parameters
    ----------
    tri : pandas.DataFrame
        Output of :func:`leheranalysis.indicators.triangulate`.
    codebook : Codebook, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from leheranalysis import plotting
    from leheranalysis.indicators import discrepancy_rates

    cb = _cb(codebook)
    panels = ("community higher", "duty bearer higher")
    rates = discrepancy_rates(tri, by="district", codebook=cb) if len(tri) else pd.DataFrame()
    if rates.empty:
        fig, ax = plt.subplots(figsize=(6, 2))
        ax.axis("off")
        ax.text(0.5, 0.5, "No triangulation data", ha="center", va="center")
        return fig
    small = _suppressed_mask(rates, "n", cb)
    rates = rates.assign(_small=small, _hidden=_pair_hidden(rates, small))
    codes = list(dict.fromkeys(rates["indicator"]))
    duty = [d for d in _DUTY_BEARERS if d in set(rates["duty_bearer"])]
    labels = [_indicator_label(c, cb) for c in codes]
    fig, axes = plt.subplots(
        1, 2, figsize=(10, 0.4 * len(codes) + 2.0), sharey=True, layout="constrained"
    )
    cmap = plotting.sequential_cmap(plotting.SEQUENTIAL).reversed()
    for ax, p in zip(axes, panels, strict=True):
        m = rates[rates["agreement"] == p].set_index(["indicator", "duty_bearer"])
        vals = np.full((len(codes), len(duty)), np.nan)
        ax.set_facecolor("#EEEEEE")
        for i, c in enumerate(codes):
            for j, d in enumerate(duty):
                if (c, d) not in m.index or m.at[(c, d), "n_pairs"] == 0:
                    continue
                r = m.loc[(c, d)]
                if r["_hidden"]:
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor=SUPPRESSED_FILL,
                                           edgecolor="none", zorder=2))  # fmt: skip
                    ax.text(j, i, SUPPRESSED if r["_small"] else "suppressed", ha="center",
                            va="center", fontsize=7.5, color="#222222", zorder=3)  # fmt: skip
                    continue
                vals[i, j] = r["share"]
                ax.text(j, i, f"{100 * r['share']:.0f} %\n{int(r['n'])}/{int(r['n_pairs'])}",
                        ha="center", va="center", fontsize=7.5, zorder=3,
                        color="white" if r["share"] > 0.55 else "#222222")  # fmt: skip
        im = ax.imshow(np.ma.masked_invalid(vals), cmap=cmap, vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(duty)), [_DUTY_LABELS[d] for d in duty], rotation=20, ha="right")
        ax.set_yticks(range(len(codes)), labels)
        ax.set_xlim(-0.5, len(duty) - 0.5)
        ax.set_ylim(len(codes) - 0.5, -0.5)
        ax.grid(False)
        ax.set_title("Community reported more" if p == panels[0] else "Duty bearer reported more",
                     fontsize=11, loc="left")  # fmt: skip
    cbar = fig.colorbar(im, ax=list(axes), fraction=0.025, pad=0.02)
    cbar.set_label("share of compared villages")
    cbar.ax.yaxis.set_major_formatter(lambda x, _: f"{100 * x:.0f} %")
    fig.suptitle("Where community and duty-bearer evidence disagree", x=0.01, ha="left",
                 fontweight="bold", fontsize=13)  # fmt: skip
    return fig


def discrepancy_table(largest: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Reader table of the largest village-level discrepancies.

    Parameters
    ----------
    largest : pandas.DataFrame
        Output of :func:`leheranalysis.indicators.largest_discrepancies`.
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        ``Village``, ``Block``, ``Indicator``, ``Duty bearer``, ``Community``, ``Duty
        bearer's figure``, ``Who reported more``, ``Duty bearer's response``. Rows of
        sensitive indicators are left out: a named village next to "sexual abuse" or
        "trafficked" points at identifiable children whatever the count shows (pass
        non-sensitive rows to :func:`leheranalysis.indicators.largest_discrepancies` to
        keep the table full). Remaining small values of sensitive codes (none after this
        rule; kept as a safety net) would show as ``<5``.
    """
    cb = _cb(codebook)
    cols = ["Village", "Block", "Indicator", "Duty bearer", "Community", "Duty bearer's figure",
            "Who reported more", "Duty bearer's response"]  # fmt: skip
    if not largest.empty:
        largest = largest[~largest["indicator"].isin(sensitive_codes(cb))]
    if largest.empty:
        return pd.DataFrame(columns=cols)
    t = suppress_small(
        largest, ["community", "duty_value"], _THRESHOLD, sensitive=sensitive_codes(cb)
    )

    def show(v: Any, unit: str) -> str:
        if isinstance(v, str):
            return v
        if unit == "yesno" and pd.notna(v):
            return "yes" if float(v) >= 0.5 else "no"
        return _fmt_number(v, 0 if unit == "count" else 1)

    out = pd.DataFrame(
        {
            "Village": t["village_name"].map(display_name),
            "Block": t["block_name"].astype(str),
            "Indicator": [_indicator_label(c, cb) for c in t["indicator"]],
            "Duty bearer": [_DUTY_LABELS.get(g, g) for g in t["duty_bearer"]],
            "Community": [show(v, u) for v, u in zip(t["community"], t["unit"], strict=True)],
            "Duty bearer's figure": [
                show(v, u) for v, u in zip(t["duty_value"], t["unit"], strict=True)
            ],
            "Who reported more": [
                "community" if str(a) == "community higher" else "duty bearer"
                for a in t["agreement"]
            ],
            "Duty bearer's response": t["response"].fillna(_DASH).astype(str),
        }
    )
    return out[cols]


# ------------------------------------------------------------- 02: block comparisons
@or_no_data(NO_RATE_DATA)
def block_rates_table(rates: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Population-weighted rates per 1,000 with intervals, indicators x blocks.

    Parameters
    ----------
    rates : pandas.DataFrame
        Output of :func:`leheranalysis.indicators.population_weighted_rates`.
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        Index (``Indicator``, ``Per 1,000``: the denominator); one column per block and
        ``All blocks``: ``"126.6 (119.5-134.0)"``; for sensitive indicators with 1-4
        cases ``"<5 cases"``.
    """
    cb = _cb(codebook)
    if rates.empty:
        return pd.DataFrame()
    small = _suppressed_mask(rates, "count", cb)
    hide = _hide_with_totals(rates, small, ["indicator"])

    def text(sm: bool, h: bool, r: float, lo: float, hi: float) -> str:
        if sm:
            return f"{SUPPRESSED} cases"
        if h and not pd.isna(r):
            return "suppressed"
        return _DASH if pd.isna(r) else f"{r:,.1f} ({fmt_interval(lo, hi, 1, pct=False)})"

    cell = [
        text(*a)
        for a in zip(
            small, hide, rates["rate_per_1000"], rates["rate_lo"], rates["rate_hi"], strict=True
        )
    ]
    t = rates.assign(_cell=cell)
    t["Indicator"] = [_indicator_label(c, cb) for c in t["indicator"]]
    t["Per 1,000"] = [
        str(cb.denominators.at[d, "label"])
        if d in cb.denominators.index
        else str(d).replace("_", " ")
        for d in t["denominator"]
    ]
    blocks = list(dict.fromkeys(t.loc[t["scope"] == "block", "block_name"]))
    wide = t.pivot_table(index=["Indicator", "Per 1,000"], columns="block_name", values="_cell",
                         aggfunc="first", sort=False)  # fmt: skip
    wide = wide.reindex(columns=[c for c in [*blocks, "All blocks"] if c in wide.columns])
    wide.columns.name = None
    return wide


@or_no_data(NO_RATE_DATA)
def plot_block_rates(rates: pd.DataFrame, codebook: Codebook | None = None, ncols: int = 3):
    """Small multiples: each indicator's rate per 1,000 per block with its interval.

    The district rate is a dashed line. Panels of sensitive indicators with a block of
    1-4 cases are left empty with a note.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from leheranalysis import plotting

    cb = _cb(codebook)
    codes = list(dict.fromkeys(rates["indicator"])) if len(rates) else []
    if not codes:
        fig, ax = plt.subplots(figsize=(6, 2))
        ax.axis("off")
        ax.text(0.5, 0.5, "No rates to compare", ha="center", va="center")
        return fig
    fig, axes = plotting.figure_grid(len(codes), ncols=ncols, panel=(3.6, 2.6))
    blocks = list(dict.fromkeys(rates.loc[rates["scope"] == "block", "block_name"]))
    colors = plotting.category_colors(blocks) if len(blocks) <= 8 else {}
    hide = _suppressed_mask(rates, "count", cb)
    for ax, code in zip(axes, codes, strict=True):
        sel = rates[(rates["indicator"] == code)]
        ax.set_title("\n".join(_wrap(_indicator_label(code, cb), 34)), fontsize=9.5, loc="left")
        if hide[sel.index].any():
            ax.text(0.5, 0.5, "fewer than 5 cases in a block:\nnot shown", ha="center", va="center",
                    transform=ax.transAxes, fontsize=9, color="#555555")  # fmt: skip
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        b = sel[sel["scope"] == "block"].set_index("block_name").reindex(blocks)
        x = np.arange(len(blocks))
        r = b["rate_per_1000"].to_numpy(float)
        err = np.vstack([r - b["rate_lo"].to_numpy(float), b["rate_hi"].to_numpy(float) - r])
        for i, blk in enumerate(blocks):
            ax.errorbar(x[i], r[i], yerr=err[:, [i]], fmt="o", capsize=3,
                        color=colors.get(blk, plotting.OKABE_ITO[0]))  # fmt: skip
        dist = sel.loc[sel["scope"] == "district", "rate_per_1000"]
        if len(dist) and pd.notna(dist.iloc[0]):
            ax.axhline(float(dist.iloc[0]), color="#555555", ls="--", lw=1)
        ax.set_xticks(x, ["\n".join(_wrap(b, 11)) for b in blocks], fontsize=8)
        ax.set_xlim(-0.6, len(blocks) - 0.4)
        ax.set_ylim(bottom=0)
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle("Rates per 1,000 by block (dots: block, bars: 95 % interval, dashed: district)",
                 x=0.01, ha="left", fontweight="bold", fontsize=12)  # fmt: skip
    fig.tight_layout()
    return fig


@or_no_data(NO_SECONDARY_DATA)
def secondary_table(sec: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Departmental figures by block and year, sensitive counts of 1-4 as ``<5``.

    A district total next to a hidden block count is hidden too (``suppressed``), since
    it would give the count back by subtraction; a total that is missing anyway (a block
    did not report) stays ``-``.

    Parameters
    ----------
    sec : pandas.DataFrame
        Tidy output of :func:`leheranalysis.indicators.secondary_indicators`.
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        Index (``Department``, ``Indicator``, ``Block``), one column per year; counts
        with thousands separators, shares in percent with one decimal, ``-`` missing.
    """
    cb = _cb(codebook)
    if sec.empty:
        return pd.DataFrame()
    t = suppress_small(sec, "value", _THRESHOLD, sensitive=sensitive_codes(cb))
    small = t["value"].map(lambda v: isinstance(v, str))
    totals = _hide_with_totals(t, small, ["indicator", "year"]) & ~small
    # a total missing anyway (a block did not report) stays "-", not "suppressed"
    totals &= t["value"].map(lambda v: isinstance(v, str) or not pd.isna(v)).astype(bool)
    if totals.any():
        t["value"] = t["value"].astype(object)
        t.loc[totals, "value"] = "suppressed"

    def cell(v: Any, unit: str) -> str:
        if isinstance(v, str):
            return v
        if pd.isna(v):
            return _DASH
        return f"{v:.1f} %" if unit == "share" else f"{v:,.0f}"

    t["_cell"] = [cell(v, u) for v, u in zip(t["value"], t["unit"], strict=True)]
    t["Department"] = t["department"].fillna(_DASH)
    t["Indicator"] = t["label"]
    t["Block"] = t["block_name"].astype(str)
    years = sorted(set(t["year"].dropna()))
    wide = t.pivot_table(index=["Department", "Indicator", "Block"], columns="year",
                         values="_cell", aggfunc="first", sort=False)  # fmt: skip
    wide = wide.reindex(columns=years)
    wide.columns.name = None
    return wide.fillna(_DASH)


# ------------------------------------------------------------- 02: index key numbers
def baseline_key_numbers(
    shares: pd.DataFrame | None,
    codebook: Codebook | None = None,
    villages: pd.DataFrame | None = None,
    code: str = "cpvi",
) -> list[tuple[str, str]]:
    """Key numbers of the baseline findings for the index page.

    The issue reported in the most villages by children's groups and by adult groups
    (sensitive issues left out, so no small count can show), and the number of priority
    villages of the vulnerability index (``CPVIResult.villages``).

    Returns
    -------
    list of (str, str)
        ``(value, what it counts)`` pairs, at most three.
    """
    cb = _cb(codebook)
    out: list[tuple[str, str]] = []
    if shares is not None and len(shares):
        sens = sensitive_codes(cb)
        dist = shares[(shares["scope"] == "district") & ~shares["indicator"].isin(sens)]
        order = {c: i for i, c in enumerate(cb.indicators.index)}
        for kind in ("children", "adults"):
            sel = dist[(dist["kind"] == kind) & (dist["n_villages"] > 0)].copy()
            if sel.empty:
                continue
            sel["_o"] = sel["indicator"].map(order)
            row = sel.sort_values(["share", "_o"], ascending=[False, True]).iloc[0]
            label = cb.reader_label(row["indicator"])
            out.append(
                (
                    f"{int(row['n_reported'])} of {int(row['n_villages'])} villages",
                    f"{KIND_LABELS.get(kind, kind)}: {label[:1].lower()}{label[1:]}",
                )
            )
    if villages is not None and code in villages and "priority" in villages:
        n = int(villages.loc[villages[code].notna(), "priority"].astype(bool).sum())
        out.append(
            (
                str(n),
                "priority villages: their whole 5-95 % rank interval lies in the most vulnerable fifth",
            )
        )
    return out[:3]
