"""The Dask engine: the panel aggregation on ``dask.dataframe``, local or on a cluster.

Each partition (a Parquet file or row group, a block of a CSV file, a slice of a frame) is read
by ``dask.dataframe`` (only the columns the query needs) and reduced by one task to its partial
aggregates: filtered, attributed, labelled with its period and grouped with Arrow compute
(:mod:`riskmodel.engines._arrow`, vectorised C++ rather than pandas string operations). Without
deduplication the partial cells go to the client and are summed there (they are small: one row
per dyad, period and CAMEO root); with deduplication the partial groups are merged across
partitions by a Dask group-by (duplicates may sit in different partitions) before they become
cells. The rules are those of :mod:`riskmodel.engines`; a test checks that this engine and the
DuckDB engine give the same panel.

Which scheduler runs it
-----------------------
1. ``client=``: a ``distributed.Client``, or a scheduler address (``"tcp://host:8786"``);
2. else the environment variable ``RISKMODEL_DASK_SCHEDULER`` (an address);
3. else the current ``distributed`` client, if one exists in this process;
4. else Dask's local threaded scheduler.

A client the engine connects to itself (from an address) is closed after the computation. On a
real cluster the workers read the files themselves: give paths they can all reach (a shared file
system or object storage such as ``s3://bucket/events/*.parquet``), not local paths of the
client machine. :func:`export_parquet` writes a store's events as partitioned Parquet for this.

When it pays off
----------------
On one machine DuckDB is faster (no serialisation, no task overhead). Dask pays off when the
events do not fit on one machine's disk or memory, when they already live as many files in
shared storage next to a cluster, or when many panels (different rules, dyad sets, ``as_of``
dates) are built at once on a cluster.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from riskmodel.engines import (
    INPUT_COLUMNS,
    EngineResult,
    PanelQuery,
    needed_columns,
)
from riskmodel.exceptions import ConfigurationError, StoreError

__all__ = ["aggregate", "export_parquet", "read_events", "SCHEDULER_ENV"]

NAME = "dask"
#: Environment variable with the address of a Dask scheduler.
SCHEDULER_ENV = "RISKMODEL_DASK_SCHEDULER"

_STRING_COLUMNS = tuple(c for c in INPUT_COLUMNS
                        if c not in ("date", "available_at", "cameo_root", "quad_class",
                                     "goldstein", "fatalities", "weight"))
_PREPARED_DTYPES: dict[str, str] = {
    "source": "string", "day": "datetime64[ns]", "period": "datetime64[ns]",
    "side_a": "string", "side_b": "string", "cameo_code": "string", "cameo_root": "int64",
    "quad_class": "int64", "goldstein": "float64", "fatalities": "float64", "weight": "float64",
}


def read_events(source: Any, *, npartitions: int | None = None,
                blocksize: str | int | None = None,
                columns: list[str] | None = None) -> Any:
    """A dask DataFrame of the engine's input columns from any supported source.

    Parameters
    ----------
    source : dask DataFrame, pandas.DataFrame, path(s), EventStore or duckdb connection
        Parquet/CSV paths (file, directory, glob or list) are read in parallel, one partition per
        file or row group (Parquet) or block (CSV). A store is read through its connection into
        memory first; for stores larger than memory use :func:`export_parquet` and pass the
        directory.
    npartitions : int, optional
        Partitions of an in-memory frame (default: about one per million rows, at least 2).
    blocksize : str or int, optional
        CSV block size (default Dask's).
    columns : list of str, optional
        Columns to read (default :data:`riskmodel.engines.INPUT_COLUMNS`).

    Raises
    ------
    StoreError
        If there are no files or the store has no ``events`` table.
    """
    import dask.dataframe as dd

    cols = list(columns or INPUT_COLUMNS)
    if isinstance(source, dd.DataFrame):
        missing = [c for c in cols if c not in source.columns]
        if missing:
            raise StoreError(f"The dask event frame lacks column(s) {missing}.")
        return source[cols]
    if isinstance(source, pd.DataFrame):
        frame = source
        if any(c not in frame.columns for c in cols):
            from riskmodel.events import conform_events

            frame = conform_events(frame)
        n = npartitions or max(2, len(frame) // 1_000_000)
        return dd.from_pandas(frame[cols], npartitions=n, sort=False)
    if isinstance(source, (str, os.PathLike)) or (
        isinstance(source, (list, tuple)) and source and isinstance(source[0], (str, os.PathLike))
    ):
        from riskmodel.engines.duckdb_engine import resolve_files

        files, kind = resolve_files(source)
        if kind == "parquet":
            return dd.read_parquet(files, columns=cols)
        dtypes = {c: "string" for c in _STRING_COLUMNS if c in cols}
        dtypes.update({"cameo_root": "float64", "quad_class": "float64", "goldstein": "float64",
                       "fatalities": "float64", "weight": "float64"})
        dtypes = {c: t for c, t in dtypes.items() if c in cols}
        kwargs: dict[str, Any] = {"dtype": dtypes, "usecols": cols}
        if blocksize is not None:
            kwargs["blocksize"] = blocksize
        return dd.read_csv(files, **kwargs)
    from riskmodel.engines.duckdb_engine import open_source

    con, relation, description = open_source(source)
    try:
        frame = con.execute(f"SELECT {', '.join(cols)} FROM {relation}").df()
    finally:
        con.close()
    n = npartitions or max(2, len(frame) // 1_000_000)
    return dd.from_pandas(frame, npartitions=n, sort=False)


def _resolve_client(client: Any, timeout: str | float = "10s") -> tuple[Any, bool]:
    """(client or None, whether the engine opened it and must close it)."""
    if client is None:
        address = os.environ.get(SCHEDULER_ENV)
        if address:
            client = address
    if isinstance(client, str):
        from distributed import Client

        try:
            return Client(client, set_as_default=False, timeout=timeout), True
        except OSError as exc:
            raise ConfigurationError(
                f"Cannot reach the Dask scheduler at {client!r} ({exc}). Check the address "
                f"(client= or ${SCHEDULER_ENV}) and that the scheduler is running.") from exc
    if client is not None:
        return client, False
    try:
        from distributed import default_client

        return default_client(), False
    except (ImportError, ValueError):
        return None, False


_CELL_KEYS = ["side_a", "side_b", "period", "cameo_root", "quad_class"]


def _dedup_keys(query: PanelQuery) -> list[str]:
    key = "cameo_code" if query.dedup == "dyad_code_day" else "cameo_root"
    return ["side_a", "side_b", "day", "period", key]


def _cells(events: pd.DataFrame) -> pd.DataFrame:
    """Cells (:data:`riskmodel.engines.CELL_COLUMNS`) of events with ``n_raw``."""
    g = events.groupby(_CELL_KEYS, sort=False, observed=True)
    out = g.agg(n_events=("goldstein", "size"), n_raw=("n_raw", "sum"),
                goldstein_sum=("goldstein", "sum"), goldstein_min=("goldstein", "min"),
                fatalities=("fatalities", "sum"), weight=("weight", "sum"))
    return out.reset_index()


def _empty_cells() -> pd.DataFrame:
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in _PREPARED_DTYPES.items()
                          if c != "cameo_code"})
    return _cells(empty.assign(n_raw=pd.Series(dtype="int64")))


def _combine_cells(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Merge partial cells (per partition) into final cells."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty_cells()
    cells = pd.concat(frames, ignore_index=True)
    g = cells.groupby(_CELL_KEYS, sort=False, observed=True)
    out = g.agg(n_events=("n_events", "sum"), n_raw=("n_raw", "sum"),
                goldstein_sum=("goldstein_sum", "sum"), goldstein_min=("goldstein_min", "min"),
                fatalities=("fatalities", "sum"), weight=("weight", "sum"))
    return out.reset_index()


def _empty_groups(meta: pd.DataFrame, query: PanelQuery) -> pd.DataFrame:
    """The (empty) deduplication groups of a partition shaped like ``meta``."""
    from riskmodel.engines._arrow import partial_aggregate

    return partial_aggregate(meta, query)["groups"]


def _cells_from_groups(groups: pd.DataFrame) -> pd.DataFrame:
    """One event per merged deduplication group (mean Goldstein), then cells."""
    events = groups.reset_index()
    events = events.assign(goldstein=events["goldstein_sum"] / events["n_raw"])
    return _cells(events)


def _partial(part: pd.DataFrame, query: PanelQuery) -> dict[str, Any]:
    """Everything one partition contributes: volume, day range, cells or dedup groups."""
    from riskmodel.engines._arrow import partial_aggregate

    return partial_aggregate(part, query)


def _pick(partial: dict[str, Any], what: str) -> Any:
    if what == "stats":
        return {k: v for k, v in partial.items() if k != "groups"}
    return partial[what]


def aggregate(source: Any, query: PanelQuery, *, client: Any = None,
              npartitions: int | None = None, blocksize: str | int | None = None,
              connect_timeout: str | float = "10s") -> EngineResult:
    """Run the panel aggregation on Dask.

    Parameters
    ----------
    source : see :func:`read_events`
    query : PanelQuery
    client : distributed.Client or str, optional
        See the module docstring for the order in which a scheduler is chosen.
    npartitions, blocksize : optional
        See :func:`read_events`.
    connect_timeout : str or float, default "10s"
        How long to try to reach a scheduler given by address.

    Returns
    -------
    EngineResult

    Raises
    ------
    StoreError
        If the source holds no events.
    """
    import dask
    from dask import delayed

    ddf = read_events(source, npartitions=npartitions, blocksize=blocksize,
                      columns=needed_columns(query))
    parts = ddf.to_delayed()
    partials = [delayed(_partial, pure=True)(p, query) for p in parts]
    if query.dedup == "none":
        wanted: list[Any] = partials
    else:
        import dask.dataframe as dd

        groups = dd.from_delayed([delayed(_pick, pure=True)(p, "groups") for p in partials],
                                 meta=_empty_groups(ddf._meta, query), verify_meta=False)
        keys = _dedup_keys(query)
        spec = {"goldstein_sum": "sum", "n_raw": "sum", "fatalities": "max", "weight": "sum",
                "cameo_root": "min", "quad_class": "min"}
        spec = {k: v for k, v in spec.items() if k not in keys}
        merged = groups.groupby(keys).agg(spec, split_out=max(1, len(parts) // 2))
        cells_parts = merged.map_partitions(_cells_from_groups, meta=_empty_cells()).to_delayed()
        wanted = [delayed(_pick, pure=True)(p, "stats") for p in partials] + list(cells_parts)
    handle, owned = _resolve_client(client, connect_timeout)
    try:
        if handle is not None:
            computed = handle.compute(wanted, sync=True)
        else:
            computed = list(dask.compute(*wanted, scheduler="threads"))
        info = {"scheduler": getattr(getattr(handle, "scheduler", None), "address", None)
                if handle is not None else "threads",
                "npartitions": len(parts)}
    finally:
        if owned and handle is not None:
            handle.close()
    stats = computed[: len(partials)]
    if query.dedup == "none":
        from riskmodel.engines._arrow import combine_cells

        cells_pd = combine_cells([p["cells"] for p in stats])
    else:
        cells_pd = _combine_cells(list(computed[len(partials):]))
    n_total = sum(int(p["n"]) for p in stats)
    if n_total == 0:
        raise StoreError("The event source holds no events: nothing to build a panel from. "
                         "Ingest events first (`riskmodel ingest KIND FILES`).")
    vol = pd.concat([p["volume"] for p in stats], ignore_index=True)
    vol = vol.groupby(["period", "source"], as_index=False)["n"].sum()
    firsts = [p["first"] for p in stats if not pd.isna(p["first"])]
    lasts = [p["last"] for p in stats if not pd.isna(p["last"])]
    dmin = min(firsts) if firsts else pd.NaT
    dmax = max(lasts) if lasts else pd.NaT
    vol["period"] = vol["period"].astype("datetime64[ns]")
    vol["n"] = vol["n"].astype("int64")
    first_day = None if pd.isna(dmin) else pd.Timestamp(dmin)
    last_day = None if pd.isna(dmax) else pd.Timestamp(dmax)
    return EngineResult(cells=cells_pd, volume=vol, first_day=first_day, last_day=last_day,
                        engine=NAME, info=info)


def export_parquet(store: Any, directory: str | os.PathLike[str], *,
                   partition_by: str = "month", overwrite: bool = False) -> list[Path]:
    """Write a store's events as Parquet files partitioned by month or year of ``date``.

    Parameters
    ----------
    store : EventStore or duckdb connection
        The source (table ``events``).
    directory : path
        Output folder (Hive layout: ``month=2022-03/data_0.parquet``).
    partition_by : {"month", "year"}
        The partition key.
    overwrite : bool
        Replace an existing non-empty folder.

    Returns
    -------
    list of pathlib.Path
        The Parquet files written; pass ``directory`` to ``build_panel(..., engine="dask")``.

    Raises
    ------
    ConfigurationError
        If ``partition_by`` is unknown or the folder is not empty and ``overwrite`` is False.
    StoreError
        If the store has no events table.
    """
    from riskmodel.engines import check_choice
    from riskmodel.engines.duckdb_engine import open_source

    check_choice(partition_by, ("month", "year"), "partition_by")
    out = Path(directory)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise ConfigurationError(f"{out} is not empty; pass overwrite=True to replace it.")
    con, relation, _ = open_source(store)
    fmt = "%Y-%m" if partition_by == "month" else "%Y"
    try:
        con.execute(
            f"COPY (SELECT *, strftime(CAST(date AS DATE), '{fmt}') AS {partition_by} "
            f"FROM {relation}) TO '{str(out).replace(chr(39), chr(39) * 2)}' "
            f"(FORMAT parquet, PARTITION_BY ({partition_by}), OVERWRITE_OR_IGNORE true)")
    finally:
        con.close()
    return sorted(out.rglob("*.parquet"))
