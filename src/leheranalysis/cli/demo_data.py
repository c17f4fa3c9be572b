"""``leher`` command group `demo_data` (placeholder until its module lands)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Register this command group (not available yet)."""
    return None
