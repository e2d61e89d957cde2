"""Taxonomies shipped with riskmodel: CAMEO event codes and state codes."""

from riskmodel.codes.cameo import (
    QUAD_CLASS_LABELS,
    cameo_table,
    goldstein_of,
    is_valid_code,
    label_of,
    normalize_code,
    quad_class_of_root,
    root_of,
)
from riskmodel.codes.states import SCHEMES, from_iso3, state_name, to_iso3

__all__ = [
    "SCHEMES",
    "from_iso3",
    "state_name",
    "to_iso3",
    "QUAD_CLASS_LABELS",
    "cameo_table",
    "goldstein_of",
    "is_valid_code",
    "label_of",
    "normalize_code",
    "quad_class_of_root",
    "root_of",
]
