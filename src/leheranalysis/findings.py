"""Tables and figures of the data-quality and baseline-findings reports (re-exported).

The presenters live in :mod:`leheranalysis.present`: the report kit
(:mod:`~leheranalysis.present.kit`) and one module per report
(:mod:`~leheranalysis.present.quality`, :mod:`~leheranalysis.present.baseline`). This
module keeps their public names importable from ``leheranalysis.findings``.
"""

from __future__ import annotations

from leheranalysis.present import baseline as _baseline
from leheranalysis.present import kit as _kit
from leheranalysis.present import quality as _quality
from leheranalysis.present.baseline import *  # noqa: F403
from leheranalysis.present.kit import *  # noqa: F403
from leheranalysis.present.quality import *  # noqa: F403

__all__ = [*_kit.__all__, *_quality.__all__, *_baseline.__all__]
