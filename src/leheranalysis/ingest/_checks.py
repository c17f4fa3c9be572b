"""Cross-checks between sheets: located warnings, never errors (the data stays usable).

- ``collation_differs``: a value of the collation template that differs from the one
  recomputed from the village tool's own rows (children's or adult groups combined as for
  the community value, a duty bearer's answer); counts and yes/no must be equal, scores
  and shares (means) may differ by 0.5, the rounding of a template of whole numbers.
- ``ranking_all_equal``: a ranking row in which every issue (three or more) has the same
  rank - a pairwise ranking orders the issues, so the row was most likely filled in
  without the exercise.

Each warning names the file, sheet, row and column of the cell to look at.
"""

from __future__ import annotations

import pandas as pd

from leheranalysis.codebook import Codebook
from leheranalysis.ingest._log import Log
from leheranalysis.ingest._model import Record

#: the collation template's sources and who they are, for messages
COLLATION_SOURCES = {
    "cg": "the children's groups",
    "ag": "the adult groups",
    "teacher": "the teacher",
    "aww": "the Anganwadi worker",
    "asha": "the ASHA",
}
#: scores and shares may differ by this much (a template of whole numbers rounds means)
MEAN_TOLERANCE = 0.5


def cross_check(observations: pd.DataFrame, records: list[Record], cb: Codebook, log: Log) -> None:
    """Log the warnings of both cross-checks (``observations`` before file labelling)."""
    tables = {(r.table.file, r.table.sheet, r.row): r.table for r in records}
    _collation(observations, tables, cb, log)
    _rankings(records, log)


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _collation(obs: pd.DataFrame, tables: dict, cb: Codebook, log: Log) -> None:
    from leheranalysis.indicators import village_values

    if obs.empty:
        return
    col = obs[
        (obs["instrument"] == "collation")
        & obs["group"].isin(list(COLLATION_SOURCES))
        & obs["village_id"].notna()
        & obs["value"].notna()
        & obs["indicator"].isin(cb.indicators.index)
    ]
    if col.empty:
        return
    village = obs[(obs["instrument"] == "village") & obs["indicator"].isin(cb.indicators.index)]
    for src, who in COLLATION_SOURCES.items():
        here = col[col["group"] == src]
        if here.empty:
            continue
        own = village_values(village, cb, src)
        if own.empty:
            continue
        own = own.assign(village_id=own["village_id"].astype("int64"))
        m = here.assign(village_id=here["village_id"].astype("int64")).merge(
            own[["village_id", "indicator", "value"]].rename(columns={"value": "own"}),
            on=["village_id", "indicator"],
        )
        for r in m.itertuples(index=False):
            exact = r.unit in ("count", "yesno")
            diff = abs(float(r.value) - float(r.own))
            if diff <= (1e-9 if exact else MEAN_TOLERANCE + 1e-9):
                continue
            table = tables.get((r.source_file, r.source_sheet, int(r.source_row)))
            column = table.letter(src) if table is not None else f"[{src}]"
            log.warn(
                "collation_differs",
                f"the collation gives {_fmt(r.value)} for {r.indicator} from {who}, but "
                f"{who}' own rows in the village tool give {_fmt(r.own)}: check which is "
                "right"
                if who.endswith("groups")
                else f"the collation gives {_fmt(r.value)} for {r.indicator} from {who}, but "
                f"{who}'s own answer in the village tool is {_fmt(r.own)}: check which is "
                "right",
                r.source_file,
                r.source_sheet,
                int(r.source_row),
                column,
            )


def _rankings(records: list[Record], log: Log) -> None:
    for rec in records:
        if not rec.ok or len(rec.ranks) < 3 or len(set(rec.ranks.values())) != 1:
            continue
        rank = next(iter(rec.ranks.values()))
        first = next(iter(rec.ranks))  # the row's first ranked issue (column order)
        log.warn(
            "ranking_all_equal",
            f"every one of the {len(rec.ranks)} issues is ranked {rank}: a pairwise ranking "
            "orders the issues, so this row was most likely filled in without the exercise; "
            "check it with the facilitator",
            rec.table.file,
            rec.table.sheet,
            rec.row,
            rec.table.letter(f"rank_{first}"),
        )
