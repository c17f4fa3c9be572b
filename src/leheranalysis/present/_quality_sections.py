"""The data-quality report's sections with or without data (re-exported by
:mod:`leheranalysis.present.quality`).

Each function takes a district's processed tables and returns what one cell of notebook
``01-data-quality`` shows: a table, a figure, a
:class:`~leheranalysis.present.kit.NoData` sentence saying what is missing, or a list of them
for ``display(*parts)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from leheranalysis.codebook import Codebook
from leheranalysis.present.kit import NoData, fmt_share, styled

NO_CLEANING = "No automatic change was needed."


def _md(text: str):
    from IPython.display import Markdown

    return Markdown(text)


def inputs_section(manifest: Mapping[str, Any]):
    """The input files of the processed data (:func:`inputs_table`), or why none."""
    from leheranalysis.present.quality import inputs_table

    table = inputs_table(manifest)
    if table.empty:
        return NoData("No input files are recorded in the manifest.")
    return styled(table, index=False)


def ingestion_parts(processed: Any) -> list:
    """What was read: one sentence with the numbers, then the rows per instrument
    (:func:`ingestion_counts`)."""
    from leheranalysis.present.quality import ingestion_counts, inputs_table

    p = processed
    counts = ingestion_counts(p.observations, p.rankings)
    parts = [
        _md(
            f"**Ingestion succeeded without errors**: {len(p.observations):,} values and "
            f"{len(p.rankings):,} ranks from {len(inputs_table(p.manifest))} files; "
            f"{len(p.villages)} programme villages in {len(p.blocks)} blocks."
        )
    ]
    if counts.empty:
        parts.append(NoData("No data rows were read."))
    else:
        parts.append(styled(counts, index=False))
    return parts


def cleaning_rule_parts(cleaning_log: pd.DataFrame) -> list:
    """The automatic changes by rule (:func:`cleaning_by_rule`) with their number."""
    from leheranalysis.present.quality import cleaning_by_rule

    by_rule = cleaning_by_rule(cleaning_log)
    if by_rule.empty:
        return [NoData(NO_CLEANING)]
    total = int(by_rule["Changes"].sum())
    return [
        _md(f"{total:,} automatic changes in {len(by_rule)} rules."),
        styled(by_rule, index=False),
    ]


def cleaning_sheet_table(cleaning_log: pd.DataFrame):
    """The automatic changes by sheet (:func:`cleaning_by_sheet`)."""
    from leheranalysis.present.quality import cleaning_by_sheet

    by_sheet = cleaning_by_sheet(cleaning_log)
    return NoData(NO_CLEANING) if by_sheet.empty else styled(by_sheet)


def cleaning_examples_table(
    cleaning_log: pd.DataFrame, per_rule: int = 2, sensitive: Iterable[str] = ()
):
    """Examples of the automatic changes (:func:`cleaning_examples`)."""
    from leheranalysis.present.quality import cleaning_examples

    examples = cleaning_examples(cleaning_log, per_rule=per_rule, sensitive=sensitive)
    if examples.empty:
        return NoData("No examples: the cleaning log is empty.")
    return styled(examples, index=False)


def match_table(match_report: pd.DataFrame):
    """How the village names were matched (:func:`match_status_counts`)."""
    from leheranalysis.present.quality import match_status_counts

    if match_report.empty:
        return NoData("No match report: no village-level rows were read.")
    return styled(match_status_counts(match_report), index=False)


def match_exceptions_table(match_report: pd.DataFrame):
    """The village names not written as in the official list (:func:`match_exceptions`)."""
    from leheranalysis.present.quality import match_exceptions

    exceptions = match_exceptions(match_report)
    if exceptions.empty:
        return _md("Every village name was written exactly as in the official list.")
    return styled(exceptions, index=False)


_NO_MISSINGNESS = (
    "No missing answers to show for this district: no village answers are expected or "
    "there are no programme villages."
)


def plot_missingness_of(miss: pd.DataFrame):
    """The missingness figure (:func:`plot_missingness`), or why there is none."""
    from leheranalysis.present.quality import plot_missingness

    return NoData(_NO_MISSINGNESS) if miss.empty else plot_missingness(miss)


def missingness_section(miss: pd.DataFrame):
    """The missingness table (:func:`missingness_table`), or why there is none."""
    from leheranalysis.present.quality import missingness_table

    return NoData(_NO_MISSINGNESS) if miss.empty else styled(missingness_table(miss))


def collation_parts(observations: pd.DataFrame, codebook: Codebook | None = None) -> list:
    """The collated values against the village tool's own (:func:`collation_agreement`)
    with how many agree."""
    from leheranalysis.present.quality import collation_agreement

    collation = collation_agreement(observations, codebook)
    if collation.empty:
        return [NoData("No collation template rows were ingested: nothing to compare.")]
    n_cmp, n_agree = int(collation["Compared"].sum()), int(collation["Agree"].sum())
    share = fmt_share(n_agree, n_cmp)
    return [
        _md(f"{n_agree:,} of {n_cmp:,} compared collated values ({share}) agree."),
        styled(collation, index=False),
    ]
