"""riskmodel: escalation risk between pairs of states, from event data and news articles.

Data flows one way::

    sources / coding  ->  events  ->  store  ->  panel  ->  labels / features  ->  models
                      ->  evaluation  ->  plotting / reporting

This module is the supported import path; everything public is listed in ``__all__``.
"""

from riskmodel.events import (
    EVENT_COLUMNS,
    SOURCES,
    check_events,
    validate_events,
)
from riskmodel.exceptions import (
    ConfigurationError,
    DataQualityWarning,
    DownloadError,
    NotFittedError,
    RiskmodelError,
    SchemaError,
    SourceFormatError,
    StoreError,
)

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "EVENT_COLUMNS",
    "SOURCES",
    "check_events",
    "validate_events",
    "ConfigurationError",
    "DataQualityWarning",
    "DownloadError",
    "NotFittedError",
    "RiskmodelError",
    "SchemaError",
    "SourceFormatError",
    "StoreError",
]
