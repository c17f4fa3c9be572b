"""Report notebooks: parameter validation, papermill runs, HTML without code, index page.

Public API
----------
- :func:`notebook_parameters`, :func:`validate_parameters`, :func:`resolve_district`
- :func:`run_notebook`, :func:`run_district`, :func:`run_all`, :func:`find_notebooks`
- :func:`build_index`, :func:`export_html`
- inside notebooks: :func:`declare_source`, :func:`declare_synthetic`,
  :func:`declare_key_numbers`
- :class:`RunRecord`, :class:`RunSummary`, :class:`Parameter`

See :mod:`leheranalysis.reports.runner` for the output layout and the parameters the
runner fills in, and :mod:`leheranalysis.reports.provenance` for how the SYNTHETIC
banner and the data sources reach the report header.
"""

from __future__ import annotations

from leheranalysis.reports.batch import execute_jobs, run_all, run_district, run_notebook
from leheranalysis.reports.export import export_html
from leheranalysis.reports.index import build_index
from leheranalysis.reports.parameters import (
    Parameter,
    notebook_parameters,
    parse_cli_value,
    resolve_district,
    validate_parameters,
)
from leheranalysis.reports.provenance import (
    declare_key_numbers,
    declare_source,
    declare_synthetic,
    manifest_provenance,
    processed_districts,
)
from leheranalysis.reports.records import RunRecord, latest_records
from leheranalysis.reports.runner import (
    RUNNER_PARAMETERS,
    RunOptions,
    RunSummary,
    find_notebooks,
    plan_district,
)

__all__ = [
    "RUNNER_PARAMETERS",
    "Parameter",
    "RunOptions",
    "RunRecord",
    "RunSummary",
    "build_index",
    "declare_key_numbers",
    "declare_source",
    "declare_synthetic",
    "execute_jobs",
    "export_html",
    "find_notebooks",
    "latest_records",
    "manifest_provenance",
    "notebook_parameters",
    "parse_cli_value",
    "plan_district",
    "processed_districts",
    "resolve_district",
    "run_all",
    "run_district",
    "run_notebook",
    "validate_parameters",
]
