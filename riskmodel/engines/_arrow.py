"""The per-partition kernel of the Dask engine, vectorised with Arrow compute.

Each Dask partition is converted to an Arrow table (cheap: pandas string columns are already
Arrow-backed) and filtered, attributed, labelled with periods and grouped by Arrow's compute
functions and hash aggregation, which run in C++ without the Python object overhead of pandas
string operations. The rules are those of :mod:`riskmodel.engines` (and of the DuckDB engine's
SQL); tests check all three agree.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from riskmodel.engines import NON_STATE_ARMED_TYPES, STATE_TYPES, PanelQuery

__all__ = ["attribute_arrow", "partial_aggregate", "combine_cells", "to_table", "CELL_KEYS"]

_STRINGS = ("source", "actor1_name", "actor1_code", "actor1_state", "actor1_type", "actor1_id",
            "actor2_name", "actor2_code", "actor2_state", "actor2_type", "actor2_id",
            "cameo_code", "location_state")


def to_table(frame: pd.DataFrame | pa.Table) -> pa.Table:
    """An Arrow table of an event frame, string columns as ``large_string``."""
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(
        frame, preserve_index=False)
    for name in _STRINGS:
        if name in table.column_names and table.schema.field(name).type != pa.large_string():
            i = table.column_names.index(name)
            table = table.set_column(i, name, pc.cast(table[name], pa.large_string()))
    return table


def _state_actor(table: pa.Table, n: int) -> Any:
    state = table[f"actor{n}_state"]
    kind = table[f"actor{n}_type"]
    types = pa.array(STATE_TYPES, type=pa.large_string())
    return pc.and_(pc.is_valid(state), pc.or_(pc.is_null(kind), pc.is_in(kind, value_set=types)))


def _country_actor(table: pa.Table, n: int) -> Any:
    state = table[f"actor{n}_state"]
    kind = table[f"actor{n}_type"]
    armed = pa.array(NON_STATE_ARMED_TYPES, type=pa.large_string())
    return pc.and_(pc.is_valid(state),
                   pc.or_(pc.is_null(kind), pc.invert(pc.is_in(kind, value_set=armed))))


def attribute_arrow(table: pa.Table, attribution: str) -> tuple[Any, Any]:
    """``(side_a, side_b)`` of every event of an Arrow table (null: no dyad).

    The Arrow twin of the rules in :mod:`riskmodel.engines`.
    """
    s1, s2 = table["actor1_state"], table["actor2_state"]
    st1, st2 = _state_actor(table, 1), _state_actor(table, 2)
    null = pa.scalar(None, type=pa.large_string())
    if attribution == "any":
        def other(n: int) -> Any:
            return pc.coalesce(table[f"actor{n}_id"], table[f"actor{n}_name"],
                               table[f"actor{n}_code"])

        a = pc.if_else(st1, s1, other(1))
        b = pc.if_else(st2, s2, other(2))
    elif attribution == "country":
        pair = pc.and_(pc.and_(_country_actor(table, 1), _country_actor(table, 2)),
                       pc.fill_null(pc.not_equal(s1, s2), False))
        a = pc.if_else(pair, s1, null)
        b = pc.if_else(pair, s2, null)
    else:
        state_pair = pc.and_(pc.and_(st1, st2), pc.fill_null(pc.not_equal(s1, s2), False))
        a = pc.if_else(state_pair, s1, null)
        b = pc.if_else(state_pair, s2, null)
        if attribution == "territorial":
            loc = table["location_state"]
            quad4 = pc.equal(pc.cast(table["quad_class"], pa.int64()), 4)
            a2_nonstate = pc.or_(pc.invert(st2), pc.fill_null(pc.equal(s2, s1), False))
            foreign = pc.and_(pc.is_valid(loc), pc.fill_null(pc.not_equal(loc, s1), False))
            terr = pc.and_(pc.and_(pc.and_(pc.invert(state_pair), st1), quad4),
                           pc.and_(a2_nonstate, foreign))
            a = pc.if_else(terr, s1, a)
            b = pc.if_else(terr, loc, b)
    keep = pc.and_(pc.and_(pc.is_valid(a), pc.is_valid(b)),
                   pc.fill_null(pc.not_equal(a, b), False))
    return pc.if_else(keep, a, null), pc.if_else(keep, b, null)


def _period(day: Any, freq: str) -> Any:
    if freq == "D":
        return day
    if freq == "W":
        return pc.floor_temporal(day, unit="week", week_starts_monday=True)
    return pc.floor_temporal(day, unit="month")


#: Keys of the cells.
CELL_KEYS = ["side_a", "side_b", "period", "cameo_root", "quad_class"]


def _decode(table: pa.Table) -> pa.Table:
    """Dictionary-encoded columns back to plain strings."""
    for i, f in enumerate(table.schema):
        if pa.types.is_dictionary(f.type):
            table = table.set_column(i, f.name, pc.cast(table[f.name], f.type.value_type))
    return table


def combine_cells(tables: list[pa.Table]) -> pd.DataFrame:
    """Merge the partial cells of several partitions into final cells (pandas).

    Sums add up; the Goldstein minimum is the minimum; ``n_raw`` equals ``n_events`` (no
    deduplication on this path).
    """
    tables = [_decode(t) for t in tables if t.num_rows]
    if not tables:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
            ("side_a", "string"), ("side_b", "string"), ("period", "datetime64[ns]"),
            ("cameo_root", "int64"), ("quad_class", "int64"), ("n_events", "int64"),
            ("goldstein_sum", "float64"), ("goldstein_min", "float64"),
            ("fatalities", "float64"), ("weight", "float64"), ("n_raw", "int64"))})
    table = pa.concat_tables(tables)
    for name in ("side_a", "side_b"):
        table = table.set_column(table.column_names.index(name), name,
                                 pc.dictionary_encode(table[name]))
    merged = table.group_by(CELL_KEYS).aggregate(
        [("n_events", "sum"), ("goldstein_sum", "sum"), ("goldstein_min", "min"),
         ("fatalities", "sum"), ("weight", "sum")])
    merged = _decode(merged.rename_columns(
        CELL_KEYS + ["n_events", "goldstein_sum", "goldstein_min", "fatalities", "weight"]))
    out = merged.to_pandas(date_as_object=False)
    out["n_raw"] = out["n_events"]
    out["period"] = _dates_to_pandas(out["period"])
    return out


def _dates_to_pandas(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).astype("datetime64[ns]")


def partial_aggregate(frame: pd.DataFrame | pa.Table, query: PanelQuery) -> dict[str, Any]:
    """What one partition contributes to a panel.

    Returns
    -------
    dict
        ``n`` (rows read), ``volume`` (pandas: period, source, n), ``first``/``last`` (event
        days or NaT), and ``cells`` (an Arrow table of partial cells, merged across
        partitions by :func:`combine_cells`) when ``query.dedup == "none"``, else ``groups``: the partition's deduplication groups
        (side_a, side_b, day, period, key, goldstein_sum, n_raw, fatalities, weight,
        cameo_root, quad_class), merged across partitions by the caller.
    """
    table = to_table(frame)
    n_read = table.num_rows
    day = pc.cast(table["date"], pa.date32())
    keep = pc.is_valid(day)
    if query.as_of is not None:
        avail = table["available_at"]
        bound = pa.scalar(query.as_of.floor("us").to_pydatetime(), type=pa.timestamp("us"))
        keep = pc.and_(keep, pc.fill_null(pc.less_equal(pc.cast(avail, pa.timestamp("us")),
                                                        bound), False))
    if query.start is not None:
        keep = pc.and_(keep, pc.fill_null(pc.greater_equal(
            day, pa.scalar(query.start.date(), pa.date32())), False))
    if query.end is not None:
        keep = pc.and_(keep, pc.fill_null(pc.less_equal(
            day, pa.scalar(query.end.date(), pa.date32())), False))
    if query.sources is not None:
        keep = pc.and_(keep, pc.is_in(table["source"], value_set=pa.array(
            list(query.sources), type=pa.large_string())))
    table = table.append_column("day", day).filter(keep)
    day = table["day"]
    table = table.append_column("period", _period(day, query.freq))

    keyed = pa.table({"period": table["period"], "source": pc.dictionary_encode(table["source"])})
    volume = _decode(keyed.group_by(["period", "source"]).aggregate([([], "count_all")]))
    volume_pd = volume.to_pandas(date_as_object=False).rename(columns={"count_all": "n"})
    volume_pd["period"] = _dates_to_pandas(volume_pd["period"])
    bounds = pc.min_max(day)
    first = pd.Timestamp(bounds["min"].as_py()) if bounds["min"].is_valid else pd.NaT
    last = pd.Timestamp(bounds["max"].as_py()) if bounds["max"].is_valid else pd.NaT
    out: dict[str, Any] = {"n": n_read, "volume": volume_pd[["period", "source", "n"]],
                           "first": first, "last": last}

    side_a, side_b = attribute_arrow(table, query.attribution)
    columns = {
        "side_a": side_a, "side_b": side_b, "day": table["day"], "period": table["period"],
        "cameo_root": pc.cast(table["cameo_root"], pa.int64()),
        "quad_class": pc.cast(table["quad_class"], pa.int64()),
        "goldstein": pc.cast(table["goldstein"], pa.float64()),
        "fatalities": pc.cast(table["fatalities"], pa.float64()),
        "weight": pc.cast(table["weight"], pa.float64()),
    }
    if query.dedup == "dyad_code_day":
        columns["cameo_code"] = table["cameo_code"]
    dyadic = pa.table(columns).filter(pc.is_valid(side_a))
    # Dictionary-encoded sides make Arrow's hash group-by several times faster.
    for name in ("side_a", "side_b"):
        dyadic = dyadic.set_column(dyadic.column_names.index(name), name,
                                   pc.dictionary_encode(dyadic[name]))
    if query.dedup == "none":
        dyadic = dyadic.set_column(dyadic.column_names.index("fatalities"), "fatalities",
                                   pc.fill_null(dyadic["fatalities"], 0.0))
        cells = dyadic.group_by(CELL_KEYS).aggregate(
            [("goldstein", "count"), ("goldstein", "sum"), ("goldstein", "min"),
             ("fatalities", "sum"), ("weight", "sum")])
        out["cells"] = cells.rename_columns(
            CELL_KEYS + ["n_events", "goldstein_sum", "goldstein_min", "fatalities", "weight"])
    else:
        key = "cameo_code" if query.dedup == "dyad_code_day" else "cameo_root"
        keys = ["side_a", "side_b", "day", "period", key]
        aggs = [("goldstein", "sum"), ("goldstein", "count"), ("fatalities", "max"),
                ("weight", "sum"), ("cameo_root", "min"), ("quad_class", "min")]
        aggs = [a for a in aggs if a[0] not in keys]
        groups = _decode(dyadic.group_by(keys).aggregate(aggs)).to_pandas(
            date_as_object=False)
        groups = groups.rename(columns={
            "goldstein_sum": "goldstein_sum", "goldstein_count": "n_raw",
            "fatalities_max": "fatalities", "weight_sum": "weight",
            "cameo_root_min": "cameo_root", "quad_class_min": "quad_class"})
        groups["day"] = _dates_to_pandas(groups["day"])
        groups["period"] = _dates_to_pandas(groups["period"])
        out["groups"] = groups
    return out
