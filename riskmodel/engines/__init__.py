"""Aggregation engines: the same dyad-period aggregation on DuckDB (default) or Dask.

:func:`riskmodel.panel.build_panel` describes *what* to aggregate with a :class:`PanelQuery`;
an engine computes it and returns an :class:`EngineResult`. Every engine performs the same four
steps, and the rules of each step are defined once, here, in words and in the constants below:

1. **Filter** the events: ``available_at <= as_of`` (when given), ``start <= date <= end``
   (days, both inclusive, when given) and ``source in sources`` (when given).
2. **Attribute** each event to a dyad side pair ``(side_a, side_b)`` (source, target) by the
   attribution rule (:data:`ATTRIBUTIONS`); events with no pair, or whose two sides are equal
   (domestic events), belong to no dyad. They still count in the period's volume.
3. **Deduplicate** by the rule (:data:`DEDUP_RULES`), always on the *directed* pair, so that an
   undirected panel is exactly the sum of its two directions whatever the rule.
4. **Group** by ``(side_a, side_b, period, cameo_root, quad_class)``; the periods are labelled by
   their start (:func:`period_start`).

The engine returns these small "cells" and the volume per (period, source); everything after that
(folding directions, pivoting roots, zero-filling, normalising) is engine-independent pandas code
in :mod:`riskmodel.panel`, so both engines give the same panel by construction of the last step
and by test of the first four.

Attribution rules
-----------------
A *state actor* is an actor with a state (``actor*_state`` not null) whose type is null or one of
:data:`STATE_TYPES` (government, military, police, judiciary, legislature, intelligence). GDELT
rows that carry a country code on both sides and no role code therefore count as state actors;
rows typed as rebels, civilians, media, businesses and so on do not.

``"state"``
    Both actors are state actors of different states: ``(actor1_state, actor2_state)``.
``"country"``
    GDELT's country-country convention: both actors have a state (a country code), different
    ones, whatever their role, except non-state armed or criminal groups
    (:data:`NON_STATE_ARMED_TYPES`). Civilians, media, businesses or the opposition of a
    country count as that country.
``"territorial"``
    The ``"state"`` pairs, plus: actor 1 is a state actor, the event is material conflict
    (QuadClass 4), actor 2 is *not* a state actor of another state (its state is null, equals
    actor 1's state, or its type is non-state), and the event took place in another state
    (``location_state`` not null and not actor 1's state). Such an event counts against the
    territory's state: ``(actor1_state, location_state)``. Pakistani forces striking the TTP in
    Afghanistan give ``PAK>AFG``, whether the TTP is coded without a state (``actor2_id
    "TTP"``), as Pakistani rebels (``PAKREB``) or as plain ``PAK`` (GDELT often codes a
    group by its home country).
``"any"``
    Every actor pair: a state actor's side is its state; any other actor keeps its
    ``actor*_id``, else its name, else its raw code (``"TTP"``, ``"TALIBAN"``).

Deduplication rules
-------------------
``"none"``
    Every event counts.
``"dyad_code_day"``
    One event per directed pair, CAMEO code and day.
``"cross_source"``
    One event per directed pair, CAMEO root and day, whatever the source (reports of the same
    incident by several sources, or several times by one source, collapse).

A collapsed group becomes one event whose Goldstein score is the group's mean, whose weight is the
sum of the group's weights (all the evidence) and whose fatalities are the group's maximum (the
same deaths reported twice are not added).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskmodel.exceptions import ConfigurationError

__all__ = [
    "ENGINES",
    "FREQS",
    "ATTRIBUTIONS",
    "DEDUP_RULES",
    "STATE_TYPES",
    "NON_STATE_ARMED_TYPES",
    "CELL_COLUMNS",
    "INPUT_COLUMNS",
    "EVENT_SQL_TYPES",
    "PanelQuery",
    "EngineResult",
    "period_start",
    "needed_columns",
    "attribute_frame",
    "check_choice",
]

#: Engine names accepted by ``build_panel(engine=...)``.
ENGINES: tuple[str, ...] = ("duckdb", "dask")
#: Period frequencies: day, week (starting Monday), month (starting on the 1st).
FREQS: tuple[str, ...] = ("D", "W", "M")
#: State attribution rules (see the module docstring).
ATTRIBUTIONS: tuple[str, ...] = ("state", "country", "territorial", "any")
#: Deduplication rules (see the module docstring).
DEDUP_RULES: tuple[str, ...] = ("none", "dyad_code_day", "cross_source")
#: Actor types that make an actor with a state a *state actor* (null types count too).
STATE_TYPES: tuple[str, ...] = ("GOV", "MIL", "COP", "JUD", "LEG", "SPY")
#: Actor types that never stand for their state under the ``"country"`` rule.
NON_STATE_ARMED_TYPES: tuple[str, ...] = ("REB", "INS", "SEP", "MIL_NS", "UAF", "CRM")

#: Event columns an engine reads.
INPUT_COLUMNS: tuple[str, ...] = (
    "source", "date", "available_at",
    "actor1_name", "actor1_code", "actor1_state", "actor1_type", "actor1_id",
    "actor2_name", "actor2_code", "actor2_state", "actor2_type", "actor2_id",
    "cameo_code", "cameo_root", "quad_class", "goldstein", "fatalities", "location_state",
    "weight",
)

#: SQL types of :data:`INPUT_COLUMNS` (used to read CSV event files with the right types).
EVENT_SQL_TYPES: dict[str, str] = {
    c: ("TIMESTAMP" if c in ("date", "available_at")
        else "INTEGER" if c in ("cameo_root", "quad_class")
        else "BIGINT" if c == "fatalities"
        else "DOUBLE" if c in ("goldstein", "weight")
        else "VARCHAR")
    for c in INPUT_COLUMNS
}

#: Columns of :attr:`EngineResult.cells`.
CELL_COLUMNS: tuple[str, ...] = (
    "side_a", "side_b", "period", "cameo_root", "quad_class", "n_events", "n_raw",
    "goldstein_sum", "goldstein_min", "fatalities", "weight",
)


def check_choice(value: object, choices: tuple[str, ...], parameter: str) -> str:
    """Return ``value`` if it is one of ``choices``, else raise a helpful error.

    Raises
    ------
    ConfigurationError
        Naming the parameter, the valid values and the nearest one to what came.
    """
    if isinstance(value, str) and value in choices:
        return value
    hint = ""
    if isinstance(value, str):
        near = difflib.get_close_matches(value, choices, n=1, cutoff=0.0)
        if near:
            hint = f" Did you mean {near[0]!r}?"
    raise ConfigurationError(
        f"The {parameter!r} parameter must be one of {list(choices)}. Got {value!r} instead.{hint}"
    )


@dataclass(frozen=True)
class PanelQuery:
    """What to aggregate: the engine-independent description of a panel.

    Attributes
    ----------
    freq : {"D", "W", "M"}
        Period frequency.
    attribution : {"state", "country", "territorial", "any"}
        State attribution rule.
    dedup : {"none", "dyad_code_day", "cross_source"}
        Deduplication rule.
    start, end : pandas.Timestamp or None
        First and last day (inclusive) of events to use; None: unbounded.
    as_of : pandas.Timestamp or None
        Keep only events with ``available_at <= as_of``.
    sources : tuple of str or None
        Keep only events of these sources; None: all.
    """

    freq: str = "W"
    attribution: str = "state"
    dedup: str = "none"
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    as_of: pd.Timestamp | None = None
    sources: tuple[str, ...] | None = None


@dataclass
class EngineResult:
    """What an engine returns.

    Attributes
    ----------
    cells : pandas.DataFrame
        :data:`CELL_COLUMNS`: per directed side pair, period, CAMEO root and QuadClass the number
        of (deduplicated) events ``n_events``, the number of raw events behind them ``n_raw``,
        the Goldstein sum and minimum, fatalities (nulls as 0) and weight.
    volume : pandas.DataFrame
        Columns ``period``, ``source``, ``n``: every filtered event, attributed or not.
    first_day, last_day : pandas.Timestamp or None
        The earliest and latest event day among the filtered events (None when there are none).
    engine : str
        The engine's name.
    info : dict
        Engine details for the panel's metadata (e.g. the Dask scheduler address).
    """

    cells: pd.DataFrame
    volume: pd.DataFrame
    first_day: pd.Timestamp | None
    last_day: pd.Timestamp | None
    engine: str
    info: dict[str, Any] = field(default_factory=dict)


def needed_columns(query: PanelQuery) -> list[str]:
    """The input columns a query reads (in :data:`INPUT_COLUMNS` order).

    Reading only these matters for engines that materialise columns (Dask): the ``"any"``
    attribution needs the actor ids, names and codes; ``"territorial"`` the location; ``as_of``
    the availability stamp; ``"dyad_code_day"`` the CAMEO code.
    """
    cols = {"source", "date", "actor1_state", "actor2_state", "actor1_type", "actor2_type",
            "cameo_root", "quad_class", "goldstein", "fatalities", "weight"}
    if query.as_of is not None:
        cols.add("available_at")
    if query.attribution == "territorial":
        cols.add("location_state")
    if query.attribution == "any":
        cols.update(f"actor{n}_{f}" for n in (1, 2) for f in ("id", "name", "code"))
    if query.dedup == "dyad_code_day":
        cols.add("cameo_code")
    return [c for c in INPUT_COLUMNS if c in cols]


def period_start(days: Any, freq: str) -> np.ndarray:
    """Label each day by the start of its period.

    Parameters
    ----------
    days : array-like of datetime64
        Event days (times of day are dropped).
    freq : {"D", "W", "M"}
        ``"W"`` weeks start on Monday; ``"M"`` months on the 1st.

    Returns
    -------
    numpy.ndarray
        ``datetime64[ns]`` period starts.
    """
    d = np.asarray(days, dtype="datetime64[D]")
    if freq == "D":
        out = d
    elif freq == "W":
        # 1970-01-01 was a Thursday: day number + 3 is 0 on Mondays (mod 7).
        n = d.astype("int64")
        out = (n - (n + 3) % 7).astype("datetime64[D]")
        out = np.where(np.isnat(d), np.datetime64("NaT", "D"), out)
    elif freq == "M":
        out = d.astype("datetime64[M]").astype("datetime64[D]")
    else:  # pragma: no cover - callers validate first
        check_choice(freq, FREQS, "freq")
        raise AssertionError
    return out.astype("datetime64[ns]")


def attribute_frame(frame: pd.DataFrame, attribution: str) -> tuple[pd.Series, pd.Series]:
    """Attribute each event of a pandas frame to a directed side pair.

    The rules of the module docstring, computed with Arrow (the Dask engine's kernel,
    :func:`riskmodel.engines._arrow.attribute_arrow`); the DuckDB engine has the same rules in
    SQL (:func:`riskmodel.engines.duckdb_engine.attribution_sql`).

    Parameters
    ----------
    frame : pandas.DataFrame
        Events with the actor columns, ``quad_class`` and ``location_state``.
    attribution : {"state", "country", "territorial", "any"}
        The rule.

    Returns
    -------
    (side_a, side_b) : tuple of pandas.Series of str
        Null where the event belongs to no dyad (no pair, or both sides equal).
    """
    from riskmodel.engines._arrow import attribute_arrow, to_table

    check_choice(attribution, ATTRIBUTIONS, "attribution")
    cols = [c for c in ("actor1_name", "actor1_code", "actor1_state", "actor1_type",
                        "actor1_id", "actor2_name", "actor2_code", "actor2_state",
                        "actor2_type", "actor2_id", "quad_class", "location_state")
            if c in frame.columns]
    a, b = attribute_arrow(to_table(frame[cols]), attribution)
    return (pd.Series(a.to_pandas(), index=frame.index, dtype="string"),
            pd.Series(b.to_pandas(), index=frame.index, dtype="string"))


def get_engine(name: str) -> Any:
    """Return the engine module for ``name`` (``"duckdb"`` or ``"dask"``)."""
    check_choice(name, ENGINES, "engine")
    if name == "duckdb":
        from riskmodel.engines import duckdb_engine

        return duckdb_engine
    from riskmodel.engines import dask_engine

    return dask_engine
