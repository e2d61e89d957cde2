"""The DuckDB engine (default): the panel aggregation as one SQL query per step.

Everything up to the small per-(dyad, period, root) cells runs inside DuckDB (vectorised,
multi-threaded, spilling to disk when memory runs short); only the cells and the per-period
volume come back to pandas. Inputs:

* an :class:`~riskmodel.store.EventStore` (its ``connection`` and table ``events``);
* a DuckDB connection with a table or view ``events`` in the canonical schema;
* a pandas frame in the canonical schema (registered on a private in-memory connection);
* a path, glob, directory or list of paths of Parquet or CSV event files (canonical columns;
  CSV with a header).

The rules (filter, attribution, deduplication, periods) are described in
:mod:`riskmodel.engines`.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from riskmodel.engines import (
    CELL_COLUMNS,
    EVENT_SQL_TYPES,
    NON_STATE_ARMED_TYPES,
    STATE_TYPES,
    EngineResult,
    PanelQuery,
)
from riskmodel.exceptions import ConfigurationError, StoreError

__all__ = ["aggregate", "attribution_sql", "open_source", "resolve_files"]

NAME = "duckdb"


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _state_actor(n: int) -> str:
    types = ", ".join(_quote(t) for t in STATE_TYPES)
    return (f"(actor{n}_state IS NOT NULL AND (actor{n}_type IS NULL "
            f"OR actor{n}_type IN ({types})))")


def _country_actor(n: int) -> str:
    types = ", ".join(_quote(t) for t in NON_STATE_ARMED_TYPES)
    return (f"(actor{n}_state IS NOT NULL AND (actor{n}_type IS NULL "
            f"OR actor{n}_type NOT IN ({types})))")


def attribution_sql(attribution: str) -> tuple[str, str, str]:
    """SQL of ``side_a``, ``side_b`` and the condition that an event belongs to a dyad.

    The SQL twin of :func:`riskmodel.engines.attribute_frame` (same rules; see
    :mod:`riskmodel.engines`). The condition is a plain ``WHERE`` predicate on the input
    columns, so that DuckDB filters before it computes anything else.
    """
    st1, st2 = _state_actor(1), _state_actor(2)
    state_pair = f"({st1} AND {st2} AND actor1_state <> actor2_state)"
    if attribution == "state":
        return "actor1_state", "actor2_state", state_pair
    if attribution == "country":
        return ("actor1_state", "actor2_state",
                f"({_country_actor(1)} AND {_country_actor(2)} "
                "AND actor1_state <> actor2_state)")
    if attribution == "territorial":
        terr = (f"({st1} AND quad_class = 4 "
                f"AND (NOT {st2} OR coalesce(actor2_state = actor1_state, false)) "
                "AND location_state IS NOT NULL AND location_state <> actor1_state)")
        return ("actor1_state",
                f"CASE WHEN {state_pair} THEN actor2_state ELSE location_state END",
                f"({state_pair} OR {terr})")
    if attribution == "any":
        a = (f"CASE WHEN {st1} THEN actor1_state "
             "ELSE coalesce(actor1_id, actor1_name, actor1_code) END")
        b = (f"CASE WHEN {st2} THEN actor2_state "
             "ELSE coalesce(actor2_id, actor2_name, actor2_code) END")
        return a, b, f"coalesce(({a}) <> ({b}), false)"
    raise ConfigurationError(f"Unknown attribution {attribution!r}.")


def _period_sql(freq: str) -> str:
    if freq == "D":
        return "day"
    if freq == "W":
        return "CAST(date_trunc('week', day) AS DATE)"  # ISO weeks: Monday
    return "CAST(date_trunc('month', day) AS DATE)"


def resolve_files(source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]
                  ) -> tuple[list[str], str]:
    """Expand a path, directory, glob or list of paths into event files and their format.

    URLs (``s3://bucket/events/*.parquet``) are passed through unexpanded.

    Returns
    -------
    (files, kind) : list of str and ``"parquet"`` or ``"csv"``

    Raises
    ------
    StoreError
        If nothing matches, or Parquet and CSV files are mixed.
    """
    import glob

    items = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    files: list[str] = []
    for item in items:
        if isinstance(item, str) and "://" in item:
            # object storage or another remote file system: the engine reads it (DuckDB's
            # httpfs, fsspec for Dask); globs are expanded there
            files.append(item)
            continue
        p = Path(item)
        if p.is_dir():
            found = sorted(str(f) for f in p.rglob("*")
                           if f.is_file() and f.suffix.lower() in (".parquet", ".csv", ".pq"))
        elif p.is_file():
            found = [str(p)]
        else:
            found = sorted(glob.glob(str(item), recursive=True))
        files.extend(found)
    if not files:
        raise StoreError(
            f"No event files found at {source!r}: expected Parquet or CSV files (a file, a "
            "directory, a glob such as 'events/*.parquet', or a list of them)."
        )
    kinds = {"csv" if f.lower().endswith(".csv") else "parquet" for f in files}
    if len(kinds) > 1:
        raise StoreError(f"Event files at {source!r} mix Parquet and CSV; give one kind at a time.")
    return files, kinds.pop()


_SCRATCH: list[duckdb.DuckDBPyConnection] = []
_SCRATCH_LOCK = threading.Lock()


def _scratch() -> duckdb.DuckDBPyConnection:
    """A process-wide in-memory database; each use takes its own cursor (connection)."""
    with _SCRATCH_LOCK:
        if not _SCRATCH:
            _SCRATCH.append(duckdb.connect())
        return _SCRATCH[0]


def open_source(source: Any) -> tuple[duckdb.DuckDBPyConnection, str, str]:
    """Return a connection, the relation to read (SQL) and a description of ``source``.

    Raises
    ------
    StoreError
        If the connection has no ``events`` table or no files match.
    ConfigurationError
        If ``source`` is of an unsupported type.
    """
    if isinstance(source, pd.DataFrame):
        from riskmodel.events import conform_events

        frame = source
        missing = [c for c in EVENT_SQL_TYPES if c not in frame.columns]
        if missing:
            frame = conform_events(frame)
        con = _scratch().cursor()
        name = f"events_input_{uuid.uuid4().hex}"
        con.register(name, frame[list(EVENT_SQL_TYPES)])
        return con, name, "pandas frame"
    if isinstance(source, (str, os.PathLike)) or (
        isinstance(source, (list, tuple)) and source and isinstance(source[0], (str, os.PathLike))
    ):
        files, kind = resolve_files(source)
        con = duckdb.connect()
        listing = "[" + ", ".join(_quote(f) for f in files) + "]"
        if kind == "parquet":
            rel = f"read_parquet({listing}, union_by_name = true)"
        else:
            types = "{" + ", ".join(f"{_quote(c)}: {_quote(t)}"
                                   for c, t in EVENT_SQL_TYPES.items()) + "}"
            rel = f"read_csv({listing}, header = true, union_by_name = true, types = {types})"
        return con, rel, f"{len(files)} {kind} file(s)"
    con = getattr(source, "connection", None)
    description = f"event store {getattr(source, 'path', '')}".strip()
    if con is None and isinstance(source, duckdb.DuckDBPyConnection):
        con, description = source, "DuckDB connection"
    if con is None:
        raise ConfigurationError(
            "The 'source' of a panel must be an EventStore, a DuckDB connection with an 'events' "
            "table, a pandas event frame or paths of Parquet/CSV event files. Got "
            f"{type(source).__name__} instead."
        )
    cur = con.cursor()
    try:
        cur.execute("SELECT 1 FROM events LIMIT 0")
    except duckdb.Error as exc:
        raise StoreError(
            f"The {description} has no 'events' table ({exc}). Ingest events first "
            "(`riskmodel ingest ...`) or pass an event frame."
        ) from exc
    return cur, "events", description


def _where(query: PanelQuery) -> str:
    clauses = ["date IS NOT NULL"]
    if query.as_of is not None:
        stamp = query.as_of.floor("us").strftime("%Y-%m-%d %H:%M:%S.%f")
        clauses.append(f"available_at <= TIMESTAMP {_quote(stamp)}")
    if query.start is not None:
        clauses.append(f"CAST(date AS DATE) >= DATE {_quote(query.start.date().isoformat())}")
    if query.end is not None:
        clauses.append(f"CAST(date AS DATE) <= DATE {_quote(query.end.date().isoformat())}")
    if query.sources is not None:
        clauses.append("source IN (" + ", ".join(_quote(s) for s in query.sources) + ")")
    return " AND ".join(clauses)


def build_sql(query: PanelQuery, relation: str) -> tuple[str, str]:
    """The two SQL statements of a panel: (volume, cells)."""
    side_a, side_b, in_dyad = attribution_sql(query.attribution)
    period = _period_sql(query.freq)
    base = (
        "SELECT CAST(date AS DATE) AS day, cameo_code, cameo_root, quad_class, goldstein, "
        f"fatalities, weight, {side_a} AS side_a, {side_b} AS side_b "
        f"FROM {relation} WHERE {_where(query)} AND {in_dyad}"
    )
    volume = (
        f"WITH base AS (SELECT source, CAST(date AS DATE) AS day FROM {relation} "
        f"WHERE {_where(query)}), periods AS (SELECT source, day, {period} AS period FROM base) "
        "SELECT period, source, count(*) AS n, min(day) AS first_day, max(day) AS last_day "
        "FROM periods GROUP BY period, source"
    )
    dyadic = "SELECT * FROM base"
    if query.dedup == "none":
        events = ("SELECT side_a, side_b, day, cameo_root, quad_class, goldstein, fatalities, "
                  "weight, 1 AS n_raw FROM dyadic")
    else:
        key = "cameo_code" if query.dedup == "dyad_code_day" else "cameo_root"
        events = (
            "SELECT side_a, side_b, day, min(cameo_root) AS cameo_root, "
            "min(quad_class) AS quad_class, avg(goldstein) AS goldstein, "
            "max(fatalities) AS fatalities, sum(weight) AS weight, count(*) AS n_raw "
            f"FROM dyadic GROUP BY side_a, side_b, day, {key}"
        )
    cells = (
        f"WITH base AS ({base}), dyadic AS ({dyadic}), deduped AS ({events}), "
        f"periods AS (SELECT *, {period} AS period FROM deduped) "
        "SELECT side_a, side_b, period, CAST(cameo_root AS INTEGER) AS cameo_root, "
        "CAST(quad_class AS INTEGER) AS quad_class, count(*) AS n_events, "
        "CAST(sum(n_raw) AS BIGINT) AS n_raw, "
        "sum(CAST(goldstein AS DOUBLE)) AS goldstein_sum, "
        "min(CAST(goldstein AS DOUBLE)) AS goldstein_min, "
        "sum(coalesce(CAST(fatalities AS DOUBLE), 0)) AS fatalities, "
        "sum(CAST(weight AS DOUBLE)) AS weight "
        "FROM periods GROUP BY side_a, side_b, period, cameo_root, quad_class"
    )
    return volume, cells


def aggregate(source: Any, query: PanelQuery, **options: Any) -> EngineResult:
    """Run the panel aggregation on DuckDB.

    Parameters
    ----------
    source : EventStore, duckdb connection, pandas.DataFrame, path(s)
        The events (see the module docstring).
    query : PanelQuery
        What to aggregate.
    **options
        ``threads`` (int) and ``memory_limit`` (str, e.g. ``"1GB"``) are passed to DuckDB when
        the engine opened its own connection; other options are rejected.

    Returns
    -------
    EngineResult

    Raises
    ------
    StoreError
        If the source holds no events at all.
    """
    unknown = set(options) - {"threads", "memory_limit"}
    if unknown:
        raise ConfigurationError(
            f"Unknown option(s) {sorted(unknown)} for the duckdb engine; it accepts 'threads' "
            "and 'memory_limit'."
        )
    con, relation, description = open_source(source)
    owned = relation != "events" and not relation.startswith("events_input_")
    try:
        con.execute("SET enable_progress_bar = false")
        if owned:
            if options.get("threads"):
                con.execute(f"SET threads = {int(options['threads'])}")
            if options.get("memory_limit"):
                con.execute(f"SET memory_limit = {_quote(options['memory_limit'])}")
        volume_sql, cells_sql = build_sql(query, relation)
        volume = con.execute(volume_sql).df()
        if volume.empty:
            total = con.execute(f"SELECT count(*) FROM {relation}").fetchone()
            if not total or total[0] == 0:
                raise StoreError(
                    f"The {description} holds no events: nothing to build a panel from. "
                    "Ingest events first (`riskmodel ingest KIND FILES`)."
                )
            cells = pd.DataFrame({c: pd.Series(dtype="float64") for c in CELL_COLUMNS})
        else:
            cells = con.execute(cells_sql).df()
    finally:
        # Our own connection, or a cursor (closing it drops the frame it registered).
        con.close()
    first = pd.Timestamp(volume["first_day"].min()) if len(volume) else None
    last = pd.Timestamp(volume["last_day"].max()) if len(volume) else None
    volume = volume[["period", "source", "n"]].copy()
    volume["period"] = pd.to_datetime(volume["period"]).astype("datetime64[ns]")
    volume["n"] = volume["n"].astype("int64")
    cells["period"] = pd.to_datetime(cells["period"]).astype("datetime64[ns]")
    return EngineResult(cells=cells, volume=volume, first_day=first, last_day=last,
                        engine=NAME, info={"input": description})
