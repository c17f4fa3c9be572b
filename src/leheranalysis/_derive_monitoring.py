"""The derivation ``monitoring``: what changed between the baseline and a follow-up round.

Registered in :data:`leheranalysis.derive.REGISTRY` (imported by :mod:`leheranalysis.derive`).
Its tables are stored in the *follow-up round's* ``derived/`` folder
(``data/processed/<slug>/rounds/<round>/derived/``): the change is a fact about that round,
and a new or re-ingested round derives only its own comparison. The baseline it is
compared with is recorded by its fingerprint (:func:`leheranalysis.derive.fingerprint` of
its processed files and manifest, not its derived tables) under ``rounds`` in the record,
so re-ingesting the baseline makes every round's comparison stale. In a baseline folder
the tables are empty (there is nothing to compare).

Tables (as notebook ``05-monitoring`` shows them):

- ``monitoring_changes``: :func:`leheranalysis.monitoring.change_table`;
- ``monitoring_block_changes``: :func:`leheranalysis.monitoring.block_changes`;
- ``monitoring_triangulation``: :func:`leheranalysis.monitoring.triangulation_change`;
- ``monitoring_index``: :func:`leheranalysis.monitoring.index_across_rounds` (empty, with
  ``attrs["error"]``, when the index cannot be computed for these villages).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from leheranalysis import store
from leheranalysis.derive import Context, derivation, read_nfhs

TABLES = (
    "monitoring_changes",
    "monitoring_block_changes",
    "monitoring_triangulation",
    "monitoring_index",
)


def baseline_folder(folder: str | Path) -> Path | None:
    """The district folder of a follow-up round's folder; None for a baseline folder.

    Examples
    --------
    >>> baseline_folder("data/processed/madhubani/rounds/midline").as_posix()
    'data/processed/madhubani'
    >>> baseline_folder("data/processed/madhubani") is None
    True
    """
    folder = Path(folder)
    return folder.parent.parent if folder.parent.name == store.ROUNDS_FOLDER else None


@derivation(
    "monitoring",
    reads=("observations.parquet", "villages.parquet", "blocks.parquet"),
    tables=TABLES,
    params=("baseline_round", "alpha", "adjust", "monitoring_cpvi_n"),
)
def _monitoring(ctx: Context) -> dict[str, pd.DataFrame]:
    from leheranalysis import monitoring
    from leheranalysis.present.kit import district_denominator_shares
    from leheranalysis.processed import load_processed

    district = baseline_folder(ctx.processed.folder)
    base_name = str(ctx.params["baseline_round"])
    if district is None or ctx.processed.round == base_name:
        return {t: pd.DataFrame() for t in TABLES}
    base_p = load_processed(folder=district, round_name=base_name)
    ctx.read_round(base_name, Path(base_p.folder))
    base = monitoring.RoundData.from_processed(base_p)
    follow = monitoring.RoundData.from_processed(ctx.processed)
    read_nfhs(ctx)
    shares, _ = district_denominator_shares(base_p.district or ctx.district)
    cb = ctx.codebook
    alpha, adjust = float(ctx.params["alpha"]), str(ctx.params["adjust"])
    pairs = monitoring.paired_values(base, follow, cb)
    tests = {"alpha": alpha, "adjust": adjust, "shares": shares, "pairs": pairs}
    out = {
        "monitoring_changes": monitoring.change_table(base, follow, cb, **tests),
        "monitoring_block_changes": monitoring.block_changes(base, follow, cb, **tests),
        "monitoring_triangulation": monitoring.triangulation_change(
            base, follow, cb, alpha=alpha, adjust=adjust
        ),
    }
    try:
        index = monitoring.index_across_rounds(
            base, follow, cb, n=int(ctx.params["monitoring_cpvi_n"])
        )
    except Exception as exc:  # an index needs enough villages and indicators
        index = pd.DataFrame()
        index.attrs["error"] = str(exc)
    out["monitoring_index"] = index
    return out
