"""Presenters of the district-comparison report (notebook ``04-district-comparison``).

Each function takes the comparison's tables (:mod:`leheranalysis.comparison`) and returns
what one notebook cell shows: a table, a figure, a
:class:`~leheranalysis.present.kit.NoData` sentence saying what is missing, or a list of them
for ``display(*parts)``. Nothing here reads or writes files, except that
:func:`latest_rounds_section` reads the follow-up rounds of the districts it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from leheranalysis.present.kit import NoData, styled

__all__ = [
    "headline_section",
    "plot_headline",
    "index_parts",
    "plot_index",
    "latest_rounds_section",
    "nfhs_parts",
    "plot_nfhs_levels",
    "nfhs_district_section",
    "plot_nfhs_change",
    "nfhs_change_section",
]


def _md(text: str):
    from IPython.display import Markdown

    return Markdown(text)


def headline_section(shares: pd.DataFrame):
    """The districts' headline shares side by side (:func:`comparison.headline_table`)."""
    from leheranalysis import comparison

    if shares.empty:
        return NoData("No data: no district has village-level DNA observations.")
    return comparison.headline_table(shares)


def plot_headline(shares: pd.DataFrame, district: str):
    """The headline shares' figure, or NoData (the table's place already says why)."""
    from leheranalysis import comparison

    if shares.empty:
        return NoData("No data: no district has village-level DNA observations.")
    return comparison.headline_figure(shares, highlight=district)


def index_parts(scores: pd.DataFrame) -> list:
    """Why a district has no index, then the index's summary by scale and district."""
    from leheranalysis import comparison

    parts: list = [
        _md(f"_No index for {name}: {reason}_")
        for name, reason in scores.attrs.get("skipped", {}).items()
    ]
    if scores.empty:
        parts.append(NoData("No data: the index could not be computed for any district."))
    else:
        parts.append(comparison.index_summary(scores).set_index(["Scale", "District"]))
    return parts


def plot_index(scores: pd.DataFrame, district: str):
    """The index distributions' figure, or NoData."""
    from leheranalysis import comparison

    if scores.empty:
        return NoData("No data: the index could not be computed for any district.")
    return comparison.index_figure(scores, highlight=district)


def latest_rounds_section(processed: Mapping[str, Any]):
    """What changed in each district's latest round against its baseline
    (:func:`leheranalysis.monitoring.latest_round_changes`), or why there is nothing."""
    from leheranalysis import monitoring
    from leheranalysis.present.monitoring import latest_rounds_reader_table
    from leheranalysis.processed import latest_round

    pairs = {}
    for name, proc in processed.items():
        later = latest_round(proc.folder)
        if later is not None:
            pairs[name] = (
                monitoring.RoundData.from_processed(proc),
                monitoring.RoundData.from_processed(later),
            )
    if not pairs:
        return NoData("No district has a follow-up round yet: no data.")
    return styled(latest_rounds_reader_table(monitoring.latest_round_changes(pairs)), index=False)


def nfhs_parts(cmp: pd.DataFrame, not_in_nfhs: Mapping[str, str], caveats: str) -> list:
    """The NFHS-5 caveats, the districts left out and why, then the NFHS-5 values of the
    districts (:func:`comparison.nfhs_wide`)."""
    from leheranalysis import comparison

    parts: list = [_md(caveats)] if caveats else []
    parts += [
        _md(f"_{name}: {reason}; it is left out of the NFHS comparison._")
        for name, reason in not_in_nfhs.items()
    ]
    if cmp.empty:
        parts.append(NoData("No data: NFHS-5 values are not available for these districts."))
    else:
        parts.append(comparison.nfhs_wide(cmp))
    return parts


def _change(cmp: pd.DataFrame) -> pd.DataFrame:
    from leheranalysis import comparison

    return comparison.nfhs_change(cmp)


def plot_nfhs_levels(cmp: pd.DataFrame, district: str):
    """The NFHS-5 levels' figure, or nothing to show (the values' place said why)."""
    from leheranalysis import comparison

    if cmp.empty:
        return None
    return comparison.nfhs_level_figure(_change(cmp), highlight=district)


def nfhs_district_section(cmp: pd.DataFrame, district: str):
    """The district's own NFHS-5 table, or why there is none."""
    from leheranalysis import comparison

    if cmp.empty or district not in set(cmp["district"]):
        return NoData(f"No data: {district} is not in the NFHS-5 district fact sheets.")
    return comparison.nfhs_district_table(cmp, district)


def plot_nfhs_change(cmp: pd.DataFrame, district: str):
    """The NFHS-4 to NFHS-5 change figure, or nothing to show."""
    from leheranalysis import comparison

    if cmp.empty:
        return None
    return comparison.change_figure(_change(cmp), highlight=district)


def nfhs_change_section(cmp: pd.DataFrame) -> list:
    """The NFHS-4 to NFHS-5 change table (nothing without NFHS-5 values)."""
    from leheranalysis import comparison

    return [] if cmp.empty else [comparison.nfhs_change_table(_change(cmp))]
