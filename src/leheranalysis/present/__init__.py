"""Presenters: the report kit and one module per report.

- :mod:`~leheranalysis.present.kit`: formatting, small-cell suppression, styled tables,
  figures with alternative text, provenance;
- :mod:`~leheranalysis.present.quality`: the data-quality report (``01-data-quality``);
- :mod:`~leheranalysis.present.baseline`: the baseline-findings report
  (``02-baseline-findings``);
- :mod:`~leheranalysis.present.planning`: that report's planning sections (key findings,
  Part II commitments, glossary);
- :mod:`~leheranalysis.present.maps`: the village-maps report (``03-village-maps``;
  imported on its own, ``from leheranalysis.present import maps``: it needs the geography
  libraries);
- :mod:`~leheranalysis.present.comparison`: the district-comparison report
  (``04-district-comparison``; imported on its own);
- :mod:`~leheranalysis.present.monitoring`: the monitoring report (``05-monitoring``).

Presenters are pure functions from tables to reviewer-ready tables and figures; they
read and write no files.
"""

from leheranalysis.present import baseline, kit, monitoring, planning, quality

__all__ = ["kit", "quality", "baseline", "planning", "monitoring"]
