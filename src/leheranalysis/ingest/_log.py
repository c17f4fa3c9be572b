"""Collects located errors, cleaning-log rows and match-report rows during one ingestion."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from leheranalysis.ingest._names import Names
from leheranalysis.privacy import find_personal_data, text_in_number_column

ERROR_COLUMNS = ["file", "sheet", "row", "column", "value", "rule", "message"]
CLEANING_COLUMNS = ["file", "sheet", "row", "column", "old_value", "new_value", "rule"]
MATCH_COLUMNS = [
    "file",
    "sheet",
    "row",
    "written_block",
    "written_village",
    "status",
    "village_id",
    "score",
    "candidates",
]


class Shown(str):
    """A text already made safe to show (a marker such as ``[removed]``): shown as it is."""


#: markers the cleaning log shows instead of a cell's content
MARKERS = frozenset({"[removed]", "[column]", "[sheet not read]"})


def number_text(value: Any) -> Any:
    """A value typed where a number belongs, as messages and logs may show it.

    Text that could be a person's name becomes a :class:`Shown` marker such as
    ``[text removed: 2 words]`` (see :func:`leheranalysis.privacy.text_in_number_column`);
    numbers and other values are returned unchanged.
    """
    if isinstance(value, str) and not isinstance(value, Shown):
        safe = text_in_number_column(value)
        return value if safe == value else Shown(safe)
    return value


def id_text(value: Any, choices: Iterable[str] = ()) -> Any:
    """A value typed in an identifier or answer cell, as messages may show it.

    Shown as it is when it reads like a code (digits or ``_``) or is close to one of
    ``choices`` (a misspelt block, group or answer); otherwise it could be a person's
    name typed in the wrong cell and is shown only as :func:`number_text` allows
    (``[text removed: 2 words]``). The message still names the cell.

    Examples
    --------
    >>> id_text("Bisphi", ["Bisfi", "Pandaul"]), id_text("cg_girls_99")
    ('Bisphi', 'cg_girls_99')
    >>> str(id_text("Sunita Kumari", ["Bisfi", "Pandaul"]))
    '[text removed: 2 words]'
    """
    if not isinstance(value, str) or isinstance(value, Shown):
        return value
    if any(ch.isdigit() or ch == "_" for ch in value):
        return value
    key = value.casefold().strip()
    if difflib.get_close_matches(key, [str(c).casefold() for c in choices], n=1, cutoff=0.6):
        return value
    return number_text(value)


def show(value: Any, limit: int = 60) -> str:
    """A value as an error message shows it (quoted text, masked personal data)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "(empty)"
    if isinstance(value, Shown):
        return str(value)
    kind = find_personal_data(value)
    if kind:
        return f"[removed: looks like {'an' if kind[0] in 'ae' else 'a'} {kind}]"
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"'{text}'" if isinstance(value, str) else text


def cell_text(value: Any) -> str:
    """A value as the cleaning log records it (personal data masked)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, Shown):
        return str(value)
    if find_personal_data(value):
        return "[removed]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def where(file: str, sheet: str, row: int | None, column: str) -> str:
    """``file, sheet 'S', row 7, column F [oosc_6_14]`` (parts that are unknown omitted)."""
    parts = [file] if file else []
    if sheet:
        parts.append(f"sheet '{sheet}'")
    if row:
        parts.append(f"row {row}")
    if column:
        parts.append(f"column {column}")
    return ", ".join(parts)


def _entry(
    rule: str, problem: str, file: str, sheet: str, row: int | None, column: str, value: Any
) -> dict[str, Any]:
    loc = where(file, sheet, row, column)
    shown = show(value)
    val = f" (value {shown})" if value is not None and shown != "(empty)" else ""
    return {
        "file": file,
        "sheet": sheet,
        "row": row,
        "column": column,
        "value": "" if value is None else shown,
        "rule": rule,
        "message": f"{loc}: {problem}{val} [{rule}]" if loc else f"{problem} [{rule}]",
        "problem": problem,
    }


@dataclass
class Log:
    """Everything one ingestion has to report (append-only)."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    matches: list[dict[str, Any]] = field(default_factory=list)
    names: Names = field(default_factory=Names)
    #: located warnings of the cross-checks (the fields of an error)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    #: files of an input folder that were not read: {file, reason} (warnings)
    not_read: list[dict[str, str]] = field(default_factory=list)

    def error(
        self,
        rule: str,
        problem: str,
        file: str = "",
        sheet: str = "",
        row: int | None = None,
        column: str = "",
        value: Any = None,
    ) -> None:
        """Record a fatal error; ``problem`` says what is wrong and how to fix it."""
        self.errors.append(_entry(rule, problem, file, sheet, row, column, value))

    def warn(
        self,
        rule: str,
        problem: str,
        file: str = "",
        sheet: str = "",
        row: int | None = None,
        column: str = "",
        value: Any = None,
    ) -> None:
        """Record a located warning (the data is still written): a cross-check failed."""
        self.warnings.append(_entry(rule, problem, file, sheet, row, column, value))

    def warnings_frame(self, public: bool = False) -> pd.DataFrame:
        """The warnings (``public``: file and sheet names as their labels)."""
        rows = [self._public_error(e) for e in self.warnings] if public else self.warnings
        df = pd.DataFrame(rows, columns=[*ERROR_COLUMNS, "problem"])
        df["row"] = df["row"].astype("Int64")
        return df

    def change(
        self, file: str, sheet: str, row: int | None, column: str, old: Any, new: Any, rule: str
    ) -> None:
        """Record one automatic change of a value."""
        self.changes.append(
            {
                "file": file,
                "sheet": sheet,
                "row": row,
                "column": column,
                "old_value": old if old in MARKERS else cell_text(old),
                "new_value": cell_text(new),
                "rule": rule,
            }
        )

    def errors_frame(self, public: bool = False) -> pd.DataFrame:
        """Errors grouped by file and sheet (in the order first met), then by row.

        ``public``: file and sheet names replaced by their neutral labels, in the
        columns and in the message (what is written to a file); else as typed (what the
        terminal shows).
        """
        rows = self.errors
        if public:
            rows = [self._public_error(e) for e in rows]
        df = pd.DataFrame(rows, columns=[*ERROR_COLUMNS, "problem"])
        df["row"] = df["row"].astype("Int64")
        if len(df):
            order = {
                k: i for i, k in enumerate(dict.fromkeys(zip(df["file"], df["sheet"], strict=True)))
            }
            key = pd.Series(
                [order[k] for k in zip(df["file"], df["sheet"], strict=True)], index=df.index
            )
            df = (
                df.assign(_k=key, _r=df["row"].fillna(0))
                .sort_values(["_k", "_r"], kind="stable")
                .drop(columns=["_k", "_r"])
                .reset_index(drop=True)
            )
        return df

    def _public_error(self, e: dict[str, Any]) -> dict[str, Any]:
        file = self.names.file(e["file"])
        sheet = self.names.sheet(e["file"], e["sheet"])
        problem = self.names.scrub(e["problem"])
        value = e["value"]
        val = f" (value {value})" if value not in ("", "(empty)") else ""
        loc = where(file, sheet, e["row"], e["column"])
        rule = e["rule"]
        msg = f"{loc}: {problem}{val} [{rule}]" if loc else f"{problem} [{rule}]"
        return {**e, "file": file, "sheet": sheet, "problem": problem, "message": msg}

    def _public_places(self, df: pd.DataFrame) -> pd.DataFrame:
        if df.empty:
            return df
        sheets = [self.names.sheet(f, s) for f, s in zip(df["file"], df["sheet"], strict=True)]
        files = [self.names.file(f) for f in df["file"]]
        return df.assign(file=files, sheet=sheets)

    def cleaning_frame(self, public: bool = False) -> pd.DataFrame:
        """The cleaning log; ``public``: file and sheet names as their labels."""
        df = pd.DataFrame(self.changes, columns=CLEANING_COLUMNS)
        df["row"] = df["row"].astype("Int64")
        return self._public_places(df) if public else df

    def match_frame(self, public: bool = False) -> pd.DataFrame:
        """The match report; ``public``: file and sheet names as their labels."""
        df = pd.DataFrame(self.matches, columns=MATCH_COLUMNS)
        df["row"] = df["row"].astype("Int64")
        df["village_id"] = df["village_id"].astype("Int64")
        df["score"] = df["score"].astype(float)
        return self._public_places(df) if public else df
