"""Text from inputs made safe for the spreadsheets the project writes.

A village name, a cleaning-log value or a sheet name is typed by someone in the field;
field teams open the CSV files the project writes (cleaning log, match report, validation
errors, downloadable tables) in Excel, which runs a cell that starts with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return before one) as a formula ("CSV injection").

- :func:`neutralise` (and :func:`neutralise_frame` for a whole table, headers included)
  puts an apostrophe before such a text, as Excel itself does for text that looks like a
  formula; numbers, and texts that are plain numbers (``-3``, ``+91``, ``-0.5``), are left
  as they are. :func:`leheranalysis.store.write_csv`, the one CSV writer, applies it.
- :func:`put_cell` writes a value into an openpyxl worksheet as text when it is text:
  openpyxl would otherwise store a text starting with ``=`` as a formula. Text cells of
  an .xlsx file are never evaluated, so the value is kept exactly.

Examples
--------
>>> neutralise("=SUM(A1:A9)")
"'=SUM(A1:A9)"
>>> neutralise("-3"), neutralise(-3), neutralise("Rampur")
('-3', -3, 'Rampur')
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMULA_PREFIXES", "neutralise", "neutralise_frame", "put_cell"]

#: first characters that make a spreadsheet treat a cell as a formula
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")


def neutralise(value: Any) -> Any:
    """A cell value that no spreadsheet runs as a formula.

    Parameters
    ----------
    value : object
        Any cell value; only text is changed.

    Returns
    -------
    object
        ``value``, or ``"'" + value`` when it is text starting with one of
        :data:`FORMULA_PREFIXES` and is not a plain number or a lone ``-``/``+``.

    Examples
    --------
    >>> [neutralise(v) for v in ("+1+1", "@SUM(A1)", "\\t=1", "-2+3", "+91", "5 %")]
    ["'+1+1", "'@SUM(A1)", "'\\t=1", "'-2+3", '+91', '5 %']
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    if _PLAIN_NUMBER.fullmatch(value.strip()) or value in ("-", "+"):
        return value  # a number, or a lone dash (a missing-value mark), runs nothing
    return "'" + value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell, column name and index label passed through :func:`neutralise`.

    Numeric columns are not touched (a negative number stays a number).

    Examples
    --------
    >>> import pandas as pd
    >>> t = neutralise_frame(pd.DataFrame({"=x": ["=1+1", "a"], "n": [-1, 2]}))
    >>> list(t.columns), t["'=x"].tolist(), t["n"].tolist()
    (["'=x", 'n'], ["'=1+1", 'a'], [-1, 2])
    """
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
            out[col] = s.map(neutralise, na_action="ignore").astype(s.dtype)
    out.columns = out.columns.map(neutralise)
    if not isinstance(out.index, pd.RangeIndex):
        out.index = out.index.map(neutralise)
    return out


def put_cell(ws, row: int, column: int, value: Any):
    """Write ``value`` into cell (row, column) of an openpyxl worksheet; text stays text.

    Returns
    -------
    openpyxl.cell.Cell
    """
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # openpyxl would store it as a formula
    return cell
