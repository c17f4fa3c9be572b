"""Shared fixtures.

Tests that need the public data use :func:`public_data`: without the data they skip with
a reason, unless ``LEHER_REQUIRE_DATA=1`` (set in CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from leheranalysis import config

# headless plotting everywhere
os.environ.setdefault("MPLBACKEND", "Agg")
# one public data folder for the whole session: a test that moves LEHER_DATA_DIR (or
# LEHER_HOME) to a temporary project still reads the public data fetched into the checkout
os.environ.setdefault("LEHER_PUBLIC_DATA", str(config.public_data_dir()))

PMGSY = "pmgsy-geosadak/data"
NFHS = "nfhs5_factsheets"


def _missing_data(reason: str):
    if config.require_data():
        pytest.fail(f"public data required (LEHER_REQUIRE_DATA=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def public_data() -> Path:
    """The public data folder, verified to hold the PMGSY and NFHS files."""
    root = config.public_data_dir()
    needed = [
        f"{PMGSY}/MasterData.xls",
        f"{PMGSY}/Habitation/Bihar.zip",
        f"{NFHS}/phase 1 release/NFHS-5 Phase 1 District Factsheets vDec21.csv",
    ]
    missing = [p for p in needed if not (root / p).is_file()]
    if missing:
        _missing_data(
            f"public data not available in {root} (missing {missing[0]}); run `leher data fetch`"
        )
    return root


@pytest.fixture(scope="session")
def shared_mirror() -> Path:
    """The read-only mirror ``../shared/data`` beside the checkout, if present."""
    root = config.project_root().parent / "shared" / "data"
    if not (root / "SHA256SUMS").is_file():
        _missing_data(f"mirror {root} not present")
    return root
