"""Plan tracking for :mod:`leheranalysis.monitoring` (private).

Owns the District Child Protection Plan's targets read back from a filled DCPP workbook
(:func:`read_plan`, :func:`district_plan_file`) and measured against a follow-up round
(:func:`plan_tracking`). :mod:`leheranalysis.monitoring` re-exports these names; import
them from there.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leheranalysis.codebook import Codebook, load_codebook
from leheranalysis.errors import InputFileError

#: codes of the DCPP workbook's ``Plan`` sheet that plan tracking needs
PLAN_COLUMNS = ("issue", "block", "indicator", "baseline", "target", "target_date", "unit")

_CODE = re.compile(r"\[([A-Za-z0-9_]+)\]\s*$")


def district_plan_file(district: str, reports: str | Path | None = None) -> Path | None:
    """The district's plan workbook beside its reports, when there is one.

    ``<reports>/<slug>/<slug>-dcpp-plan.xlsx``, as ``leher run`` writes it; ``reports``
    defaults to the folder the runner writes the reports to (``LEHER_REPORTS_DIR``), else
    the project's reports folder.

    Examples
    --------
    >>> district_plan_file("Madhubani", "/nonexistent") is None
    True
    """
    import os

    from leheranalysis import config

    base = reports or os.environ.get("LEHER_REPORTS_DIR") or config.reports_dir()
    slug = config.slugify(district)
    path = Path(base) / slug / f"{slug}-dcpp-plan.xlsx"
    return path if path.is_file() else None


def read_plan(path: str | Path) -> pd.DataFrame:
    """The targets of a filled DCPP workbook (sheet ``Plan``).

    One header row (the first of the first 10 rows whose cells end in ``[code]``); every
    header ends with its code in square brackets; at least :data:`PLAN_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        The columns by code, plus ``source_row`` (Excel row); rows without an indicator
        are skipped.

    Raises
    ------
    InputFileError
        When the file or the sheet is missing, or a needed column is absent (the message
        names the file, sheet and columns).
    """
    import openpyxl

    path = Path(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InputFileError(f"{path}: plan workbook not found") from None
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InputFileError(f"{path}: cannot read the plan workbook ({exc})") from None
    try:
        if "Plan" not in wb.sheetnames:
            raise InputFileError(f"{path}: no sheet 'Plan' (sheets: {', '.join(wb.sheetnames)})")
        rows = list(wb["Plan"].iter_rows(values_only=True))
    finally:
        wb.close()
    header_at, codes = None, []
    for i, row in enumerate(rows[:10]):
        found = [_CODE.search(str(c)) if c is not None else None for c in row]
        if sum(m is not None for m in found) >= 2:
            header_at, codes = i, [m.group(1) if m else None for m in found]
            break
    if header_at is None:
        raise InputFileError(
            f"{path}, sheet 'Plan': no header row (headers end with their code, e.g. "
            "'Target [target]') in the first 10 rows"
        )
    missing = [c for c in PLAN_COLUMNS if c not in codes]
    if missing:
        raise InputFileError(
            f"{path}, sheet 'Plan', row {header_at + 1}: missing column(s) "
            + ", ".join(f"[{c}]" for c in missing)
        )
    records = []
    for j, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        rec = {c: row[k] if k < len(row) else None for k, c in enumerate(codes) if c}
        if rec.get("indicator") in (None, ""):
            continue
        rec["source_row"] = j
        records.append(rec)
    out = pd.DataFrame(records, columns=[*[c for c in codes if c], "source_row"])
    out.attrs["file"] = path.name
    return out


def _as_date(value: Any) -> _dt.date | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def _number(value: Any) -> float:
    try:
        return float(str(value).replace("%", "").strip()) if value not in (None, "") else np.nan
    except ValueError:
        return np.nan


def _plan_block(value: Any) -> str | None:
    """The block a plan row names; None for the district (empty, ``All``, ``district``)."""
    if value in (None, "") or str(value).casefold() in ("all", "district"):
        return None
    return str(value)


def _followup_value(
    code: str,
    unit: str,
    block: str | None,
    by_ind: pd.DataFrame,
    block_table: pd.DataFrame | None,
) -> float:
    """The follow-up value of a plan row in the plan's unit (NaN when not compared).

    From the district's changes (``by_ind``, by indicator), or the named block's rows of
    ``block_table``. ``unit`` is the plan's unit, case-folded.
    """
    src = by_ind
    if block is not None and block_table is not None and len(block_table):
        sel = block_table[block_table["block_name"].astype(str).str.casefold() == block.casefold()]
        src = sel.set_index("indicator")
    if code not in src.index:
        return np.nan
    r = src.loc[code]
    if _villages_unit(unit):
        return 100.0 * float(r["share_followup"])
    if unit.startswith("% of group") and float(r["followup"]) <= 1:
        return 100.0 * float(r["followup"])
    return float(r["followup"])


def _villages_unit(unit: str) -> bool:
    """True for a plan unit that counts villages (``% of villages``, ``%``)."""
    return "village" in unit or unit in ("%", "per cent", "percent")


def _status(value: float, target: float, better_low: bool, progress: float, elapsed: float) -> str:
    """``met``, ``on track``, ``not met`` or ``no data`` (see :func:`plan_tracking`)."""
    if np.isnan(value):
        return "no data"
    if (value <= target) if better_low else (value >= target):
        return "met"
    if not np.isnan(progress) and not np.isnan(elapsed) and progress >= elapsed:
        return "on track"
    return "not met"


def _elapsed(t0: _dt.date | None, t1: _dt.date | None, due: _dt.date | None) -> float:
    """Share of the time from the baseline (``t0``) to the target date reached at ``t1``."""
    if t0 and t1 and due and due > t0:
        return min(max((t1 - t0).days / (due - t0).days, 0.0), 1.0)
    return np.nan


_TRACK_COLUMNS = ["issue", "block", "indicator", "label", "unit", "plan_baseline", "followup",
                  "target", "target_date", "progress", "time_elapsed", "status",
                  "source_row"]  # fmt: skip


def plan_tracking(
    plan: pd.DataFrame,
    changes: pd.DataFrame,
    block_table: pd.DataFrame | None = None,
    *,
    baseline_date: str | None = None,
    followup_date: str | None = None,
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """Each DCPP row with a target: baseline, follow-up value, target and status.

    The follow-up value is the one of :func:`leheranalysis.monitoring.change_table` (``changes``) for the district,
    or of :func:`leheranalysis.monitoring.block_changes` (``block_table``) when the row names a block (the paired
    villages of the block). Values are compared in the plan's unit (the units
    :mod:`leheranalysis.plan` writes): ``% of villages`` (or ``%``) takes the share of
    villages where the community reported the issue, in per cent (lower is better);
    ``per 1,000 ...`` the rate; ``mean score`` the mean; ``% of group members`` the mean
    share (per cent).

    Status: ``met`` when the follow-up value has reached the target (in the better
    direction: fewer villages reporting, else the codebook's ``higher_is``); ``on track`` when it has moved from the plan's baseline towards the
    target by at least the share of the time elapsed between the baseline and the
    target date (both rounds' dates known); ``not met`` otherwise; ``no data`` without
    a follow-up value or target.

    Returns
    -------
    pandas.DataFrame
        ``issue``, ``block``, ``indicator``, ``label``, ``unit``, ``plan_baseline``,
        ``followup``, ``target``, ``target_date``, ``progress`` (share of the way from
        baseline to target), ``time_elapsed`` (share of the time to the target date),
        ``status``, ``source_row``.
    """
    cb = load_codebook() if codebook is None else codebook
    ind = cb.indicators
    by_ind = changes.set_index("indicator") if len(changes) else pd.DataFrame()
    rows = []
    t0, t1 = _as_date(baseline_date), _as_date(followup_date)
    for rec in plan.to_dict("records"):
        code = str(rec.get("indicator") or "").strip()
        target = _number(rec.get("target"))
        if code not in ind.index or np.isnan(target):
            continue
        unit = str(rec.get("unit") or "").strip().casefold()
        block = _plan_block(rec.get("block"))
        value = _followup_value(code, unit, block, by_ind, block_table)
        base = _number(rec.get("baseline"))
        # fewer villages reporting an issue is always better; else the codebook's direction
        better_low = _villages_unit(unit) or ind.at[code, "higher_is"] == "worse"
        due = _as_date(rec.get("target_date"))
        elapsed = _elapsed(t0, t1, due)
        progress = (
            (base - value) / (base - target) if base != target and not np.isnan(base) else np.nan
        )
        rows.append(
            {
                "issue": rec.get("issue"),
                "block": block or "All blocks",
                "indicator": code,
                "label": ind.at[code, "label"],
                "unit": rec.get("unit"),
                "plan_baseline": base,
                "followup": value,
                "target": target,
                "target_date": due.isoformat() if due else None,
                "progress": progress,
                "time_elapsed": elapsed,
                "status": _status(value, target, better_low, progress, elapsed),
                "source_row": rec.get("source_row"),
            }
        )
    return pd.DataFrame(rows, columns=_TRACK_COLUMNS)
