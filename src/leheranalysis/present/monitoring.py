"""Presenter of the monitoring report (05): reader tables and figures of change between rounds.

Pure functions from the tables of :mod:`leheranalysis.monitoring` to reviewer-ready
tables (text cells, labels that say what each number counts) and figures. Sensitive
issues (codebook ``sensitive``): every count of villages or cases between 1 and 4 is
shown as ``<5``, and no rate, ratio or change derived from such a count is shown; a
district count or rate whose block counts include one between 1 and 4 is "not shown"
either (complementary suppression), so that subtracting the other blocks from the
district cannot give the hidden count back.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from leheranalysis.codebook import Codebook, load_codebook
from leheranalysis.present._monitoring_sections import (  # noqa: F401 - re-exported
    NO_FOLLOWUP,
    block_parts,
    change_parts,
    coverage_parts,
    index_table,
    plan_parts,
    plot_rate_changes,
    plot_yes_no_changes,
    triangulation_table,
)
from leheranalysis.present.kit import SUPPRESSED, display_name, fmt_pct, sensitive_codes

__all__ = [
    "round_label",
    "rounds_table",
    "coverage_table",
    "change_summary",
    "change_reader_table",
    "change_words",
    "block_small_counts",
    "triangulation_reader_table",
    "index_reader_table",
    "plan_reader_table",
    "plan_note",
    "latest_rounds_reader_table",
    "plot_rate_ratios",
    "plot_share_changes",
    "NO_FOLLOWUP",
    "coverage_parts",
    "change_parts",
    "plot_rate_changes",
    "plot_yes_no_changes",
    "block_parts",
    "triangulation_table",
    "index_table",
    "plan_parts",
]

_DASH = "-"
_THRESHOLD = 5

_ADJUST = {
    "bh": "Benjamini-Hochberg (among the changes called, at most 5 % are expected to be noise)",
    "holm": "Holm (the chance that any unchanged indicator is called changed is at most 5 %)",
}

_DEN_LABELS = {
    "children_6_14": "children aged 6-14",
    "children_5_17": "children aged 5-17",
    "children_0_17": "children under 18",
    "girls_10_14": "girls aged 10-14",
    "girls_15_19": "girls aged 15-19",
    "births_12m": "births in the last 12 months",
}


def _cb(codebook: Codebook | None) -> Codebook:
    return codebook if codebook is not None else load_codebook()


def round_label(name: str, date: str | None = None) -> str:
    """``'Midline (2027-01-15)'``: a round's name for readers, with its date when known."""
    text = str(name).replace("_", " ").replace("-", " ").capitalize()
    return f"{text} ({date})" if date else text


def adjustment_text(adjust: str, alpha: float) -> str:
    """One sentence naming the adjustment for many indicators and its error rate."""
    name = _ADJUST.get(adjust, adjust).replace("5 %", f"{100 * alpha:g} %")
    return f"p-values adjusted for the number of indicators compared: {name}"


def rounds_table(rounds: pd.DataFrame) -> pd.DataFrame:
    """The district's rounds (:func:`leheranalysis.rounds.list_rounds`) for readers."""
    return pd.DataFrame(
        {
            "Round": [round_label(r) for r in rounds["round"]],
            "Date of the evidence": [d or "not recorded" for d in rounds["reference_date"]],
            "Villages assessed": rounds["villages"].astype(int).astype(str),
        }
    )


def coverage_table(coverage: dict[str, Any] | None) -> pd.DataFrame:
    """Villages not revisited and villages added, by name and block."""
    rows = []
    for key, what in (("not_revisited", "not revisited"), ("added", "added (not in the baseline)")):
        for v in (coverage or {}).get(key, []):
            rows.append(
                {
                    "Village": display_name(v["village_name"]),
                    "Block": v["block_name"],
                    "Status": what,
                }
            )
    return pd.DataFrame(rows, columns=["Village", "Block", "Status"])


def _measure(row: pd.Series) -> str:
    if row["measure"] == "rate per 1,000":
        return f"per 1,000 {_DEN_LABELS.get(row['denominator'], 'people')}"
    if row["measure"] == "share of villages":
        return "% of villages answering yes"
    if row["measure"] == "mean per cent":
        return "mean % of group members"
    if row["measure"] == "mean score":
        return "mean score (1-5)"
    return "mean per village"


def _value(x: Any, measure: str) -> str:
    if x is None or pd.isna(x):
        return _DASH
    if measure == "share of villages":
        return fmt_pct(x, 0)
    if measure == "rate per 1,000":
        return f"{x:.1f}"
    return f"{x:.1f}" if abs(x) < 100 else f"{x:.0f}"


def change_words(x: Any, digits: int = 1, unit: str = "") -> str:
    """A change in words that a spreadsheet reads as text (no leading ``+`` or ``-``).

    Examples
    --------
    >>> change_words(29.4, 0, " points"), change_words(-0.61), change_words(0.02)
    ('29 points higher', '0.6 lower', 'no change')
    """
    if x is None or pd.isna(x):
        return _DASH
    text = f"{abs(float(x)):.{digits}f}"
    if float(text) == 0:
        return "no change"
    return f"{text}{unit} {'higher' if x > 0 else 'lower'}"


def _small(v: Any) -> bool:
    return v is not None and not pd.isna(v) and 1 <= float(v) < _THRESHOLD


#: the counts a reader sees in the change table (villages)
_SHOWN_COUNTS = ("n_fell", "n_rose", "reported_baseline", "reported_followup")
_CASES = ("cases_baseline", "cases_followup")

#: what a district cell hidden to protect a block's small count shows
NOT_SHOWN = "not shown"
_BLOCK_NOTE = "(a block's count is under 5)"


def _count(n: Any, sensitive: bool, block_small: bool = False) -> str:
    if n is None or pd.isna(n):
        return _DASH
    n = int(n)
    if sensitive and 1 <= n < _THRESHOLD:
        return SUPPRESSED
    return NOT_SHOWN if sensitive and block_small else str(n)


def block_small_counts(blocks: pd.DataFrame | None, codebook: Codebook | None = None) -> dict:
    """Per sensitive indicator, the columns in which some block has a count between 1 and 4.

    The district's count is the sum of its blocks' counts: shown next to the blocks, it
    would give a hidden block count back by subtraction, so the district cell of such a
    column is hidden too (complementary suppression).

    Parameters
    ----------
    blocks : pandas.DataFrame or None
        :func:`leheranalysis.monitoring.block_changes`.
    codebook : Codebook, optional

    Returns
    -------
    dict
        Indicator code -> set of column names (counts of villages and of cases).

    Examples
    --------
    >>> b = pd.DataFrame({"indicator": ["sexual_abuse_known", "sexual_abuse_known"],
    ...                   "n_rose": [3, 5], "reported_followup": [5, 7]})
    >>> block_small_counts(b)
    {'sexual_abuse_known': {'n_rose'}}
    """
    out: dict[str, set[str]] = {}
    if blocks is None or blocks.empty:
        return out
    sens = sensitive_codes(_cb(codebook))
    for _, r in blocks[blocks["indicator"].isin(sens)].iterrows():
        for c in (*_SHOWN_COUNTS, *_CASES):
            if _small(r.get(c)):
                out.setdefault(r["indicator"], set()).add(c)
    return out


def _value_reasons(
    row: pd.Series, sensitive: bool, block_small: set[str]
) -> tuple[str | None, str | None]:
    """Why the baseline and the follow-up value of a row are hidden (``None``: shown).

    A rate is hidden when its round counts 1-4 cases, a share of villages when 1-4
    villages answered yes, and a district value when a block's count is 1-4 (the
    district value together with the blocks' would give it back); a mean hides both
    rounds when any count of its row is 1-4.
    """
    if not sensitive:
        return None, None
    measure = row["measure"]
    if measure == "rate per 1,000":
        cols, unit = _CASES, "cases"
    elif measure == "share of villages":
        cols, unit = ("reported_baseline", "reported_followup"), "villages"
    else:
        every = (*_SHOWN_COUNTS, *_CASES)
        if any(_small(row.get(c)) for c in every):
            return (f"{NOT_SHOWN} (fewer than 5 villages)",) * 2
        if block_small & set(every):
            return (f"{NOT_SHOWN} (fewer than 5 villages in a block)",) * 2
        return None, None
    out = []
    for c in cols:
        if _small(row.get(c)):
            out.append(f"{NOT_SHOWN} (fewer than 5 {unit})")
        elif c in block_small:
            out.append(f"{NOT_SHOWN} (fewer than 5 {unit} in a block)")
        else:
            out.append(None)
    return out[0], out[1]


def _hidden(row: pd.Series, sensitive: bool, block_small: set[str] | None = None) -> bool:
    """True when the change of a row is hidden (either round's value is)."""
    return any(_value_reasons(row, sensitive, block_small or set()))


def _change_text(r: pd.Series, hidden_why: str | None) -> str:
    """The change column: why it is hidden, else the ratio (rates) or the difference."""
    m = r["measure"]
    if hidden_why:
        return hidden_why
    if m == "rate per 1,000":
        return (
            f"x {r['ratio']:.2f} ({r['ratio_lo']:.2f}-{r['ratio_hi']:.2f})"
            if np.isfinite(r["ratio"]) and np.isfinite(r["ratio_hi"])
            else _DASH
        )
    if m == "share of villages":
        return change_words(100 * r["change"], 0, " points")
    return change_words(r["change"], 1)


def _village_counts(r: pd.Series, s: bool, bs: set[str]) -> tuple[str, str]:
    """Villages where the value fell / rose, and reporting the issue in each round.

    ``s``: the indicator is sensitive; ``bs``: columns with a block count of 1-4.
    """
    fell_rose = (
        f"{_count(r['n_fell'], s, 'n_fell' in bs)} / {_count(r['n_rose'], s, 'n_rose' in bs)}"
    )
    if NOT_SHOWN in fell_rose:
        fell_rose += f" {_BLOCK_NOTE}"
    reported = (
        f"{_count(r['reported_baseline'], s, 'reported_baseline' in bs)} -> "
        f"{_count(r['reported_followup'], s, 'reported_followup' in bs)}"
        f" of {int(r['n_villages'])}"
    )
    if NOT_SHOWN in reported:
        reported += f" {_BLOCK_NOTE}"
    return fell_rose, reported


def change_reader_table(
    changes: pd.DataFrame,
    codebook: Codebook | None = None,
    blocks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The change table (:func:`leheranalysis.monitoring.change_table`) for readers.

    One row per indicator (its label as the index): the measure, the two rounds' values,
    the change (ratio and its 95 % interval for rates, difference in percentage points or
    units otherwise), the villages where the value fell and rose, the villages where the
    community reported the issue in each round, the adjusted p-value and the verdict.

    Parameters
    ----------
    changes : pandas.DataFrame
        :func:`leheranalysis.monitoring.change_table` (the district) or one block's rows
        of :func:`leheranalysis.monitoring.block_changes`.
    codebook : Codebook, optional
    blocks : pandas.DataFrame, optional
        :func:`leheranalysis.monitoring.block_changes` when ``changes`` is the district's
        table shown beside the blocks': a district count (or a rate) whose column has a
        block count of 1-4 for the same sensitive indicator is shown as ``not shown``, so
        that it cannot give the block's count back by subtraction.

    Returns
    -------
    pandas.DataFrame
    """
    cb = _cb(codebook)
    sens = sensitive_codes(cb)
    comp = block_small_counts(blocks, cb)
    rows = []
    for _, r in changes.iterrows():
        s = r["indicator"] in sens
        bs = comp.get(r["indicator"], set()) if s else set()
        m = r["measure"]
        why_b, why_f = _value_reasons(r, s, bs)
        verdict = {"better": "better", "worse": "worse"}.get(r["verdict"], "no clear change")
        if r["changed"]:
            verdict = f"{r['direction']} ({verdict})"
        fell_rose, reported = _village_counts(r, s, bs)
        rows.append(
            {
                "Indicator": r["label"],
                "Measure": _measure(r),
                "Baseline": why_b or _value(r["baseline"], m),
                "Follow-up": why_f or _value(r["followup"], m),
                "Change (95 % interval)": _change_text(r, why_b or why_f),
                "Villages where it fell / rose": fell_rose,
                "Villages reporting the issue or a problem, baseline -> follow-up": reported,
                "Adjusted p-value": _p(r["p_adjusted"]),
                "More than noise?": verdict if r["changed"] else "no clear change",
            }
        )
    cols = ["Indicator", "Measure", "Baseline", "Follow-up", "Change (95 % interval)",
            "Villages where it fell / rose",
            "Villages reporting the issue or a problem, baseline -> follow-up",
            "Adjusted p-value", "More than noise?"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols).set_index("Indicator")


def _p(p: Any) -> str:
    if p is None or pd.isna(p):
        return _DASH
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def change_summary(changes: pd.DataFrame) -> list[str]:
    """Sentences: which indicators changed beyond noise, better or worse."""
    if changes.empty:
        return ["No indicator was answered in both rounds: no data."]
    out = []
    for verdict, word in (("better", "improved"), ("worse", "worsened")):
        sel = changes[changes["changed"] & (changes["verdict"] == verdict)]
        if len(sel):
            out.append(f"{word.capitalize()} beyond noise: " + "; ".join(sel["label"]) + ".")
    n = int((~changes["changed"]).sum())
    out.append(f"No clear change in {n} of {len(changes)} indicators.")
    return out


def triangulation_reader_table(tri: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Agreement of duty bearers' registers with the community, both rounds, for readers."""
    cb = _cb(codebook)
    sens = sensitive_codes(cb)
    names = {"teacher": "Teacher", "aww": "Anganwadi worker", "asha": "ASHA"}
    rows = []
    for _, r in tri.iterrows():
        s = r["indicator"] in sens
        small = s and any(
            1 <= int(r[c]) < _THRESHOLD
            for c in ("agree_baseline", "agree_followup", "came_to_agree", "stopped_agreeing")
        )
        n = int(r["n_villages"])
        if small:
            b = f = "not shown (fewer than 5)"
            moved = _DASH
        else:
            b = f"{int(r['agree_baseline'])} of {n} ({fmt_pct(r['share_baseline'])})"
            f = f"{int(r['agree_followup'])} of {n} ({fmt_pct(r['share_followup'])})"
            moved = f"{int(r['came_to_agree'])} / {int(r['stopped_agreeing'])}"
        rows.append(
            {
                "Indicator": r["label"],
                "Duty bearer": names.get(r["duty_bearer"], r["duty_bearer"]),
                "Villages where register and community agree, baseline": b,
                "Follow-up": f,
                "Villages that came to agree / stopped agreeing": moved,
                "Adjusted p-value": _p(r["p_adjusted"]),
                "More than noise?": r["direction"],
            }
        )
    return pd.DataFrame(rows)


def index_reader_table(idx: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """Villages whose vulnerability score changed most, both ways (pooled scale)."""
    if idx.empty:
        return pd.DataFrame()
    pick = pd.concat([idx.head(top), idx.tail(top)]).drop_duplicates("village_id")
    return pd.DataFrame(
        {
            "Village": pick["village_name"].map(display_name),
            "Block": pick["block_name"].astype(str),
            "Score, baseline (0-100, higher = more vulnerable)": pick["score_baseline"].map(
                "{:.1f}".format
            ),
            "Score, follow-up": pick["score_followup"].map("{:.1f}".format),
            "Change": pick["score_change"].map(lambda x: change_words(x, 1)),
            "Rank among villages, baseline -> follow-up (1 = most vulnerable)": [
                f"{int(a)} -> {int(b)}"
                for a, b in zip(pick["rank_baseline"], pick["rank_followup"], strict=True)
            ],
            "Rank interval among all village-rounds (5-95 %), baseline | follow-up": [
                f"{a:.0f}-{b:.0f} | {c:.0f}-{d:.0f}"
                for a, b, c, d in zip(
                    pick["pooled_q05_baseline"],
                    pick["pooled_q95_baseline"],
                    pick["pooled_q05_followup"],
                    pick["pooled_q95_followup"],
                    strict=True,
                )
            ],
        }
    )


def plan_note(plan: pd.DataFrame | None, name: str | None, found: bool = False) -> str:
    """What the progress section says about the plan it tracks, by the file's name only.

    Parameters
    ----------
    plan : pandas.DataFrame or None
        :func:`leheranalysis.monitoring.read_plan`; None when there is no plan.
    name : str or None
        The workbook's file name.
    found : bool
        The workbook is the district's plan found beside the reports (not one given).

    Examples
    --------
    >>> plan_note(None, None)
    'No plan workbook of the district was found beside the reports: no targets to track yet.'
    >>> plan_note(pd.DataFrame({"target": [None, ""]}), "madhubani-dcpp-plan.xlsx", found=True)
    "The district's plan workbook (madhubani-dcpp-plan.xlsx) has no targets yet: the targets are still to be set by the district."
    """
    if plan is None:
        return (
            "No plan workbook of the district was found beside the reports: no targets to "
            "track yet."
        )
    whose = "The district's plan workbook" if found else "The plan workbook"
    target = plan["target"] if "target" in plan else pd.Series(dtype=object)
    filled = target.map(lambda v: v is not None and not pd.isna(v) and str(v).strip() != "")
    if not filled.any():
        return (
            f"{whose} ({name}) has no targets yet: the targets are still to be set by the district."
        )
    return f"Targets from the {whose[4:]} ({name}): {int(filled.sum())} row(s) with a target."


def plan_reader_table(track: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Plan tracking (:func:`leheranalysis.monitoring.plan_tracking`) for readers.

    The plan carries no counts, so a row whose monitoring indicator is a sensitive issue
    (codebook ``sensitive``) never shows its baseline, follow-up or target value (a block
    value of such an issue can rest on one to four children); its status is shown.

    Examples
    --------
    >>> track = pd.DataFrame({"issue": ["cm"], "block": ["Bisfi"],
    ...     "indicator": ["sexual_abuse_known"], "label": ["Cases"], "unit": ["per 1,000"],
    ...     "plan_baseline": [0.9], "followup": [0.4], "target": [0.5],
    ...     "target_date": [None], "progress": [1.25], "time_elapsed": [None],
    ...     "status": ["met"]})
    >>> plan_reader_table(track).iloc[0][["Baseline (plan)", "Follow-up", "Status"]].tolist()
    ['not shown', 'not shown', 'met']
    """
    sens = track["indicator"].astype(str).isin(sensitive_codes(_cb(codebook)))

    def num(col: str) -> pd.Series:
        shown = track[col].map(lambda x: _DASH if x is None or pd.isna(x) else f"{x:.1f}")
        return shown.mask(sens, NOT_SHOWN)

    return pd.DataFrame(
        {
            "Issue": track["issue"].astype(str),
            "Block": track["block"].astype(str),
            "Monitoring indicator": track["label"].astype(str),
            "Unit": track["unit"].astype(str),
            "Baseline (plan)": num("plan_baseline"),
            "Follow-up": num("followup"),
            "Target": num("target"),
            "Target date": track["target_date"].fillna(_DASH).astype(str),
            "Way to the target covered": track["progress"]
            .map(lambda x: _DASH if pd.isna(x) else fmt_pct(x))
            .mask(sens, NOT_SHOWN),
            "Time to the target date elapsed": track["time_elapsed"].map(
                lambda x: _DASH if pd.isna(x) else fmt_pct(x)
            ),
            "Status": track["status"].astype(str),
        }
    )


def plot_rate_ratios(
    changes: pd.DataFrame, codebook: Codebook | None = None, blocks: pd.DataFrame | None = None
):
    """Rate ratio (follow-up / baseline) of every rate with its 95 % interval, log scale.

    Sensitive rates with a count between 1 and 4 are left out, and so are the district's
    when a block counts 1-4 cases (``blocks``: as in :func:`change_reader_table`).
    """
    import matplotlib.pyplot as plt

    from leheranalysis import plotting

    cb = _cb(codebook)
    sens = sensitive_codes(cb)
    d = changes[changes["measure"] == "rate per 1,000"].copy()
    comp = block_small_counts(blocks, cb)
    d = d[
        [not _hidden(r, r["indicator"] in sens, comp.get(r["indicator"])) for _, r in d.iterrows()]
    ]
    d = d[np.isfinite(d["ratio"]) & np.isfinite(d["ratio_hi"]) & (d["ratio"] > 0)]
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(d), 2) + 1.6))
    y = np.arange(len(d))[::-1]
    colors = plotting.palette(3)
    col = [colors[0] if c else colors[2] for c in d["changed"]]
    lo = d["ratio"] - d["ratio_lo"].clip(lower=1e-3)
    hi = d["ratio_hi"] - d["ratio"]
    ax.errorbar(d["ratio"], y, xerr=[lo, hi], fmt="none", ecolor="#777777", capsize=3)
    ax.scatter(d["ratio"], y, c=col, zorder=3, s=36)
    ax.axvline(1, color="#333333", lw=1)
    ax.set_xscale("log")
    ax.set_yticks(y, d["label"])
    ax.set_xlabel("Rate at follow-up / rate at baseline (1 = no change; below 1 = fewer cases)")
    plotting.title(
        ax,
        "Change of each rate per 1,000 since the baseline",
        "dot: rate ratio, line: 95 % interval; dark dots: more than noise",
    )
    fig.tight_layout()
    return fig


def plot_share_changes(changes: pd.DataFrame):
    """Share of villages answering yes at baseline and follow-up (yes/no indicators)."""
    import matplotlib.pyplot as plt

    from leheranalysis import plotting

    d = changes[changes["measure"] == "share of villages"]
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(d), 2) + 1.6))
    y = np.arange(len(d))[::-1]
    colors = plotting.palette(2)
    ax.hlines(y, 100 * d["baseline"], 100 * d["followup"], color="#999999", lw=2)
    ax.scatter(100 * d["baseline"], y, color=colors[0], label="baseline", zorder=3, s=36)
    ax.scatter(100 * d["followup"], y, color=colors[1], label="follow-up", zorder=3, s=36)
    ax.set_yticks(y, d["label"])
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of villages where the answer was yes")
    ax.legend(loc="lower right", frameon=False)
    plotting.title(ax, "Yes/no answers: baseline and follow-up", "paired villages only")
    fig.tight_layout()
    return fig


def latest_rounds_reader_table(latest: pd.DataFrame) -> pd.DataFrame:
    """Across districts: the latest round of each and what changed since its baseline."""
    return pd.DataFrame(
        {
            "District": latest["district"].astype(str),
            "Latest round": [
                round_label(r, d)
                for r, d in zip(latest["round"], latest["reference_date"], strict=True)
            ],
            "Baseline date": latest["baseline_date"].fillna("not recorded").astype(str),
            "Villages compared": latest["villages"].astype(int).astype(str),
            "Indicators better / worse / no clear change": [
                f"{b} / {w} / {n}"
                for b, w, n in zip(
                    latest["better"], latest["worse"], latest["no_clear_change"], strict=True
                )
            ],
            "Improved beyond noise": latest["improved"].replace("", _DASH),
            "Worsened beyond noise": latest["worsened"].replace("", _DASH),
        }
    )
