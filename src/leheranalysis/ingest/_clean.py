"""Cell cleaning and value rules: every automatic change is logged, every failure located.

Pure: takes raw cell values, returns clean values, writes to a :class:`~._log.Log`.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass
from typing import Any

from leheranalysis.ingest._layout import norm_text
from leheranalysis.ingest._log import Log, Shown, id_text, number_text
from leheranalysis.ingest._read import ExcelError, Formula, Percent
from leheranalysis.privacy import find_personal_data

#: cell texts read as missing (compared after trimming, case-insensitive)
MISSING_TOKENS = frozenset(
    {
        "",
        "na",
        "n/a",
        "n.a.",
        "n.a",
        "-",
        "--",
        "---",
        "\u2013",
        "\u2014",
        "nil",
        "null",
        "nan",
        "#n/a",
        "not available",
        ".",
    }
)
#: yes / no answers (compared after trimming, case-insensitive), Hindi included
YES_TOKENS = frozenset({"yes", "y", "haan", "haa", "han", "ha", "true", "1", "हाँ", "हां", "हा"})
NO_TOKENS = frozenset({"no", "n", "nahi", "nahin", "nahee", "nahii", "false", "0", "नहीं", "नही"})

_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
# thousands separators: 1,234,567 or the Indian 12,34,567 (the last group has 3 digits)
_THOUSANDS = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d{1,2}(,\d{2})*,\d{3})(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_YEAR = re.compile(r"^(?:fy\s*)?(\d{4})\s*[-/\u2013\u2014 ]\s*(\d{2}|\d{4})$")


class _Bad:
    """Marker of a cell that failed a rule (an error has been logged)."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "BAD"


BAD = _Bad()


@dataclass
class Cell:
    """Where a value sits: file, sheet, row, column (``F [oosc_6_14]``)."""

    file: str
    sheet: str
    row: int
    column: str


class Cleaner:
    """Cleans cells of one ingestion; logs changes and errors to ``log``.

    Parameters
    ----------
    log : Log
    csv_source : bool
        Values of CSV files are text by nature: converting them to numbers is not logged.
    """

    def __init__(self, log: Log, csv_source: bool = False):
        self.log = log
        self.csv_source = csv_source

    # ------------------------------------------------------------------ helpers
    def _change(self, at: Cell, old: Any, new: Any, rule: str) -> None:
        self.log.change(at.file, at.sheet, at.row, at.column, old, new, rule)

    def _error(self, at: Cell, rule: str, problem: str, value: Any) -> _Bad:
        self.log.error(rule, problem, at.file, at.sheet, at.row, at.column, value)
        return BAD

    # ------------------------------------------------------------------ stages
    def base(self, value: Any, at: Cell, numeric: bool = False) -> Any:
        """First pass on any cell: formulas, Excel errors, personal data, trim, missing.

        ``numeric``: the cell belongs to a number column, where text that could be a
        person's name is never copied into the log (:func:`._log.number_text`).
        Returns the value (str trimmed, number as is), None for missing, or BAD.
        """
        if value is None:
            return None
        if isinstance(value, Formula):
            return self._error(
                at,
                "formula",
                "the cell holds a formula, not a value; ingestion does not compute formulas: "
                "type the value itself (Paste Special > Values)",
                value.text,
            )
        if isinstance(value, ExcelError):
            return self._error(at, "type", "the cell holds an Excel error value", value.text)
        if isinstance(value, Percent):
            return value if numeric else value.value
        if isinstance(value, float) and math.isnan(value):
            return None
        if not isinstance(value, bool) and find_personal_data(value):
            self._change(at, "[removed]", None, "pii_removed")
            return None
        if isinstance(value, str):
            text = _ZERO_WIDTH.sub("", value).strip()
            text = text.replace("\u00a0", " ")
            if text != value:
                if numeric:
                    self._change(at, number_text(value), number_text(text), "trim")
                else:
                    self._change(at, value, text, "trim")
            if text.casefold() in MISSING_TOKENS:
                if text:
                    self._change(at, text, None, "missing_token")
                return None
            return text
        return value

    def text(self, value: Any, at: Cell) -> Any:
        """A free name (block, village): trimmed text, None or BAD."""
        v = self.base(value, at)
        if v is None or v is BAD:
            return v
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if isinstance(v, (_dt.date, _dt.time)):
            return self._error(at, "type", "expected a name, found a date", v)
        return str(v)

    def number(
        self,
        value: Any,
        at: Cell,
        *,
        unit: str,
        lo: float | None,
        hi: float | None,
        what: str = "",
    ) -> Any:
        """A number of the given unit (count, share, score, rank, yesno) within lo..hi."""
        v = self.base(value, at, numeric=True)
        if v is None or v is BAD:
            return v
        if unit == "yesno":
            return self.yesno(v, at, cleaned=True)
        if isinstance(v, bool):
            return self._error(at, "type", f"expected a number{what}, found TRUE/FALSE", v)
        if isinstance(v, (_dt.date, _dt.time)):
            return self._error(at, "type", f"expected a number{what}, found a date", v)
        if isinstance(v, Percent):
            if unit != "share":
                return self._error(
                    at,
                    "type",
                    f"the cell is formatted as a percentage (it shows {v.shown}), but{what} it "
                    "is not a share: remove the % format and type the number itself",
                    v.value,
                )
            # the field team typed 45 %; Excel stores 0.45: read what was typed, logged
            self._change(
                at, Shown(f"{v.value:.10g} (shown as {v.shown})"), v.value * 100, "percent_format"
            )
            v = v.value * 100
        if isinstance(v, str):
            v = self._parse_number(v, at, unit, what)
            if v is BAD:
                return v
        x = float(v)
        if not math.isfinite(x):
            return self._error(at, "type", f"expected a number{what}", v)
        return self._range(x, at, unit, lo, hi, what)

    def _parse_number(self, text: str, at: Cell, unit: str, what: str) -> Any:
        s = text
        rule = "text_to_number"
        if unit == "share" and s.endswith("%"):
            s = s[:-1].strip()
            rule = "percent_sign"
        if _THOUSANDS.match(s):
            s = s.replace(",", "")
        try:
            x = float(s)
        except ValueError:
            if _DECIMAL_COMMA.match(s):
                point = s.replace(",", ".")
                return self._error(
                    at,
                    "type",
                    f"expected a number{what}: a comma is not a decimal point here; write "
                    f"{point} (or, if it is a count, group thousands in threes: 1,234)",
                    text,
                )
            return self._error(at, "type", f"expected a number{what}", number_text(text))
        if not (self.csv_source and rule == "text_to_number" and s == text):
            self._change(at, text, x, rule)
        return x

    def _range(self, x: float, at: Cell, unit: str, lo, hi, what: str) -> Any:
        if unit in ("count", "score", "rank") and not x.is_integer():
            return self._error(at, "integer", f"a {unit} must be a whole number{what}", x)
        if unit == "count" and x < 0:
            return self._error(at, "range", f"a count cannot be negative{what}", x)
        if unit == "share" and not 0 <= x <= 100:
            return self._error(
                at, "range", f"a share is a percentage and must lie within 0-100{what}", x
            )
        if lo is not None and x < lo or hi is not None and x > hi:
            rng = f"{_fmt(lo)}-{_fmt(hi)}" if hi is not None else f"at least {_fmt(lo)}"
            return self._error(at, "range", f"value outside the valid range {rng}{what}", x)
        return x

    def yesno(self, v: Any, at: Cell, cleaned: bool = False) -> Any:
        """yes/no (y/n, haan/nahi, 1/0, TRUE/FALSE) -> 1.0/0.0."""
        if not cleaned:
            v = self.base(v, at, numeric=True)
            if v is None or v is BAD:
                return v
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v in (0, 1):
            return float(v)
        key = norm_text(v) if isinstance(v, (str, bool)) else None
        if isinstance(v, bool):
            key = "true" if v else "false"
        if key in YES_TOKENS or key in NO_TOKENS:
            new = 1.0 if key in YES_TOKENS else 0.0
            self._change(at, v, int(new), "yes_no")
            return new
        return self._error(
            at, "yes_no", "expected yes or no (also y/n, haan/nahi, 1/0)", number_text(v)
        )

    def category(
        self, value: Any, at: Cell, allowed: dict[str, str], rule: str, problem: str
    ) -> Any:
        """A code from ``allowed`` (normalised key -> code); logs case/format changes."""
        v = self.base(value, at)
        if v is None or v is BAD:
            return v
        text = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
        code = allowed.get(category_key(text))
        if code is None:  # a name typed in the wrong cell is not echoed
            return self._error(at, rule, problem, id_text(v, [*allowed, *allowed.values()]))
        if code != text:
            self._change(at, text, code, "category_normalised")
        return code

    def year(self, value: Any, at: Cell) -> Any:
        """A financial year written ``2021-22`` (also 2021-2022, 2021/22, FY 2021-22)."""
        v = self.base(value, at)
        if v is None or v is BAD:
            return v
        text = str(v).strip()
        m = _YEAR.match(text.casefold())
        if m:
            start, end = int(m.group(1)), m.group(2)
            end2 = int(end[-2:])
            if (start + 1) % 100 == end2 and (len(end) == 2 or int(end) == start + 1):
                norm = f"{start}-{end2:02d}"
                if norm != text:
                    self._change(at, text, norm, "year_format")
                return norm
        return self._error(at, "year", "expected a financial year written like 2021-22", v)


def category_key(text: str) -> str:
    """Normalised key of a category: ``'Partly  Agree'`` and ``partly_agree`` -> ``partly agree``."""
    return re.sub(r"[\s_\-]+", " ", norm_text(text)).strip()


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else str(x)
