"""Which districts a comparison report compares: canonical names and processed folders.

Kept apart from :mod:`leheranalysis.comparison` (tables and figures) so that the report
runner can name the compared districts without loading pandas or matplotlib; the
comparison module re-exports both functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from leheranalysis import config


def canonical_name(name: str) -> str:
    """A district's canonical name: the alias table's PMGSY spelling, else the name as given.

    Examples
    --------
    >>> canonical_name("Nagaon"), canonical_name(" Nowgaon "), canonical_name("Madhubani")
    ('Nowgaon', 'Nowgaon', 'Madhubani')
    """
    from leheranalysis._gazetteer_names import alias_canonical

    text = " ".join(str(name).split())
    return alias_canonical(text) or text


def compared_districts(
    districts: Sequence[str], district: str, data_dir: str | Path | None = None
) -> dict[str, str]:
    """The districts a comparison report compares, each once, with their processed folders.

    Parameters
    ----------
    districts : sequence of str
        Districts asked for (any spelling of the alias table: Nagaon and Nowgaon are one
        district). Empty: every district with processed data in the folder that holds
        the report district's own (``data_dir``'s parent, else ``data/processed``), i.e.
        the districts that were ingested and run there.
    district : str
        The report's own district; always compared, first.
    data_dir : str or pathlib.Path, optional
        The report district's processed folder (empty: its default folder).

    Returns
    -------
    dict of str to str
        Canonical district name -> processed folder (which may not exist: the comparison
        then lists the district as having no data), the report district first.
    """
    from leheranalysis import store

    own = canonical_name(district)
    root = Path(data_dir).parent if data_dir else config.processed_dir()
    available = {canonical_name(k): v for k, v in store.processed_districts(root).items()}
    wanted = list(districts) if districts else list(available)
    names = list(dict.fromkeys([own, *(canonical_name(d) for d in wanted)]))
    out = {}
    for name in names:
        if name == own and data_dir:
            out[name] = str(Path(data_dir))
        elif name in available:
            out[name] = str(available[name])
        else:
            out[name] = str(root / config.slugify(name))
    return out
