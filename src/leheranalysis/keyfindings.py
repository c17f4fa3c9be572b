"""Key findings: the few issues a district should act on first, chosen by rules.

A district child protection officer reads the key findings first. They are not written
by hand per district: every village indicator of the codebook is a candidate, each is
scored on four criteria, and the best-scoring ones become plain sentences with their
magnitude, interval, worst block, what the duty bearers' records say and how the
figure compares with NFHS-5 and the departments' own data.

Selection rules (the codebook's ``key_findings`` section holds the weights)
----------------------------------------------------------------------------
Every criterion is a number from 0 (least) to 1 (most):

``severity``
    How large the problem is. For a count with a population base, its district rate per
    1,000 divided by the highest such rate among the district's candidates (so the
    issue with the highest rate scores 1). For a yes/no issue, the share of villages
    where children or adults reported it; for a score (1-5) of a service, how far the
    mean is below the best score, ``(5 - mean) / 4``; for a share of group members
    (helpline awareness), ``1 - mean share``. A count without a population base
    (unsafe places) has no measure of size: its severity is 0.
``spread``
    The share of villages where children's or adult groups reported the issue (for a
    service: a low score, a share under half, "no").
``register_gap``
    The share of compared village records where the community's figure was worse than
    the duty bearer's beyond the codebook tolerance: problems the registers miss.
    Absent when no duty bearer is asked about the issue.
``community_rank``
    The issue's normalised Borda score in the pairwise ranking by children's and adult
    groups (1 = every group ranked it first). Absent for issues not in the exercise.

The score is the weighted mean of the criteria present (absent criteria are left out,
not counted as 0). Issues are taken in order of score, at most ``max_per_domain`` per
domain (``domain_limits`` may lower it: one service finding, because services are the
means and the harm to children comes first), until ``n`` findings are chosen (5-8;
default 6). An issue reported in fewer than ``min_villages`` villages is never chosen.

Small counts
------------
Counts of sensitive issues between 1 and 4 never appear: a rate or village count that
would reveal one is replaced by "fewer than 5"; a district figure is hidden when a block
figure is (subtraction would give it back).

Examples
--------
>>> per_1000(24.53)
'25'
>>> per_1000(0.284)
'0.28'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leheranalysis._keyfindings_scores import (  # noqa: F401  (re-exported)
    _THRESHOLD,
    _cb,
    _district,
    _rules,
    _select,
    score_issues,
    worst_blocks,
)
from leheranalysis._reconcile import MARGIN, reconcile  # noqa: F401  (re-exported)
from leheranalysis.codebook import Codebook
from leheranalysis.errors import LeherError

__all__ = [
    "CRITERIA",
    "NFHS_LINKS",
    "DEPARTMENT_LINKS",
    "Evidence",
    "build_evidence",
    "score_issues",
    "key_findings",
    "describe",
    "key_findings_markdown",
    "worst_blocks",
    "with_reasons",
    "reconcile",
    "MARGIN",
    "nfhs_reference",
    "per_1000",
]

#: selection criteria in the order they are documented
CRITERIA = ("severity", "spread", "register_gap", "community_rank")
_DUTY_LABELS = {"teacher": "teacher", "aww": "Anganwadi worker", "asha": "ASHA"}

#: NFHS-5 district figure that speaks to a village indicator: NFHS code, how to turn the
#: published per cent into the DNA's unit (``complement``: 1,000 - 10 x %, ``per_1000``:
#: 10 x %), the phrase in the reader's words, and what differs from the DNA count.
NFHS_LINKS: dict[str, dict[str, str]] = {
    "births_not_registered": {
        "code": "birth_registration",
        "convert": "complement",
        "phrase": "of children under 5 had their birth registered",
        "differs": "children under 5 in a household survey, not births of the last 12 months",
    },
    "child_marriage_12m": {
        "code": "child_marriage",
        "convert": "",
        "phrase": "of women aged 20-24 were married before 18",
        "differs": "marriages over several years recalled by women 20-24, not the last 12 months",
    },
    "adolescent_pregnancy": {
        "code": "teen_pregnancy",
        "convert": "per_1000",
        "phrase": "of women aged 15-19 were already mothers or pregnant",
        "differs": "all girls 15-19 who ever had a child, not pregnancies known in the village",
    },
}

#: departmental (secondary template) indicator that speaks to a village indicator
DEPARTMENT_LINKS: dict[str, str] = {
    "oosc_6_14": "sec_oosc",
    "child_labour_5_17": "sec_child_labour_rescued",
    "girls_dropout_after_primary": "sec_dropout_rate",
    "births_not_registered": "sec_births_registered",
    "missing_trafficked": "sec_missing_children",
    "sexual_abuse_known": "sec_pocso_cases",
    "vlcpc_exists": "sec_vlcpc_formed",
    "vlcpc_met_quarter": "sec_blcpc_meetings",
    "awc_functioning": "sec_awc_functional_pct",
}


def per_1000(x: float) -> str:
    """A rate per 1,000 rounded for a sentence: whole numbers from 10, else 2 digits.

    Examples
    --------
    >>> per_1000(126.6), per_1000(3.14159), per_1000(float("nan"))
    ('127', '3.1', '-')
    """
    if x is None or not np.isfinite(x):
        return "-"
    if abs(x) >= 10:
        return f"{x:,.0f}"
    return f"{x:.2g}" if abs(x) < 1 else f"{x:.1f}"


# ------------------------------------------------------------------------- evidence
@dataclass
class Evidence:
    """The derived tables the key findings and the plan are built from.

    Attributes
    ----------
    district : str
        District name.
    rates : pandas.DataFrame
        :func:`leheranalysis.indicators.population_weighted_rates` (community).
    shares : pandas.DataFrame
        :func:`leheranalysis.indicators.share_of_villages_reporting`, kinds ``community``
        and ``duty_bearer``, blocks and district.
    values : pandas.DataFrame
        :func:`leheranalysis.indicators.village_values` (community).
    triangulation : pandas.DataFrame
        :func:`leheranalysis.indicators.triangulate`.
    ranking : pandas.DataFrame
        :func:`leheranalysis.indicators.issue_ranking` (district, all groups), may be empty.
    secondary : pandas.DataFrame
        :func:`leheranalysis.indicators.secondary_indicators`, may be empty.
    nfhs : dict of str to float
        NFHS-5 district values by NFHS code (:func:`nfhs_reference`).
    part2 : pandas.DataFrame
        Part II rows of the observations (block officials' responses).
    duty_rates : pandas.DataFrame
        :func:`leheranalysis.indicators.population_weighted_rates` of the duty bearers'
        own counts (``source="duty_bearer"``), may be empty.
    synthetic : bool
        True when the data are SYNTHETIC.
    """

    district: str
    rates: pd.DataFrame
    shares: pd.DataFrame
    values: pd.DataFrame
    triangulation: pd.DataFrame
    ranking: pd.DataFrame
    secondary: pd.DataFrame
    nfhs: dict[str, float] = field(default_factory=dict)
    part2: pd.DataFrame = field(default_factory=pd.DataFrame)
    duty_rates: pd.DataFrame = field(default_factory=pd.DataFrame)
    synthetic: bool = False


def nfhs_reference(district: str, root: Any = None) -> dict[str, float]:
    """NFHS-5 district values that the key findings compare with.

    Parameters
    ----------
    district : str
        District name (any spelling :func:`leheranalysis.nfhs.resolve_district` accepts).
    root : path-like, optional
        Public data folder.

    Returns
    -------
    dict of str to float
        NFHS code (``birth_registration``, ``child_marriage``, ``teen_pregnancy``) to the
        published per cent; empty when the fact sheets are absent or the district is
        synthetic or not covered.
    """
    from leheranalysis import nfhs
    from leheranalysis.gazetteer import is_synthetic_name

    if is_synthetic_name(district):
        return {}
    out: dict[str, float] = {}
    for link in NFHS_LINKS.values():
        try:
            value = nfhs.district_value(district, link["code"], root=root)
        except (LeherError, OSError, ValueError, KeyError):
            continue
        if np.isfinite(value):
            out[link["code"]] = float(value)
    return out


def build_evidence(
    observations: pd.DataFrame,
    villages: pd.DataFrame,
    rankings: pd.DataFrame | None = None,
    blocks: pd.DataFrame | None = None,
    codebook: Codebook | None = None,
    shares: Mapping[str, float] | None = None,
    district: str = "",
    nfhs_values: Mapping[str, float] | None = None,
    synthetic: bool = False,
) -> Evidence:
    """Compute the derived tables of :class:`Evidence` from processed tables.

    Parameters
    ----------
    observations : pandas.DataFrame
        The ``observations`` table (participants rows are dropped here).
    villages : pandas.DataFrame
        The ``villages`` table (population).
    rankings : pandas.DataFrame, optional
        The ``rankings`` table.
    blocks : pandas.DataFrame, optional
        The ``blocks`` table (names for the ranking).
    codebook : Codebook, optional
    shares : mapping, optional
        Denominator shares (:func:`leheranalysis.indicators.denominator_shares`).
    district : str
        District name (sentences only).
    nfhs_values : mapping, optional
        NFHS-5 values by NFHS code (:func:`nfhs_reference`); none when omitted.
    synthetic : bool
        The data are SYNTHETIC.

    Returns
    -------
    Evidence
    """
    from leheranalysis import indicators as ind
    from leheranalysis.processed import analysis_observations

    cb = _cb(codebook)
    part2 = observations[observations["instrument"] == "part2"].copy()
    obs = analysis_observations(observations, cb)
    has_village = bool((obs["instrument"] == "village").any())
    empty = pd.DataFrame()
    ranking = empty
    if rankings is not None and len(rankings):
        rk = rankings
        if blocks is not None and "block_name" not in rk:
            names = dict(zip(blocks["block_id"].astype("int64"), blocks["block_name"], strict=True))
            rk = rk.assign(block_name=rk["block_id"].map(lambda b: names.get(int(b), str(b))))
        ranking = ind.issue_ranking(rk, cb, by="both", kinds=("all",))
    sec = ind.secondary_indicators(obs, cb) if (obs["instrument"] == "secondary").any() else empty
    return Evidence(
        district=district,
        rates=ind.population_weighted_rates(
            obs, villages, cb, shares=dict(shares) if shares else None
        )
        if has_village
        else empty,
        shares=ind.share_of_villages_reporting(obs, cb, kinds=("community", "duty_bearer"))
        if has_village
        else empty,
        values=ind.village_values(obs, cb) if has_village else empty,
        triangulation=with_reasons(ind.triangulate(obs, cb, villages), observations)
        if has_village
        else empty,
        ranking=ranking,
        secondary=sec,
        nfhs=dict(nfhs_values or {}),
        part2=part2,
        duty_rates=ind.population_weighted_rates(
            obs, villages, cb, source="duty_bearer", shares=dict(shares) if shares else None
        )
        if has_village
        else empty,
        synthetic=synthetic,
    )


def with_reasons(tri: pd.DataFrame, observations: pd.DataFrame) -> pd.DataFrame:
    """Add the duty bearer's reason code (``reason``, None when not given) to a triangulation.

    Parameters
    ----------
    tri : pandas.DataFrame
        :func:`leheranalysis.indicators.triangulate`.
    observations : pandas.DataFrame
        The ``observations`` table (its ``reason`` column; absent in data ingested before
        reason codes existed, then every reason is None).

    Returns
    -------
    pandas.DataFrame
        ``tri`` with a ``reason`` column.
    """
    out = tri.copy()
    if "reason" in out:
        return out
    if "reason" not in observations or tri.empty:
        out["reason"] = None
        return out
    db = observations[(observations["instrument"] == "village") & observations["reason"].notna()]
    db = db[["village_id", "indicator", "group", "reason"]].rename(columns={"group": "duty_bearer"})
    out = out.merge(
        db.astype({"village_id": "Int64"}),
        on=["village_id", "indicator", "duty_bearer"],
        how="left",
    )
    out["reason"] = out["reason"].astype(object).where(out["reason"].notna(), None)
    return out


# ------------------------------------------------------------------------ sentences
def _plain_label(cb: Codebook, code: str) -> str:
    label = str(cb.indicator(code)["label"])
    for suffix in (" (score 1-5)", " (%)"):
        label = label.removesuffix(suffix)
    return label


def _den_label(cb: Codebook, code: str) -> str:
    den = cb.indicator(code)["denominator"]
    text = str(cb.denominators.at[den, "label"]) if den in cb.denominators.index else str(den)
    return text[0].lower() + text[1:] if text[:1].isupper() and text[1:2].islower() else text


def _villages(n: int, of: int, sensitive: bool) -> str:
    if sensitive and 1 <= n < _THRESHOLD:
        return f"fewer than 5 of {of} villages"
    return f"{n} of {of} villages"


def _magnitude(cb: Codebook, code: str, ev: Evidence, hidden_total: bool) -> dict[str, Any]:
    """Magnitude sentence part, value, interval and unit of one indicator, district-wide."""
    row = cb.indicator(code)
    sens = bool(row["sensitive"])
    rates = _district(ev.rates)
    r = rates[rates["indicator"] == code] if len(rates) else rates
    shares = _district(ev.shares)
    s = shares[(shares["indicator"] == code) & (shares["kind"] == "community")].iloc[0]
    villages = _villages(int(s["n_reported"]), int(s["n_villages"]), sens)
    if len(r) and np.isfinite(float(r["rate_per_1000"].iloc[0])):
        rr = r.iloc[0]
        if sens and 1 <= float(rr["count"]) < _THRESHOLD:
            text = f"fewer than 5 cases known in the programme villages ({villages})"
        elif hidden_total:
            text = (
                f"children or adults reported it in {villages}; the rate is not shown "
                "because a block has fewer than 5 cases"
            )
        if hidden_total or (sens and 1 <= float(rr["count"]) < _THRESHOLD):
            return {
                "text": text,
                "value": np.nan,
                "lo": np.nan,
                "hi": np.nan,
                "unit": f"per 1,000 {_den_label(cb, code)}",
            }
        unit = f"per 1,000 {_den_label(cb, code)}"
        text = (
            f"about {per_1000(rr['rate_per_1000'])} {unit} (95 % CI "
            f"{per_1000(rr['rate_lo'])}-{per_1000(rr['rate_hi'])}) in the programme villages, "
            f"reported by children or adults in {villages}"
        )
        return {
            "text": text,
            "value": float(rr["rate_per_1000"]),
            "lo": float(rr["rate_lo"]),
            "hi": float(rr["rate_hi"]),
            "unit": unit,
        }
    share, lo, hi = float(s["share"]), float(s["share_lo"]), float(s["share_hi"])
    what = "reported it"
    if row["higher_is"] == "better":
        what = {
            "yesno": 'said "no"',
            "score": "gave a low score (2 or less)",
            "share": "said fewer than half of their members know it",
        }.get(str(row["unit"]), "reported a problem")
    if sens and 1 <= int(s["n_reported"]) < _THRESHOLD:
        text = f"children or adults {what} in {villages}"
        return {"text": text, "value": np.nan, "lo": np.nan, "hi": np.nan, "unit": "% of villages"}
    text = (
        f"children or adults {what} in {100 * share:.0f} % of villages ({villages}; 95 % CI "
        f"{100 * lo:.0f}-{100 * hi:.0f} %)"
    )
    level = _mean_level(cb, code, ev.values)
    if level is None:
        return {
            "text": text,
            "value": 100 * share,
            "lo": 100 * lo,
            "hi": 100 * hi,
            "unit": "% of villages",
        }
    lead, value, vlo, vhi, unit = level
    return {"text": f"{lead}; {text}", "value": value, "lo": vlo, "hi": vhi, "unit": unit}


def _mean_level(cb: Codebook, code: str, values: pd.DataFrame) -> tuple | None:
    """Mean over villages of a score or share, with a normal 95 % interval.

    Returns ``(sentence part, mean, lo, hi, unit)`` or None for other units.
    """
    row = cb.indicator(code)
    v = values.loc[values["indicator"] == code, "value"].astype(float).dropna()
    if v.empty or row["unit"] not in ("score", "share"):
        return None
    scale = 100.0 if row["unit"] == "share" and float(v.max()) <= 1.0 else 1.0
    v = v * scale
    m = float(v.mean())
    half = 1.96 * float(v.std(ddof=1)) / np.sqrt(len(v)) if len(v) > 1 else np.nan
    lo, hi = m - half, m + half
    if row["unit"] == "score":
        top = float(row["max"])
        ci = f" (95 % CI {lo:.1f}-{hi:.1f})" if np.isfinite(half) else ""
        return (
            f"mean score {m:.1f} of {top:.0f}{ci} over {len(v)} villages",
            m,
            lo,
            hi,
            f"mean score (1-{top:.0f})",
        )
    ci = f" (95 % CI {max(lo, 0):.0f}-{min(hi, 100):.0f} %)" if np.isfinite(half) else ""
    return (
        f"on average {m:.0f} % of group members{ci} over {len(v)} villages",
        m,
        lo,
        hi,
        "% of group members",
    )


def _worst_text(cb: Codebook, code: str, w: pd.Series | None) -> str:
    if w is None:
        return ""
    sens = bool(cb.indicator(code)["sensitive"])
    vil = _villages(int(w["n_reported"]), int(w["n_villages"]), sens)
    if w["hidden"]:
        return f"block figures are not shown: a block has fewer than 5 {'cases' if w['measure'] == 'rate' else 'villages'}"
    rate = w["measure"] == "rate"
    if not w.get("clear", True):
        if rate:
            low, high, unit = per_1000(w["low"]), per_1000(w["value"]), " per 1,000"
        else:
            low, high = f"{100 * w['low']:.0f}", f"{100 * w['value']:.0f}"
            unit = " % of villages"
        span = f"{high}{unit} in every block" if low == high else f"{low}-{high}{unit}"
        if w.get("all_blocks"):
            return f"similar in all blocks ({span}; the blocks' 95 % intervals overlap)"
        names = list(w["close"])
        return (
            f"highest in {', '.join(names[:-1])} and {names[-1]}, which do not differ beyond "
            "their 95 % intervals"
        )
    if rate:
        return (
            f"highest in {w['block_name']}: {per_1000(w['value'])} per 1,000 (95 % CI "
            f"{per_1000(w['rate_lo'])}-{per_1000(w['rate_hi'])}; reported in {vil})"
        )
    return f"most often in {w['block_name']} ({100 * w['value']:.0f} %, {vil})"


def _duty_text(cb: Codebook, code: str, tri: pd.DataFrame) -> str:
    """What the duty bearers' records say, both directions, phrased for the unit."""
    if tri is None or tri.empty:
        return ""
    t = tri[(tri["indicator"] == code) & (tri["agreement"].astype(object) != "no data")]
    if t.empty:
        return ""
    row = cb.indicator(code)
    sens = bool(row["sensitive"])
    n = len(t)
    more_c = int((t["agreement"].astype(object) == "community higher").sum())
    more_d = int((t["agreement"].astype(object) == "duty bearer higher").sum())
    names = [_DUTY_LABELS.get(d, d) for d in dict.fromkeys(t["duty_bearer"])]
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    if sens and (1 <= more_c < _THRESHOLD or 1 <= more_d < _THRESHOLD):
        return (
            f"Compared with the records of the {who} in {n} village records; the split is "
            "not shown because a class has fewer than 5."
        )
    unit = str(row["unit"])
    if unit == "count":
        c_more, d_more = "counted more cases", "recorded more cases"
    elif unit == "score":
        better = row["higher_is"] == "better"
        c_more = "rated the service better" if better else "gave a higher score"
        d_more = "rated the service better" if better else "gave a higher score"
    elif unit == "yesno":
        c_more, d_more = 'said "yes"', 'said "yes"'
    else:
        c_more, d_more = "gave a higher share", "gave a higher share"
    return (
        f"Against the records of the {who} ({n} village records compared): the community "
        f"{c_more} in {100 * more_c / n:.0f} %, the duty bearer {d_more} in "
        f"{100 * more_d / n:.0f} %."
    )


def _nfhs_text(code: str, ev: Evidence, district: str) -> str:
    link = NFHS_LINKS.get(code)
    if not link or link["code"] not in ev.nfhs:
        return ""
    v = ev.nfhs[link["code"]]
    conv = ""
    if link["convert"] == "complement":
        conv = f" (about {1000 - 10 * v:,.0f} of every 1,000 not registered)"
    elif link["convert"] == "per_1000":
        conv = f" (about {10 * v:,.0f} per 1,000)"
    where = f" in {district}" if district else ""
    return f"NFHS-5 (2019-21){where}: {v:.1f} % {link['phrase']}{conv}; {link['differs']}."


def _department_text(cb: Codebook, code: str, sec: pd.DataFrame) -> str:
    sc = DEPARTMENT_LINKS.get(code)
    if not sc or sec is None or sec.empty:
        return ""
    s = sec[(sec["indicator"] == sc) & sec["value"].notna()]
    if s.empty:
        return ""
    year = sorted(s["year"].dropna().astype(str))[-1]
    s = s[s["year"].astype(str) == year]
    sens = (
        sc in set(cb.indicators.index[cb.indicators["sensitive"]])
        if sc in cb.indicators.index
        else False
    )
    blocks = s[s["scope"] == "block"]
    total = s[s["scope"] == "district"]
    label = (
        str(cb.indicators.at[sc, "label"]) if sc in cb.indicators.index else sc.replace("_", " ")
    )
    if sc in cb.indicators.index and cb.indicators.at[sc, "unit"] == "count":
        if sens and bool(((blocks["value"] >= 1) & (blocks["value"] < _THRESHOLD)).any()):
            return f"Departmental data {year}: {label}: not shown (a block has fewer than 5)."
        if len(total) and np.isfinite(float(total["value"].iloc[0])):
            return (
                f"Departmental data {year}: {label}: {float(total['value'].iloc[0]):,.0f} in "
                f"the {len(blocks)} blocks (whole blocks, not only the programme villages)."
            )
        return ""
    vals = ", ".join(
        f"{b} {float(v):.0f} %" for b, v in zip(blocks["block_name"], blocks["value"], strict=True)
    )
    return f"Departmental data {year}: {label}: {vals}." if vals else ""


def key_findings(
    evidence: Evidence,
    codebook: Codebook | None = None,
    n: int | None = None,
) -> pd.DataFrame:
    """Choose the key findings and write each as plain sentences.

    Parameters
    ----------
    evidence : Evidence
        From :func:`build_evidence`.
    codebook : Codebook, optional
    n : int, optional
        Number of findings, 5-8 (default the codebook's ``key_findings.n``, 6). Fewer
        when fewer issues qualify.

    Returns
    -------
    pandas.DataFrame
        One row per finding, in order: ``order``, ``indicator``, ``issue``, ``domain``,
        ``title``, ``magnitude`` (sentence part), ``value``, ``lo``, ``hi``, ``unit``,
        ``worst_block``, ``worst_block_id`` (None unless one block is ahead of the others
        beyond the 95 % intervals), ``worst`` (sentence part), ``duty_bearers``,
        ``nfhs``, ``department`` (sentences, ``""`` when nothing to say), ``score`` and
        the four criteria. Nothing in it reveals a sensitive count of 1-4.

    Raises
    ------
    ValueError
        If ``n`` is outside 5-8.
    """
    cb = _cb(codebook)
    rules = _rules(cb)
    n = int(rules["n"] if n is None else n)
    if not 5 <= n <= 8:
        raise ValueError(f"key findings: n must be between 5 and 8, got {n}")
    scores = score_issues(evidence, cb)
    if scores.empty:
        return describe(evidence, [], cb)
    chosen = _select(scores, rules, n)
    return describe(evidence, list(chosen["indicator"]) if len(chosen) else [], cb, scores)


def describe(
    evidence: Evidence,
    indicators: Sequence[str],
    codebook: Codebook | None = None,
    scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Write the finding sentences of the given village indicators, in that order.

    Parameters
    ----------
    evidence : Evidence
    indicators : sequence of str
        Village indicator codes with community answers.
    codebook : Codebook, optional
    scores : pandas.DataFrame, optional
        :func:`score_issues` (computed when omitted).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`key_findings`.
    """
    cb = _cb(codebook)
    cols = [
        "order",
        "indicator",
        "issue",
        "domain",
        "title",
        "magnitude",
        "value",
        "lo",
        "hi",
        "unit",
        "worst_block",
        "worst_block_id",
        "worst",
        "duty_bearers",
        "nfhs",
        "department",
        "score",
        *CRITERIA,
    ]
    if not len(indicators):
        return pd.DataFrame(columns=cols)
    scores = score_issues(evidence, cb) if scores is None else scores
    chosen = scores.set_index("indicator").loc[list(indicators)].reset_index()
    worst = worst_blocks(evidence, cb)
    worst = worst.set_index("indicator") if len(worst) else worst
    rows = []
    for i, c in enumerate(chosen.itertuples(index=False), start=1):
        code = c.indicator
        w = worst.loc[code] if len(worst) and code in worst.index else None
        hidden_total = bool(w is not None and w["hidden"])
        # a block is named worst only when it is ahead of the others beyond the intervals
        named = None if w is None or w["hidden"] or not w.get("clear", True) else w
        mag = _magnitude(cb, code, evidence, hidden_total)
        rows.append(
            {
                "order": i,
                "indicator": code,
                "issue": c.issue,
                "domain": str(cb.domains.at[c.domain, "label"]),
                "title": _plain_label(cb, code),
                "magnitude": mag["text"],
                "value": mag["value"],
                "lo": mag["lo"],
                "hi": mag["hi"],
                "unit": mag["unit"],
                "worst_block": None if named is None else str(named["block_name"]),
                "worst_block_id": None if named is None else int(named["block_id"]),
                "worst": _worst_text(cb, code, w),
                "duty_bearers": _duty_text(cb, code, evidence.triangulation),
                "nfhs": _nfhs_text(code, evidence, evidence.district),
                "department": _department_text(cb, code, evidence.secondary),
                "score": c.score,
                **{k: getattr(c, k) for k in CRITERIA},
            }
        )
    return pd.DataFrame(rows, columns=cols)


def key_findings_markdown(findings: pd.DataFrame, synthetic: bool = False) -> str:
    """The key findings as a numbered Markdown list (the report's opening section).

    Parameters
    ----------
    findings : pandas.DataFrame
        Output of :func:`key_findings`.
    synthetic : bool
        Prefix a SYNTHETIC warning.

    Returns
    -------
    str
        Markdown; every value from the data is a number or a codebook or block name,
        with ``*``, ``_``, ``<``, ``>`` and ``&`` escaped.
    """
    if findings.empty:
        return "*No village data: no key findings.*"
    lines = []
    if synthetic:
        lines.append(
            "**SYNTHETIC demonstration data: these findings describe invented villages.**\n"
        )
    for r in findings.itertuples(index=False):
        parts = [f"{_md(r.magnitude)[0].upper()}{_md(r.magnitude)[1:]}"]
        if r.worst:
            parts.append(_md(r.worst))
        text = "; ".join(parts) + "."
        extra = " ".join(_md(x) for x in (r.duty_bearers, r.nfhs, r.department) if x)
        lines.append(f"{r.order}. **{_md(r.title)}**: {text} {extra}".rstrip())
    return "\n".join(lines)


def _md(text: str) -> str:
    out = str(text)
    for ch, rep in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("*", r"\*"), ("_", r"\_")):
        out = out.replace(ch, rep)
    return out
