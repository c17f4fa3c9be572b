"""One exception hierarchy for the whole package, rooted in :class:`LeherError`.

The command-line interface catches :class:`LeherError` and prints its message (no
traceback) with exit code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class LeherError(Exception):
    """Base class of every error caused by user input or the environment."""

    exit_code: int = 2


class ConfigError(LeherError):
    """A setting, path or parameter is wrong."""


class DataNotAvailableError(LeherError):
    """Public data that an operation needs has not been fetched (run ``leher data fetch``)."""


class SourceError(LeherError):
    """A public data source cannot be reached, or a fetched file is corrupt."""


class ChecksumError(SourceError):
    """A file's sha256 differs from the registry's."""


class UnknownNameError(LeherError):
    """A district, block or other name is not known; the message lists close matches."""

    def __init__(self, kind: str, name: str, suggestions: list[str] | None = None):
        self.kind = kind
        self.name = name
        self.suggestions = list(suggestions or [])
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"Unknown {kind} {name!r}.{hint}")


class CodebookError(LeherError):
    """The indicator codebook (or a user copy of it) is invalid."""


class InputFileError(LeherError):
    """A DNA input file cannot be read at all (corrupt, wrong format, empty)."""


class ValidationError(LeherError):
    """Validation found errors; ``errors`` is a DataFrame with one located error per row."""

    def __init__(self, message: str, errors=None):
        super().__init__(message)
        self.errors = errors


class MetadataError(LeherError):
    """Composite-index metadata (tree, weights, directions) is invalid."""


class CompositeInputError(LeherError):
    """The indicator table given to the composite index cannot be used."""


class ReportError(LeherError):
    """A notebook run or report export failed."""


class IndicatorInputError(LeherError):
    """A table given to the indicator or CPVI functions cannot be used (missing columns, duplicates, unknown codes)."""
