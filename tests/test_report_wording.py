"""What the reports say in words: no code names in the text a reader reads."""

from __future__ import annotations

import re

import pytest

from tests._suite import NOTEBOOKS

_CODE_NAME = re.compile(r"`[^`]+`|\b[a-z_]+\.[a-z_]+\(|\b(?:comparison|monitoring|indicators|"
                        r"cpvi|keyfindings|plan|findings|pm|pp|f)\.[a-z_]+\b")  # fmt: skip


def _markdown(path) -> list[str]:
    out, inside = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            inside = "[markdown]" in line
            continue
        if inside and line.startswith("#"):
            out.append(line[1:].strip())
    return out


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("0*.py")), ids=lambda p: p.stem)
def test_the_text_of_the_reports_names_no_code(path):
    found = [line for line in _markdown(path) if _CODE_NAME.search(line)]
    assert not found, found
