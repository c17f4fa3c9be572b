"""Name handling of the gazetteer: normalisation, the alias table, name resolution.

Private module of :mod:`leheranalysis.gazetteer`, which re-exports the public names
(:func:`normalise_name`, :func:`aliases`, :func:`district_spellings`,
:func:`alias_canonical`); import from there. Needs no public data.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
import unicodedata
from typing import Any

import yaml

from leheranalysis import config
from leheranalysis.errors import ConfigError

# ------------------------------------------------------------------ name handling

_PUNCT = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")
_DOUBLE = re.compile(r"([a-z])\1+")
# ordered: multi-letter spellings first, then single letters, then doubles
_TRANSLIT = (
    ("ph", "f"),
    ("sh", "s"),
    ("x", "ks"),
    ("ee", "i"),
    ("oo", "u"),
    ("z", "j"),
    ("w", "v"),
    ("q", "k"),
)


def _is_na(value: Any) -> bool:
    """True for pandas' missing-value marker ``pd.NA`` (without importing pandas)."""
    return type(value).__name__ == "NAType"


def _canon(text: Any) -> str:
    """Case-folded, trimmed, single-spaced text ('' for missing)."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or _is_na(text):
        return ""
    return _SPACES.sub(" ", str(text)).strip().casefold()


def normalise_name(text: Any) -> str:
    """Normalise a place name for matching.

    Steps, in order: Unicode compatibility form without accents; case-fold; every
    punctuation mark becomes a space; spaces trimmed and collapsed; then common
    romanisation variants of Hindi, Maithili, Assamese and Kashmiri names are folded
    word by word: ``ph``->``f``, ``sh``->``s``, ``x``->``ks`` (Laxmipur = Lakshmipur),
    ``ee``->``i``, ``oo``->``u``, ``z``->``j`` (Harizan = Harijan), ``w``->``v``,
    ``q``->``k``, and finally any doubled letter is collapsed (``aa``->``a``,
    ``chh``->``ch`` via ``hh``). Digits are kept (``Tol 1`` and ``Tol 2`` differ).

    Deliberately *not* folded: suffixes such as ``pur``/``pura``, ``tol``/``tola``,
    ``nagar``/``nagri`` - in PMGSY they tell neighbouring habitations apart (a block may
    have both ``Rampur`` and ``Rampura``), so they are left to fuzzy matching, where
    they count as small differences. Spaces are kept here; the matcher compares keys
    with the spaces removed (``Babu Barhi`` = ``Babubarhi``).

    Parameters
    ----------
    text : str or None
        A name as written or published.

    Returns
    -------
    str
        The normalised name ('' for a missing name).

    Examples
    --------
    >>> normalise_name("  Jahar  Mohara ")
    'jahar mohara'
    >>> normalise_name("HARIZAN TOLA") == normalise_name("Harijan Tola")
    True
    >>> normalise_name("Lakshmipur") == normalise_name("Laxmipur")
    True
    >>> normalise_name("Phulparas"), normalise_name("Mushahari"), normalise_name("Ganj.Per")
    ('fulparas', 'musahari', 'ganj per')
    """
    return _normalise_cached(_canon(text))


@functools.lru_cache(maxsize=262144)
def _normalise_cached(raw: str) -> str:
    if not raw:
        return ""
    if not raw.isascii():
        raw = unicodedata.normalize("NFKD", raw)
    raw = "".join(ch for ch in raw if not unicodedata.combining(ch))
    raw = _SPACES.sub(" ", _PUNCT.sub(" ", raw)).strip()
    for old, new in _TRANSLIT:
        raw = raw.replace(old, new)
    return _DOUBLE.sub(r"\1", raw)


def _key(text: Any) -> str:
    """Matching key: :func:`normalise_name` without spaces."""
    return normalise_name(text).replace(" ", "")


@functools.lru_cache(maxsize=1)
def _alias_groups_cached() -> dict[str, dict[str, tuple[str, ...]]]:
    path = config.package_data("aliases.yaml")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the alias table {path}: {exc}") from exc
    return {
        section: {
            str(canonical): tuple(str(a) for a in others or [])
            for canonical, others in (raw.get(section) or {}).items()
        }
        for section in ("districts", "blocks")
    }


@functools.lru_cache(maxsize=1)
def _aliases_cached() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for section, groups in _alias_groups_cached().items():
        out[section] = {_key(a): canonical for canonical, others in groups.items() for a in others}
    return out


def aliases() -> dict[str, dict[str, str]]:
    """The alias tables of ``data/aliases.yaml``.

    Returns
    -------
    dict
        ``{"districts": {key: canonical}, "blocks": {key: canonical}}`` where ``key``
        is the alias's matching key (normalised, spaces removed).
    """
    return _aliases_cached()


def district_spellings(name: str) -> list[str]:
    """Every spelling the alias table makes equivalent to a district name, ``name`` first.

    This is the one name harmonisation of the project: the canonical PMGSY name and its
    aliases in ``data/aliases.yaml`` (NFHS-5, Census/LGD and field spellings). The NFHS-5
    lookup (:func:`leheranalysis.nfhs.resolve_district`) and the gazetteer use it. Needs
    no public data.

    Parameters
    ----------
    name : str
        A district name as written (case, spaces and punctuation do not matter).

    Returns
    -------
    list of str
        ``name``, then the canonical name and its aliases when ``name`` is one of them;
        just ``[name]`` for a name the table does not know.

    Examples
    --------
    >>> district_spellings("nagaon")
    ['nagaon', 'Nowgaon', 'Nagaon', 'Nowgong']
    >>> district_spellings("Madhubani")
    ['Madhubani']
    """
    canonical = alias_canonical(name)
    if canonical is None:
        return [name]
    groups = _alias_groups_cached()["districts"]
    return list(dict.fromkeys([name, canonical, *groups[canonical]]))


def alias_canonical(name: str) -> str | None:
    """The canonical PMGSY spelling of a district name in the alias table, else None.

    Examples
    --------
    >>> alias_canonical("Sivasagar"), alias_canonical("nowgaon"), alias_canonical("Gaya")
    ('Sibsagar', 'Nowgaon', None)
    """
    key = _key(name)
    canonical = aliases()["districts"].get(key)
    if canonical is None:
        groups = _alias_groups_cached()["districts"]
        canonical = next((c for c in groups if _key(c) == key), None)
    return canonical


def _resolve(name: str, names: Any, alias_table: dict[str, str]) -> str | None:
    """Find ``name`` among ``names``: case-insensitive, then key, then alias."""
    names = list(names)
    wanted = _canon(name)
    for candidate in names:
        if _canon(candidate) == wanted:
            return candidate
    key = _key(name)
    if not key:
        return None
    by_key = {_key(c): c for c in names}
    if key in by_key:
        return by_key[key]
    target = alias_table.get(key)
    if target is not None and _key(target) in by_key:
        return by_key[_key(target)]
    return None


def _closest(name: str, names: Any, n: int = 5) -> list[str]:
    """Up to ``n`` names closest to ``name`` (difflib), best first."""
    names = [str(x) for x in names]
    folded = {}
    for candidate in names:
        folded.setdefault(candidate.casefold(), candidate)
    hits = difflib.get_close_matches(_canon(name), list(folded), n=n, cutoff=0.5)
    return [folded[h] for h in hits]
