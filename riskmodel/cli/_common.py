"""Arguments shared by several verbs."""

from __future__ import annotations

import argparse
import os

from riskmodel.store import DEFAULT_STORE, STORE_ENV


def add_store_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--store FILE`` (default: ``$RISKMODEL_STORE`` or ``riskmodel.duckdb``)."""
    parser.add_argument(
        "--store",
        default=None,
        metavar="FILE",
        help=f"DuckDB event store (default: ${STORE_ENV} or {DEFAULT_STORE})",
    )


def store_path(value: str | None) -> str:
    """The store path from ``--store``, else the environment, else the default."""
    return value or os.environ.get(STORE_ENV) or DEFAULT_STORE
