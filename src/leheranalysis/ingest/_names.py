"""Neutral labels for file, sheet and folder names: what every written output shows.

A file or sheet name is typed by whoever saved the file and may carry personal data
(``DNA_part1_Ramesh_Kumar_9876543210.xlsx``, a sheet named after an interviewer). No
output of ingestion (processed tables, manifest, cleaning log, match report, the
validation errors file) and therefore no report stores such a name: a file is shown as
its instrument and the first six hex digits of its sha256 (``Part I workbook #3f9a1c``),
a recognised data sheet by its template name (``Children's groups``), any other sheet by
its position (``sheet 3``). Only the messages printed to the terminal, which stay on the
analyst's machine, name the path as typed; ``leher ingest`` prints which label is which
file, and ``sha256sum FILE`` gives the same six digits.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from leheranalysis.ingest._layout import NON_DATA_SHEETS, SHEETS

#: what a label calls each instrument's workbook
INSTRUMENT_NAMES = {
    "secondary": "Secondary data",
    "part1": "Part I",
    "part2": "Part II",
    "collation": "Collation",
}
#: what a label calls each kind of file
FORMAT_NOUNS = {"xlsx": "workbook", "csv": "CSV file", "kobo": "Kobo export"}
#: hex digits of the sha256 a label shows
HASH_DIGITS = 6
#: sheet names the software itself knows (templates): shown as they are
KNOWN_SHEETS = frozenset(
    [name for name, _ in SHEETS.values()] + [n.title() for n in NON_DATA_SHEETS]
)


def file_label(digest: str, fmt: str = "", instrument: str | None = None) -> str:
    """The neutral label of a file: instrument, kind of file and short sha256.

    Parameters
    ----------
    digest : str
        The file's sha256 (hex).
    fmt : str
        ``xlsx``, ``csv`` or ``kobo``; anything else is an input file.
    instrument : str, optional
        Workbook key (``part1``, ...), when known.

    Examples
    --------
    >>> file_label("3f9a1c" + "0" * 58, "xlsx", "part1")
    'Part I workbook #3f9a1c'
    >>> file_label("ab12cd" + "0" * 58, "csv")
    'Input CSV file #ab12cd'
    """
    inst = INSTRUMENT_NAMES.get(instrument or "", "Input")
    noun = FORMAT_NOUNS.get(fmt, "file")
    return f"{inst} {noun} #{digest[:HASH_DIGITS]}"


def path_label(name: str, kind: str = "Input path") -> str:
    """A label for a path whose content was not read (missing file, folder).

    Examples
    --------
    >>> path_label("data/raw/dna/Ramesh")[:12]
    'Input path #'
    """
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{kind} #{digest[:HASH_DIGITS]}"


@dataclass
class Names:
    """The labels of one ingestion: file name as typed -> label, (file, sheet) -> label."""

    files: dict[str, str] = field(default_factory=dict)
    sheets: dict[tuple[str, str], str] = field(default_factory=dict)

    def file(self, name: str | None) -> str:
        """The label of a file or folder name as typed ("" stays "")."""
        if not name:
            return ""
        if name not in self.files:
            self.files[name] = path_label(name)
        return self.files[name]

    def sheet(self, file: str | None, sheet: str | None) -> str:
        """The label of a sheet of a file ("" stays "", e.g. a CSV file)."""
        if not sheet:
            return ""
        label = self.sheets.get((file or "", sheet))
        if label is None:
            label = sheet if sheet in KNOWN_SHEETS else "sheet"
        return label

    def scrub(self, text: str) -> str:
        """``text`` with every known file name and quoted sheet name replaced by its label."""
        for name in sorted(self.files, key=len, reverse=True):
            if name and name in text:
                text = text.replace(name, self.files[name])
        for (_, sheet), label in sorted(self.sheets.items(), key=lambda kv: -len(kv[0][1])):
            if sheet:
                text = re.sub(f"'{re.escape(sheet)}'", lambda _m, lab=label: f"'{lab}'", text)
        return text
