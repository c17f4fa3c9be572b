"""leheranalysis: District Need Assessment (DNA) evidence for child protection.

Turns a district's child-protection baseline - the DNA designed by Leher - into
cleaned, indexed, mapped and compared evidence, and into HTML reports that district
officials can read.

The public API is assembled here explicitly; modules are imported lazily so that
``import leheranalysis`` stays fast in notebooks and command-line runs.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = (
    "config",
    "errors",
    "sources",
    "gazetteer",
    "codebook",
    "instruments",
    "ingest",
    "indicators",
    "composite",
    "cpvi",
    "nfhs",
    "geo",
    "synth",
    "privacy",
    "reports",
    "plotting",
    "processed",
    "findings",
    "comparison",
    "village_maps",
    "pipeline",
)

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
