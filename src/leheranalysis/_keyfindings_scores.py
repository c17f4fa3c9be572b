"""Scoring of the key findings for :mod:`leheranalysis.keyfindings` (private).

Owns the selection rules (the codebook's ``key_findings`` section over the defaults),
:func:`score_issues` (every village indicator on the four criteria documented in
:mod:`leheranalysis.keyfindings`), the selection of the findings and
:func:`worst_blocks`. :mod:`leheranalysis.keyfindings` re-exports the public names;
import them from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from leheranalysis.codebook import Codebook, load_codebook

if TYPE_CHECKING:
    from leheranalysis.keyfindings import Evidence

#: counts of a sensitive issue from 1 to this minus one are never shown
_THRESHOLD = 5

_DEFAULT_RULES = {
    "n": 6,
    "max_per_domain": 2,
    "domain_limits": {"services_systems": 1},
    "min_villages": 5,
    "weights": {"severity": 2.0, "spread": 1.0, "register_gap": 1.0, "community_rank": 1.0},
}


def _cb(codebook: Codebook | None) -> Codebook:
    return codebook if codebook is not None else load_codebook()


def _rules(codebook: Codebook) -> dict[str, Any]:
    raw = getattr(codebook, "key_findings", None) or {}
    rules = {**_DEFAULT_RULES, **{k: v for k, v in raw.items() if k != "weights"}}
    rules["weights"] = {**_DEFAULT_RULES["weights"], **(raw.get("weights") or {})}
    rules["domain_limits"] = dict(raw.get("domain_limits", _DEFAULT_RULES["domain_limits"]) or {})
    return rules


# -------------------------------------------------------------------------- scoring
def _district(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["scope"] == "district"] if len(df) else df


def _severity_level(codebook: Codebook, code: str, values: pd.DataFrame) -> float:
    row = codebook.indicator(code)
    v = values.loc[values["indicator"] == code, "value"].astype(float)
    if v.empty:
        return np.nan
    unit, better = row["unit"], row["higher_is"] == "better"
    if unit == "yesno":
        yes = float((v > 0.5).mean())
        return 1.0 - yes if better else yes
    if unit == "score":
        lo, hi = float(row["min"]), float(row["max"])
        m = (float(v.mean()) - lo) / (hi - lo)
        return 1.0 - m if better else m
    if unit == "share":
        m = float(v.mean())
        m = m / 100.0 if m > 1.0 else m
        return 1.0 - m if better else m
    return 0.0


def _community_shares(shares: pd.DataFrame) -> pd.DataFrame:
    """District shares of villages where the community reported each issue, by indicator."""
    if not len(shares):
        return pd.DataFrame()
    d = _district(shares)
    return d[d["kind"] == "community"].set_index("indicator")


def _max_rate(rates: pd.DataFrame | None, codes: Sequence[str]) -> float:
    """The highest district rate per 1,000 among the candidate indicators (NaN: none)."""
    if rates is None or not len(rates):
        return np.nan
    r = rates["rate_per_1000"].reindex([c for c in codes if c in rates.index])
    return float(r.max()) if r.notna().any() else np.nan


def _register_gap(tri: pd.DataFrame, code: str) -> float:
    """Share of compared records where the community's figure was worse (NaN: none)."""
    if not len(tri):
        return np.nan
    t = tri[(tri["indicator"] == code) & (tri["agreement"].astype(object) != "no data")]
    return float(t["community_worse"].astype(bool).mean()) if len(t) else np.nan


def _weighted_score(crit: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """The weighted mean of the criteria present (absent ones left out)."""
    num = sum(weights[k] * v for k, v in crit.items() if np.isfinite(v))
    den = sum(weights[k] for k, v in crit.items() if np.isfinite(v))
    return num / den if den else np.nan


def score_issues(evidence: Evidence, codebook: Codebook | None = None) -> pd.DataFrame:
    """Score every village indicator on the four selection criteria.

    Parameters
    ----------
    evidence : Evidence
        From :func:`build_evidence`.
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        One row per village indicator with data: ``indicator``, ``domain``, ``unit``,
        ``issue`` (ranking-issue code or None), ``rate_per_1000``, ``severity``,
        ``spread``, ``register_gap``, ``community_rank``, ``score``, ``n_villages``,
        ``n_reported``, ``order`` (1 = best score). Sorted by ``order``.
    """
    cb = _cb(codebook)
    weights = _rules(cb)["weights"]
    ind = cb.indicators
    codes = list(ind.index[ind["instrument"] == "village"])
    rates = _district(evidence.rates).set_index("indicator") if len(evidence.rates) else None
    comm = _community_shares(evidence.shares)
    rank = _district(evidence.ranking)
    borda = rank.set_index("issue")["borda"] if len(rank) else pd.Series(dtype=float)
    issue_of = {
        str(r.indicator): str(r.code)
        for r in cb.ranking_issues.itertuples(index=False)
        if r.indicator is not None
    }
    max_rate = _max_rate(rates, codes)
    rows = []
    for code in (c for c in codes if c in comm.index):
        c = comm.loc[code]
        rate = np.nan
        if rates is not None and code in rates.index:
            rate = float(rates.at[code, "rate_per_1000"])
        if np.isfinite(rate) and np.isfinite(max_rate) and max_rate > 0:
            severity = rate / max_rate
        else:
            severity = _severity_level(cb, code, evidence.values)
        issue = issue_of.get(code)
        crit = {
            "severity": severity,
            "spread": float(c["share"]),
            "register_gap": _register_gap(evidence.triangulation, code),
            "community_rank": float(borda.get(issue, np.nan)) if issue is not None else np.nan,
        }
        rows.append(
            {
                "indicator": code,
                "domain": ind.at[code, "domain"],
                "unit": ind.at[code, "unit"],
                "issue": issue,
                "rate_per_1000": rate,
                **crit,
                "score": _weighted_score(crit, weights),
                "n_villages": int(c["n_villages"]),
                "n_reported": int(c["n_reported"]),
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out.assign(order=pd.Series(dtype=int))
    out["_o"] = out["indicator"].map({c: i for i, c in enumerate(codes)})
    out = out.sort_values(["score", "_o"], ascending=[False, True], kind="stable")
    out["order"] = np.arange(1, len(out) + 1)
    return out.drop(columns="_o").reset_index(drop=True)


def _select(scores: pd.DataFrame, rules: Mapping[str, Any], n: int) -> pd.DataFrame:
    chosen, per_domain = [], {}
    for _, row in scores.iterrows():
        if len(chosen) >= n:
            break
        if row["n_reported"] < rules["min_villages"] or not np.isfinite(row["score"]):
            continue
        limit = min(rules["max_per_domain"], rules["domain_limits"].get(row["domain"], 99))
        if per_domain.get(row["domain"], 0) >= limit:
            continue
        per_domain[row["domain"]] = per_domain.get(row["domain"], 0) + 1
        chosen.append(row)
    return pd.DataFrame(chosen).reset_index(drop=True)


# ----------------------------------------------------------------------- worst block
def _worst_row(
    code: str,
    ranked: pd.DataFrame,
    close: pd.DataFrame,
    measure: str,
    hidden: bool,
) -> dict[str, Any]:
    """The worst block of one indicator: ``ranked`` worst first, ``close`` within reach."""
    top = ranked.iloc[0]
    value = "rate_per_1000" if measure == "rate" else "share"
    rate = measure == "rate"
    return {
        "indicator": code,
        "block_id": top["block_id"],
        "block_name": top["block_name"],
        "measure": measure,
        "value": float(top[value]),
        "rate_lo": float(top["rate_lo"]) if rate else np.nan,
        "rate_hi": float(top["rate_hi"]) if rate else np.nan,
        "count": float(top["count"]) if rate else np.nan,
        "n_villages": int(top["n_villages"]),
        "n_reported": int(top["n_reported"]),
        "hidden": hidden,
        "clear": len(close) == 1,
        "close": [str(b) for b in close["block_name"]],
        "all_blocks": len(close) == len(ranked) and len(ranked) > 1,
        "low": float(ranked[value].min()),
    }


def _worst_by_rate(code: str, g: pd.DataFrame, r: pd.DataFrame, sensitive: bool) -> dict:
    """Worst block by the community's rate per 1,000 (``r``: the blocks' rates)."""
    m = r.merge(
        g[["block_id", "n_villages", "n_reported", "_i"]],
        on="block_id",
        suffixes=("_rate", ""),
    )
    m = m.sort_values(
        ["rate_per_1000", "n_reported", "_i"], ascending=[False, False, True], kind="stable"
    )
    top = m.iloc[0]
    # blocks whose interval reaches the top block's: not clearly below it
    close = m[m["rate_hi"].astype(float) >= float(top["rate_lo"])]
    hidden = sensitive and (
        bool(((r["count"] >= 1) & (r["count"] < _THRESHOLD)).any())
        or 1 <= int(top["n_reported"]) < _THRESHOLD
    )
    return _worst_row(code, m, close, "rate", hidden)


def _worst_by_share(code: str, g: pd.DataFrame, sensitive: bool) -> dict:
    """Worst block by the share of villages where the community reported the issue."""
    g = g.sort_values(["share", "n_reported", "_i"], ascending=[False, False, True], kind="stable")
    top = g.iloc[0]
    hidden = sensitive and bool(((g["n_reported"] >= 1) & (g["n_reported"] < _THRESHOLD)).any())
    close = g[g["share_hi"].astype(float) >= float(top["share_lo"])]
    return _worst_row(code, g, close, "share", hidden)


def worst_blocks(evidence: Evidence, codebook: Codebook | None = None) -> pd.DataFrame:
    """The block where each village indicator is worst.

    For a count with a population base: the block with the highest rate per 1,000 (the
    community's counts). Otherwise: the block with the highest share of villages where
    children or adults reported the issue (for a service: a problem). Ties go to the
    block with more reporting villages, then to the first block.

    Parameters
    ----------
    evidence : Evidence
    codebook : Codebook, optional

    Returns
    -------
    pandas.DataFrame
        ``indicator``, ``block_id``, ``block_name``, ``measure`` (``rate`` or
        ``share``), ``value`` (rate per 1,000 or share 0-1), ``rate_lo``, ``rate_hi``,
        ``count`` (cases, rates only), ``n_villages``, ``n_reported`` (villages where the
        community reported it), ``hidden`` (a sensitive count of 1-4 makes the block's
        figures unpublishable), ``clear`` (the block is ahead of every other beyond the
        95 % intervals: its interval lies above theirs), ``close`` (the blocks whose
        interval reaches the top block's, the top block first), ``all_blocks`` (every
        block is close) and ``low`` (the lowest block's value).
    """
    cb = _cb(codebook)
    sens = set(cb.indicators.index[cb.indicators["sensitive"]])
    shares = evidence.shares
    blk = (
        shares[(shares["scope"] == "block") & (shares["kind"] == "community")]
        if len(shares)
        else pd.DataFrame(columns=["indicator", "block_id"])
    )
    rates = evidence.rates
    rb = rates[rates["scope"] == "block"] if len(rates) else pd.DataFrame()
    rows = []
    for code, g in blk.groupby("indicator", sort=False):
        g = g.assign(_i=np.arange(len(g)))
        r = rb[rb["indicator"] == code] if len(rb) else rb
        if len(r) and r["rate_per_1000"].notna().any():
            rows.append(_worst_by_rate(code, g, r, code in sens))
        else:
            rows.append(_worst_by_share(code, g, code in sens))
    return pd.DataFrame(rows)
