"""Internal records of ingestion: mapped tables and clean rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from leheranalysis.ingest import _layout as L


@dataclass
class Table:
    """A data sheet (or a flat CSV/Kobo table, or one slice of a Kobo form) mapped to codes.

    ``columns`` maps a code of ``spec`` to a 0-based column index of ``rows``;
    ``constants`` gives codes whose value is fixed for the whole table (the indicator of
    one slice of a wide Kobo form); ``names`` the header shown in messages, when it is
    not the code (``db/oosc_6_14_response``); ``drop_names`` the code (or header) of each
    removed column, so the cleaning log reads ``H [comment]``.
    """

    file: str
    sheet: str
    spec: L.SheetSpec
    source: str  # "template", "csv" or "kobo"
    header_row: int
    columns: dict[str, int]
    rows: list[tuple[int, list[Any]]]
    drop_cols: dict[int, str] = field(default_factory=dict)  # index -> rule (privacy)
    drop_names: dict[int, str] = field(default_factory=dict)  # index -> code/header shown
    constants: dict[str, Any] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    presence: tuple[str, ...] | None = None  # codes that make a row non-empty

    def letter(self, code: str) -> str:
        """Column as messages show it: ``F [oosc_6_14]``."""
        idx = self.columns.get(code)
        name = self.names.get(code, code)
        return f"{L.column_letter(idx + 1)} [{name}]" if idx is not None else f"[{name}]"


@dataclass
class Record:
    """One clean data row."""

    table: Table
    row: int
    block: str | None = None
    village: str | None = None
    group: str | None = None
    indicator: str | None = None
    year: str | None = None
    values: dict[str, float] = field(default_factory=dict)
    ranks: dict[str, int] = field(default_factory=dict)
    response: str | None = None
    reason: str | None = None
    action_code: str | None = None
    ok: bool = True
