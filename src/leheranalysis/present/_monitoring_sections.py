"""The monitoring report's sections with or without data (re-exported by
:mod:`leheranalysis.present.monitoring`).

Each function takes the stored comparison of a follow-up round (the derivation
``monitoring``, :mod:`leheranalysis._derive_monitoring`; None without a follow-up round)
and returns what one cell of notebook ``05-monitoring`` shows: a table, a figure, a
:class:`~leheranalysis.present.kit.NoData` sentence, or a list of them for
``display(*parts)``.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from leheranalysis.codebook import Codebook
from leheranalysis.present.kit import NoData, is_empty, styled

#: what the monitoring report says without a follow-up round
NO_FOLLOWUP = "No follow-up round has been ingested for this district: there is no change to show."


def _md(text: str):
    from IPython.display import Markdown

    return Markdown(text)


def _tables(derived: Any) -> dict[str, pd.DataFrame] | None:
    """The stored comparison's tables, None without a follow-up round."""
    if derived is None or derived["monitoring_changes"] is None:
        return None
    return derived.tables


def coverage_parts(follow: Any) -> list:
    """The baseline villages a follow-up round did not revisit and those it added
    (``follow``: the round's :class:`leheranalysis.processed.Processed`, or None)."""
    from leheranalysis.present.monitoring import coverage_table

    if follow is None:
        return [NoData(NO_FOLLOWUP)]
    cov = follow.manifest.get("coverage")
    table = coverage_table(cov)
    if cov is None:
        return [NoData("The follow-up round records no comparison with the baseline.")]
    if table.empty:
        return [NoData(f"All {cov['revisited']} baseline villages were revisited.")]
    return [styled(table, index=False)]


def change_parts(
    derived: Any, codebook: Codebook | None, adjust: str, alpha: float, shares_note: str
) -> list:
    """What changed: the summary sentences, the tests used, and the change table."""
    from leheranalysis.present import monitoring as pm

    tables = _tables(derived)
    if tables is None:
        return [NoData(NO_FOLLOWUP)]
    changes, by_block = tables["monitoring_changes"], tables["monitoring_block_changes"]
    return [
        _md("\n".join(f"- {s}" for s in pm.change_summary(changes))),
        _md(
            f"*{pm.adjustment_text(adjust, alpha)}; rates per 1,000 use {shares_note.rstrip('.')}.*"
        ),
        styled(pm.change_reader_table(changes, codebook, blocks=by_block)),
    ]


def plot_rate_changes(derived: Any, codebook: Codebook | None = None):
    """The rate ratios' figure (:func:`plot_rate_ratios`), or why there is none."""
    from leheranalysis.present import monitoring as pm

    tables = _tables(derived)
    if tables is None:
        return NoData(NO_FOLLOWUP)
    changes = tables["monitoring_changes"]
    if not (changes["measure"] == "rate per 1,000").any():
        return NoData("No rate per 1,000 was compared between the rounds.")
    return pm.plot_rate_ratios(changes, codebook, blocks=tables["monitoring_block_changes"])


def plot_yes_no_changes(derived: Any):
    """The yes/no answers' figure (:func:`plot_share_changes`), or why there is none."""
    from leheranalysis.present import monitoring as pm

    tables = _tables(derived)
    if tables is None:
        return NoData(NO_FOLLOWUP)
    changes = tables["monitoring_changes"]
    if not (changes["measure"] == "share of villages").any():
        return NoData("No yes/no answer was compared between the rounds.")
    return pm.plot_share_changes(changes)


def block_parts(derived: Any, codebook: Codebook | None = None) -> list:
    """The change table of each block, under a ``### <block>`` heading."""
    from leheranalysis.present import monitoring as pm

    tables = _tables(derived)
    if tables is None:
        return [NoData(NO_FOLLOWUP)]
    parts: list = []
    for name, g in tables["monitoring_block_changes"].groupby("block_name", sort=True):
        parts.append(_md(f"### {html.escape(str(name))}"))
        table = pm.change_reader_table(g.drop(columns=["block_id", "block_name"]), codebook)
        parts.append(styled(table))
    return parts


def triangulation_table(derived: Any, codebook: Codebook | None = None):
    """Agreement of registers and community in both rounds, or why there is none."""
    from leheranalysis.present import monitoring as pm

    tables = _tables(derived)
    if tables is None:
        return NoData(NO_FOLLOWUP)
    tri = tables["monitoring_triangulation"]
    if is_empty(tri):
        return NoData("No duty-bearer figure was compared with the community's in both rounds.")
    return styled(pm.triangulation_reader_table(tri, codebook), index=False)


def index_table(derived: Any):
    """The index of both rounds on one scale (villages that changed most), or why not."""
    from leheranalysis.present import monitoring as pm

    tables = _tables(derived)
    if tables is None:
        return NoData(NO_FOLLOWUP)
    idx = tables["monitoring_index"]
    if idx.empty:
        return NoData(f"The index could not be computed: {idx.attrs.get('error', 'no data')}")
    return styled(pm.index_reader_table(idx), index=False)


def plan_parts(
    derived: Any,
    plan: pd.DataFrame | None,
    plan_name: str | None,
    found: bool,
    dates: tuple[str | None, str | None],
    codebook: Codebook | None = None,
) -> list:
    """Progress against the plan: which plan was read (or why none), then each plan row
    with a target, its baseline, the value at follow-up and the status
    (:func:`leheranalysis.monitoring.plan_tracking`; ``dates``: the reference dates of the
    baseline and the follow-up round)."""
    from leheranalysis import monitoring
    from leheranalysis.present import monitoring as pm

    tables = _tables(derived)
    if tables is None:
        return [NoData("No follow-up round: no progress to track.")]
    parts: list = [_md(f"*{html.escape(pm.plan_note(plan, plan_name, found=found))}*")]
    if plan is None:
        return parts
    track = monitoring.plan_tracking(
        plan,
        tables["monitoring_changes"],
        tables["monitoring_block_changes"],
        baseline_date=dates[0],
        followup_date=dates[1],
        codebook=codebook,
    )
    if len(track):
        parts.append(styled(pm.plan_reader_table(track), index=False))
    return parts
