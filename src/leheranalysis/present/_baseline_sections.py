"""Report 02's sections with or without data (re-exported by :mod:`leheranalysis.present.baseline`).

Each function returns what one notebook cell shows - an IPython object, a
:class:`~leheranalysis.present.kit.NoData` sentence saying what is missing, or a list of them
for ``display(*parts)`` - so that the cell is a single call with or without data. The
sentences the presenters of report 02 give without data are the ``NO_*`` constants.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from leheranalysis.codebook import Codebook
from leheranalysis.present._baseline_index import (
    cpvi_block_table,
    plot_caterpillar,
    plot_sensitivity,
    priority_table,
    sensitivity_table,
)
from leheranalysis.present.kit import NoData, is_empty, or_no_data, styled

# What report 02 shows where the district's data has nothing for a section (the presenters
# given no data return these sentences, :class:`leheranalysis.present.kit.NoData`).
NO_VILLAGE_DATA = (
    "No village-tool data for this district: no children's or adult group answers were "
    "ingested, so no share of villages can be given."
)
NO_RANKING_DATA = (
    "No ranking-exercise data for this district: no children's or adult group ranked the issues."
)
NO_TRIANGULATION_DATA = (
    "No duty-bearer evidence to compare for this district: the village tool holds no "
    "teacher's, Anganwadi worker's or ASHA's figure beside the groups' evidence."
)
NO_RATE_DATA = (
    "No counts with a population base for this district: no rate per 1,000 children can be "
    "computed."
)
NO_SECONDARY_DATA = (
    "No secondary block data for this district: the departments' figures by block and year "
    "were not ingested."
)
NO_INDEX = (
    "No vulnerability index for this district: the reason is given at the start of the "
    "index section."
)


def _md(text: str):
    from IPython.display import Markdown

    return Markdown(text)


@or_no_data(NO_VILLAGE_DATA)
def headline_list(shares: pd.DataFrame, codebook: Codebook | None = None, top: int = 3):
    """The headline sentences (:func:`leheranalysis.present.baseline.headline_sentences`)
    as a Markdown list."""
    from leheranalysis.present.baseline import headline_sentences

    return _md("\n".join(f"- {s}" for s in headline_sentences(shares, codebook, top=top)))


def discrepancy_parts(
    tri: pd.DataFrame | None,
    observations: pd.DataFrame,
    codebook: Codebook | None = None,
    n: int = 10,
) -> list:
    """The largest discrepancies, first where the community reported more, then where the
    duty bearer did (:func:`leheranalysis.present.planning.largest_by_direction`), each
    under a bold title; one :data:`NO_TRIANGULATION_DATA` sentence without evidence."""
    from leheranalysis.present import planning as pp

    if is_empty(tri):
        return [NoData(NO_TRIANGULATION_DATA)]
    both = pp.largest_by_direction(tri, observations, codebook, n=n)
    parts: list = []
    for direction, title in (
        ("community higher", "Where the community reported more"),
        ("duty bearer higher", "Where the duty bearer reported more"),
    ):
        parts.append(_md(f"**{title}**"))
        if both[direction].empty:
            parts.append(NoData("No village where this side reported more."))
        else:
            parts.append(styled(both[direction], index=False))
    return parts


def part2_parts(commitments: pd.DataFrame | None, codebook: Codebook | None = None) -> list:
    """The block officials' Part II commitments: a summary list, then one table per block
    under a ``### Commitments: <block>`` heading; a sentence when there are none."""
    from leheranalysis.present import planning as pp

    if is_empty(commitments):
        return [
            NoData(
                "No Part II responses for this district: the block officials' tool holds "
                "no response to the villages' evidence."
            )
        ]
    parts = [_md("\n".join(f"- {s}" for s in pp.part2_summary(commitments, codebook)))]
    for block_name in dict.fromkeys(commitments["block"]):
        parts.append(_md(f"### Commitments: {block_name}"))
        parts.append(styled(pp.part2_block_table(commitments, block_name), index=False))
    return parts


def index_summary(cpvi: Any, error: str | None = None, cpvi_config: str = "") -> list:
    """How many villages the index scores, with how many recomputations and what was left
    out; why there is no index when ``cpvi`` (:class:`leheranalysis.derive.CPVITables`) is
    None."""
    parts: list = []
    if error:
        parts.append(NoData(f"The index could not be computed: {error}"))
    if cpvi is None:
        return parts or [NoData(NO_INDEX)]
    scored = int(cpvi.villages[cpvi.code].notna().sum())
    note = f" Left out for lack of data: {', '.join(cpvi.dropped)}." if cpvi.dropped else ""
    if cpvi_config:
        note += f" Configuration: {cpvi_config} (edited, not the packaged default)."
    parts.append(
        _md(
            f"{scored} of {len(cpvi.villages)} villages have an index score; "
            f"{cpvi.n:,} recomputations.{note}"
        )
    )
    return parts


def plot_rank_intervals(cpvi: Any):
    """The caterpillar plot of the stored index (:func:`plot_caterpillar`), or NoData."""
    if cpvi is None:
        return NoData(NO_INDEX)
    return plot_caterpillar(cpvi.villages, priority_quantile=cpvi.priority_quantile)


def priority_parts(cpvi: Any) -> list:
    """The priority villages' table and the rule that picks them; when no village qualifies,
    a sentence and up to ten villages with the highest ranks instead."""
    from leheranalysis.present import planning as pp

    if cpvi is None:
        return [NoData(NO_INDEX)]
    parts: list = []
    prio = priority_table(cpvi.villages)
    if prio.empty:
        parts.append(
            _md(
                "No village is certainly among the most vulnerable fifth. Up to ten villages "
                "with the highest ranks are shown instead."
            )
        )
        prio = priority_table(cpvi.villages, top=10)
    parts.append(styled(prio, index=False))
    parts.append(_md(pp.priority_rule_text(cpvi.villages, cpvi.priority_quantile)))
    return parts


def why_priority(cpvi: Any):
    """Why each priority village is one (:func:`leheranalysis.present.planning.priority_reasons`)."""
    from leheranalysis.present import planning as pp

    why = pp.priority_reasons(cpvi.villages, cpvi.meta) if cpvi is not None else None
    if why is None or why.empty:
        return NoData("No priority village.")
    return styled(why, index=False)


def index_block_parts(cpvi: Any, block_rates: pd.DataFrame | None = None) -> list:
    """The blocks' index and domain scores (:func:`cpvi_block_table`) and, when it says
    something, how their order compares with the block rates."""
    from leheranalysis.present import planning as pp

    if cpvi is None or cpvi.blocks.empty:
        return [NoData(NO_INDEX)]
    parts = [styled(cpvi_block_table(cpvi.blocks, cpvi.meta), index=False)]
    order_note = pp.block_order_text(cpvi.blocks, cpvi.meta, block_rates)
    if order_note:
        parts.append(_md(order_note))
    return parts


_NO_SENSITIVITY = (
    "No sensitivity analysis for this district: the index was not computed, or computed "
    "without recomputations."
)


def plot_index_sensitivity(cpvi: Any):
    """The sensitivity chart of the stored index (:func:`plot_sensitivity`), or NoData."""
    if cpvi is None or cpvi.sensitivity.empty:
        return NoData(_NO_SENSITIVITY)
    return plot_sensitivity(cpvi.sensitivity)


def sensitivity_parts(cpvi: Any) -> list:
    """The sensitivity table and sentence under :func:`plot_index_sensitivity` (nothing
    more to say without a sensitivity analysis: the chart's place said why)."""
    from leheranalysis.present import planning as pp

    if cpvi is None or cpvi.sensitivity.empty:
        return []
    return [
        styled(sensitivity_table(cpvi.sensitivity), index=False),
        _md(pp.sensitivity_sentence(cpvi.sensitivity, cpvi.villages)),
    ]
