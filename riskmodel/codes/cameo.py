"""CAMEO event codes: labels, roots, QuadClass and Goldstein scores.

The table ships as package data (``codes/data/cameo.tsv``): 310 event codes of the CAMEO
codebook with the Goldstein (1992) conflict-cooperation weight of each, and the GDELT QuadClass of
each root (roots 01-05 verbal cooperation, 06-09 material cooperation, 10-14 verbal conflict,
15-20 material conflict).

CAMEO codes are strings: ``"043"`` is not ``43``. Codes read from sources that dropped leading
zeros can be repaired with :func:`normalize_code`.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd

__all__ = [
    "QUAD_CLASS_LABELS",
    "cameo_table",
    "is_valid_code",
    "normalize_code",
    "root_of",
    "quad_class_of_root",
    "goldstein_of",
    "label_of",
]

QUAD_CLASS_LABELS: dict[int, str] = {
    1: "verbal cooperation",
    2: "material cooperation",
    3: "verbal conflict",
    4: "material conflict",
}


@lru_cache(maxsize=1)
def cameo_table() -> pd.DataFrame:
    """Return the CAMEO table indexed by code.

    Returns
    -------
    pandas.DataFrame
        Index ``code`` (str); columns ``root`` (int), ``quad_class`` (int), ``goldstein``
        (float) and ``label`` (str).
    """
    path = resources.files("riskmodel.codes") / "data" / "cameo.tsv"
    with path.open("r", encoding="utf-8") as fh:
        table = pd.read_csv(fh, sep="\t", comment="#", dtype={"code": str, "label": str})
    return table.set_index("code")


@lru_cache(maxsize=1)
def _codes() -> frozenset[str]:
    return frozenset(cameo_table().index)


def is_valid_code(code: str) -> bool:
    """Whether ``code`` is a CAMEO event code of the codebook (two to four digits)."""
    return isinstance(code, str) and code in _codes()


def normalize_code(code: object) -> str | None:
    """Return the CAMEO code as the codebook writes it, or ``None`` if it is not one.

    Accepts strings with stray whitespace and integers or strings that lost their leading zero
    (``43`` or ``"43"`` become ``"043"``; ``"10"`` stays the root code ``"10"``).
    """
    if code is None or (isinstance(code, float) and code != code):
        return None
    text = str(code).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit():
        return None
    if text in _codes():
        return text
    padded = "0" + text
    if padded in _codes():
        return padded
    return None


def root_of(code: str) -> int:
    """The CAMEO root (1-20) of a code: its first two digits."""
    return int(code[:2])


def quad_class_of_root(root: int) -> int:
    """GDELT's QuadClass of a CAMEO root: 1-4 for roots 01-05, 06-09, 10-14, 15-20."""
    if not 1 <= root <= 20:
        raise ValueError(f"CAMEO roots run from 1 to 20. Got {root!r}.")
    return 1 if root <= 5 else 2 if root <= 9 else 3 if root <= 14 else 4


def goldstein_of(code: str) -> float:
    """The Goldstein score of a CAMEO code (falls back to its base code, then its root)."""
    table = cameo_table()
    for candidate in (code, code[:3], code[:2]):
        if candidate in table.index:
            return float(table.at[candidate, "goldstein"])
    raise KeyError(f"{code!r} is not a CAMEO event code; see riskmodel.codes.cameo_table().")


def label_of(code: str) -> str:
    """The codebook's short label of a CAMEO code."""
    return str(cameo_table().at[code, "label"])
