"""Readers of public event datasets and of news articles, one module per source.

Each module parses its source's exact public layout into the canonical event schema
(:mod:`riskmodel.events`) and registers itself under the kind that ``riskmodel ingest KIND``
takes. Downloading lives apart, in :mod:`riskmodel.sources.download`.
"""

from riskmodel.sources.base import (
    Chunk,
    InputFile,
    expand_inputs,
    file_sha256,
    get_reader,
    reader_kinds,
    register_reader,
)

__all__ = [
    "Chunk",
    "InputFile",
    "expand_inputs",
    "file_sha256",
    "get_reader",
    "reader_kinds",
    "register_reader",
]
