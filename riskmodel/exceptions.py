"""Exceptions and warnings raised by riskmodel.

Every error says what was found, what was expected and how to fix it. Errors that come from a
file name the file and, where it is known, the line and field.
"""

from __future__ import annotations

__all__ = [
    "RiskmodelError",
    "SchemaError",
    "SourceFormatError",
    "ConfigurationError",
    "NotFittedError",
    "StoreError",
    "DownloadError",
    "DataQualityWarning",
]


class RiskmodelError(Exception):
    """Base class of every error riskmodel raises on purpose."""


class SchemaError(RiskmodelError, ValueError):
    """A frame does not follow the canonical event schema (or another declared schema).

    Parameters
    ----------
    message : str
        What is wrong and how to fix it.
    column, row, value : optional
        The offending column, row label and value, when one can be named.
    """

    def __init__(self, message: str, *, column: str | None = None, row: object = None,
                 value: object = None) -> None:
        super().__init__(message)
        self.column = column
        self.row = row
        self.value = value


class SourceFormatError(RiskmodelError, ValueError):
    """An input file is not in the layout its reader expects.

    Parameters
    ----------
    message : str
        What was expected, what was found and how to fix it.
    path : str, optional
        The file.
    line : int, optional
        1-based line number in the file, when known.
    field : str, optional
        The column or field, when known.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        where = []
        if path is not None:
            where.append(str(path))
        if line is not None:
            where.append(f"line {line}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = (", ".join(where) + ": ") if where else ""
        super().__init__(prefix + message)
        self.path = path
        self.line = line
        self.field = field


class ConfigurationError(RiskmodelError, ValueError):
    """A parameter or configuration value is invalid (unknown key, out of range, wrong type)."""


class NotFittedError(RiskmodelError, AttributeError):
    """A model was used before ``fit``.

    Subclasses :class:`AttributeError` (as scikit-learn's does) so that ``hasattr`` checks work.
    """


class StoreError(RiskmodelError):
    """The event store cannot be opened, is empty where data is needed, or is inconsistent."""


class DownloadError(RiskmodelError, OSError):
    """A download is missing, truncated or does not match its published size or checksum."""


class DataQualityWarning(UserWarning):
    """Input was usable but doubtful (e.g. rows rejected, sparse dyads, no date found)."""
