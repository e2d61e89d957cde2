"""Events -> dyad-period panel: the state-pair time series every model sees.

:func:`build_panel` aggregates canonical events (from the store, a DuckDB connection, a pandas
frame or Parquet/CSV event files) into a :class:`DyadPanel`: one row per dyad and period, counts
by QuadClass and CAMEO root, Goldstein sum/mean/min, fatalities, weight, and the period's total
volume with the dyad's share of it. The aggregation runs on DuckDB (default) or Dask
(:mod:`riskmodel.engines`, where the attribution and deduplication rules are defined).

Conventions
-----------
* Periods are labelled by their first day: days (``"D"``), weeks starting on Monday (``"W"``),
  months starting on the 1st (``"M"``).
* Directed dyads are ``"PAK>AFG"`` (source > target); undirected ``"AFG-PAK"`` (alphabetical).
  An undirected panel is the exact sum of its two directions (deduplication works on the
  directed pair).
* The panel covers every period from the period of ``start`` to the period of ``end`` for every
  declared dyad, zero-filled. By default ``start`` is the first event day and ``end`` the last
  (or the day of ``as_of``), and the dyads are those with at least one event in that range: no
  event after ``end`` or known after ``as_of`` is ever read, so a panel built "as of" an origin
  never peeks at the future.
* ``volume`` counts every event of the period that passes the filters (date range, ``as_of``,
  ``sources``), whichever dyad it belongs to, including events of no dyad and dyads outside the
  panel; ``share = n_events / volume``. GDELT's volume grows over the years, so shares are
  comparable across time where raw counts are not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskmodel.engines import (
    ATTRIBUTIONS,
    DEDUP_RULES,
    ENGINES,
    FREQS,
    EngineResult,
    PanelQuery,
    check_choice,
    get_engine,
    period_start,
)
from riskmodel.exceptions import ConfigurationError, SchemaError, StoreError

__all__ = [
    "DyadPanel",
    "build_panel",
    "PANEL_COLUMNS",
    "COUNT_COLUMNS",
    "ROOT_COLUMNS",
    "QUAD_COLUMNS",
    "dyad_label",
    "period_range",
]

QUAD_COLUMNS: tuple[str, ...] = tuple(f"quad{q}" for q in range(1, 5))
ROOT_COLUMNS: tuple[str, ...] = tuple(f"root{r:02d}" for r in range(1, 21))
#: Integer count columns of a panel.
COUNT_COLUMNS: tuple[str, ...] = ("n_events",) + QUAD_COLUMNS + ROOT_COLUMNS
#: Columns of :attr:`DyadPanel.data`, in order (``volume`` and ``share`` only when normalised).
PANEL_COLUMNS: tuple[str, ...] = (
    ("state_a", "state_b") + COUNT_COLUMNS
    + ("goldstein_sum", "goldstein_mean", "goldstein_min", "fatalities", "weight", "volume",
       "share")
)
_FLOAT_COLUMNS = ("goldstein_sum", "goldstein_mean", "goldstein_min", "fatalities", "weight",
                  "share")
_PANDAS_FREQ = {"D": "D", "W": "W-MON", "M": "MS"}


def dyad_label(a: str, b: str, directed: bool) -> str:
    """The label of a dyad: ``"A>B"`` (directed) or ``"A-B"`` with ``A <= B`` (undirected)."""
    if directed:
        return f"{a}>{b}"
    a, b = (a, b) if a <= b else (b, a)
    return f"{a}-{b}"


def period_range(start: Any, end: Any, freq: str) -> pd.DatetimeIndex:
    """All period starts from the period of ``start`` to the period of ``end`` (inclusive)."""
    check_choice(freq, FREQS, "freq")
    first = period_start([pd.Timestamp(start).to_datetime64()], freq)[0]
    last = period_start([pd.Timestamp(end).to_datetime64()], freq)[0]
    return pd.date_range(first, last, freq=_PANDAS_FREQ[freq], name="period").astype(
        "datetime64[ns]")


class DyadPanel:
    """A dyad-period panel, validated once at construction.

    Parameters
    ----------
    data : pandas.DataFrame
        MultiIndex ``("dyad", "period")``, sorted, unique, one row per dyad and period over the
        same consecutive periods for every dyad; columns :data:`PANEL_COLUMNS` (``volume`` and
        ``share`` may be absent when ``meta["normalize"]`` is False); no missing values.
    freq : {"D", "W", "M"}
        Period frequency; every period label must be a period start of it.
    directed : bool
        Whether dyad labels are directed (``"PAK>AFG"``) or undirected (``"AFG-PAK"``).
    meta : dict, optional
        Provenance: deduplication rule, attribution, ``as_of``, engine, event counts, ...

    Attributes
    ----------
    data : pandas.DataFrame
    freq : str
    directed : bool
    dyads : tuple of str
        Dyad labels, sorted.
    periods : pandas.DatetimeIndex
        Period starts, consecutive.
    meta : dict

    Raises
    ------
    SchemaError
        If the index, columns, values or periods break any of the rules above.
    ConfigurationError
        If ``freq`` is not one of "D", "W", "M".
    """

    def __init__(self, data: pd.DataFrame, *, freq: str, directed: bool,
                 meta: dict[str, Any] | None = None) -> None:
        self.freq = check_choice(freq, FREQS, "freq")
        self.directed = bool(directed)
        self.meta: dict[str, Any] = dict(meta or {})
        self.data = data
        self.dyads, self.periods = self._validate(data)

    @classmethod
    def _assembled(cls, data: pd.DataFrame, *, freq: str, directed: bool,
                   meta: dict[str, Any], dyads: Sequence[str],
                   periods: pd.DatetimeIndex) -> DyadPanel:
        """A panel that :func:`build_panel` laid out itself: sorted, balanced and zero-filled
        by construction, so it skips the checks of ``__init__`` (a test pins that it passes
        them)."""
        panel = cls.__new__(cls)
        panel.freq = check_choice(freq, FREQS, "freq")
        panel.directed = bool(directed)
        panel.meta = dict(meta)
        panel.data = data
        panel.dyads = tuple(dyads)
        panel.periods = pd.DatetimeIndex(periods if panel.dyads else [], name="period"
                                         ).astype("datetime64[ns]")
        return panel

    # ------------------------------------------------------------------ validation
    def _validate(self, data: pd.DataFrame) -> tuple[tuple[str, ...], pd.DatetimeIndex]:
        if not isinstance(data, pd.DataFrame):
            raise SchemaError(f"A DyadPanel needs a pandas DataFrame; got {type(data).__name__}.")
        idx = data.index
        if not isinstance(idx, pd.MultiIndex) or list(idx.names) != ["dyad", "period"]:
            raise SchemaError(
                "A DyadPanel's data must have a MultiIndex named ('dyad', 'period'); got "
                f"{list(getattr(idx, 'names', [idx.name]))}. Use build_panel() or "
                "frame.set_index(['dyad', 'period']).")
        normalized = self.meta.get("normalize", True)
        required = [c for c in PANEL_COLUMNS if normalized or c not in ("volume", "share")]
        missing = [c for c in required if c not in data.columns]
        if missing:
            raise SchemaError(f"Panel data lacks column(s) {missing}; expected {required}.",
                              column=missing[0])
        if not idx.is_unique:
            dup = idx[idx.duplicated()][0]
            raise SchemaError(f"Panel index has duplicated (dyad, period) {dup}; one row each.")
        if not idx.is_monotonic_increasing:
            raise SchemaError("Panel index must be sorted by (dyad, period); call "
                              "data.sort_index() first.")
        periods_level = idx.get_level_values("period")
        if not pd.api.types.is_datetime64_dtype(periods_level.dtype):
            raise SchemaError(f"Panel periods must be datetime64; got {periods_level.dtype}.",
                              column="period")
        numeric = [c for c in required if c not in ("state_a", "state_b")]
        for col in numeric:
            if not pd.api.types.is_numeric_dtype(data[col].dtype):
                raise SchemaError(f"Panel column {col!r} must be numeric; got {data[col].dtype}.",
                                  column=col)
        na = data[required].isna().any()
        if na.any():
            col = na[na].index[0]
            raise SchemaError(f"Panel column {col!r} has missing values; panels are zero-filled "
                              "(no NaN).", column=col)
        dyads = tuple(idx.get_level_values("dyad").unique())
        if len(dyads) == 0:
            periods = pd.DatetimeIndex([], name="period", dtype="datetime64[ns]")
            return dyads, periods
        first = data.loc[dyads[0]].index
        periods = pd.DatetimeIndex(first, name="period")
        if len(data) != len(dyads) * len(periods):
            raise SchemaError(
                "Panel is not balanced: every dyad needs one row for each of the same periods "
                f"({len(dyads)} dyads x {len(periods)} periods != {len(data)} rows).")
        if not (periods_level.to_numpy().reshape(len(dyads), len(periods))
                == periods.to_numpy()).all():
            raise SchemaError("Panel is not balanced: dyads cover different periods.")
        expected = period_range(periods[0], periods[-1], self.freq)
        if len(expected) != len(periods) or not (expected.to_numpy() == periods.to_numpy()).all():
            raise SchemaError(
                f"Panel periods are not the consecutive {self.freq!r} period starts from "
                f"{periods[0].date()} to {periods[-1].date()} (weeks start on Monday, months on "
                "the 1st).", column="period")
        sep = ">" if self.directed else "-"
        labels = data["state_a"].astype(str) + sep + data["state_b"].astype(str)
        bad = labels.to_numpy() != idx.get_level_values("dyad").astype(str).to_numpy()
        if bad.any():
            row = data.index[bad.argmax()]
            raise SchemaError(
                f"Dyad label {row[0]!r} does not match state_a/state_b "
                f"({data['state_a'].iloc[bad.argmax()]!r}, {data['state_b'].iloc[bad.argmax()]!r})"
                f" of a {'directed' if self.directed else 'undirected'} panel.", row=row)
        if not self.directed and (data["state_a"].astype(str) > data["state_b"].astype(str)).any():
            raise SchemaError("Undirected dyads must have state_a <= state_b (alphabetical).")
        return dyads, periods.astype("datetime64[ns]")

    # ------------------------------------------------------------------ helpers
    def __repr__(self) -> str:
        span = (f"{self.periods[0].date()}..{self.periods[-1].date()}" if len(self.periods)
                else "empty")
        return (f"DyadPanel({len(self.dyads)} {'directed' if self.directed else 'undirected'} "
                f"dyads x {len(self.periods)} periods ({self.freq}), {span}, "
                f"{int(self.data['n_events'].sum())} events)")

    def __len__(self) -> int:
        return len(self.data)

    @property
    def volume(self) -> pd.Series:
        """The period volume (all events of each period), indexed by period."""
        if "volume" not in self.data.columns:
            raise ConfigurationError("This panel was built with normalize=False: no volume.")
        return self.data["volume"].groupby(level="period").first()

    def series(self, column: str, dyad: str) -> pd.Series:
        """One column of one dyad as a Series indexed by period.

        Raises
        ------
        KeyError
            If the column or dyad is unknown (the nearest names are suggested).
        """
        import difflib

        if column not in self.data.columns:
            near = difflib.get_close_matches(column, list(self.data.columns), n=1)
            raise KeyError(f"Unknown panel column {column!r}."
                           + (f" Did you mean {near[0]!r}?" if near else ""))
        if dyad not in self.dyads:
            near = difflib.get_close_matches(dyad, list(self.dyads), n=1)
            raise KeyError(f"Unknown dyad {dyad!r} in this panel."
                           + (f" Did you mean {near[0]!r}?" if near else ""))
        out = self.data.loc[dyad, column]
        out.name = column
        return out

    def to_frame(self) -> pd.DataFrame:
        """A flat copy of the data: ``dyad`` and ``period`` as columns (for CSV/Parquet)."""
        return self.data.reset_index()

    def reverse(self, dyad: str) -> str:
        """The other direction's label (``"PAK>AFG"`` -> ``"AFG>PAK"``); undirected: itself."""
        if dyad in self.dyads:
            row = self.data.loc[(dyad, self.periods[0])]
            a, b = str(row["state_a"]), str(row["state_b"])
        else:
            sep = ">" if self.directed else "-"
            if sep not in dyad:
                raise KeyError(f"{dyad!r} is not a {'directed' if self.directed else 'undirected'}"
                               f" dyad label ('A{sep}B').")
            a, b = dyad.split(sep, 1)
        return dyad_label(b, a, self.directed)

    def truncate(self, end: Any) -> DyadPanel:
        """A new panel with the rows of periods ``<= end`` (meta notes ``truncated_at``)."""
        end_ts = pd.Timestamp(end)
        keep = self.data.index.get_level_values("period") <= end_ts
        meta = dict(self.meta)
        meta["truncated_at"] = end_ts
        return DyadPanel(self.data.loc[keep].copy(), freq=self.freq, directed=self.directed,
                         meta=meta)

    def select(self, dyads: Iterable[str]) -> DyadPanel:
        """A new panel with only the given dyads (labels of this panel)."""
        wanted = list(dyads)
        unknown = [d for d in wanted if d not in self.dyads]
        if unknown:
            raise KeyError(f"Unknown dyad(s) {unknown} in this panel.")
        keep = self.data.index.get_level_values("dyad").isin(wanted)
        return DyadPanel(self.data.loc[keep].copy(), freq=self.freq, directed=self.directed,
                         meta=dict(self.meta))


# ---------------------------------------------------------------------- building
def _timestamp(value: Any, parameter: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"The {parameter!r} parameter must be a date (e.g. '2022-03-01' or a Timestamp). "
            f"Got {value!r} instead.") from exc
    if ts is pd.NaT or pd.isna(ts):
        raise ConfigurationError(f"The {parameter!r} parameter must be a date; got NaT.")
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return ts


def _parse_dyads(dyads: Iterable[Any], directed: bool,
                 known: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
    if isinstance(dyads, str):
        dyads = [dyads]
    pairs: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    sep = ">" if directed else "-"
    for item in dyads:
        if isinstance(item, (tuple, list)) and len(item) == 2:
            a, b = str(item[0]), str(item[1])
        elif isinstance(item, str):
            if item in known:
                a, b = known[item]
            elif sep in item:
                a, b = item.split(sep, 1)
            else:
                other = "-" if directed else ">"
                hint = (f" {item!r} looks {'undirected' if directed else 'directed'}; use "
                        f"{dyad_label(*item.split(other, 1), directed)!r}"
                        if other in item else "")
                raise ConfigurationError(
                    f"Dyad {item!r} is not a {'directed' if directed else 'undirected'} label "
                    f"'A{sep}B' nor a pair (A, B).{hint}")
        else:
            raise ConfigurationError(f"Dyads must be labels such as 'PAK>AFG' or pairs "
                                     f"('PAK', 'AFG'); got {item!r}.")
        a, b = a.strip(), b.strip()
        if not a or not b or a == b:
            raise ConfigurationError(f"Dyad {item!r} needs two different, non-empty sides.")
        if not directed and a > b:
            a, b = b, a
        if (a, b) not in seen:
            seen.add((a, b))
            pairs.append((a, b))
    return pairs


def _assemble(result: EngineResult, *, query: PanelQuery, directed: bool,
              dyads: Iterable[Any] | None, normalize: bool, meta_extra: dict[str, Any]
              ) -> DyadPanel:
    cells = result.cells
    vol_by_source = (result.volume.groupby("source")["n"].sum().astype("int64")
                     if len(result.volume) else pd.Series(dtype="int64"))
    volume = (result.volume.groupby("period")["n"].sum().astype("int64")
              if len(result.volume) else pd.Series(dtype="int64"))

    # Range of the panel.
    start = query.start if query.start is not None else result.first_day
    end = query.end if query.end is not None else (
        query.as_of.normalize() if query.as_of is not None else result.last_day)
    if start is None or end is None:
        raise StoreError(
            "No events match the panel's filters "
            f"(start={query.start}, end={query.end}, as_of={query.as_of}, "
            f"sources={query.sources}); give start and end to build an all-zero panel for "
            "declared dyads, or widen the filters.")
    if pd.Timestamp(start) > pd.Timestamp(end):
        raise ConfigurationError(f"The panel's start {start} is after its end {end}.")
    periods = period_range(start, end, query.freq)

    # Fold directions; then aggregate the cells onto the (dyad, period) grid with bincount.
    # Sides are handled as integer ranks in the sorted universe of side names (fast for the
    # hundreds of thousands of cells of a large panel): rank order is string order.
    codes_a, uniq_a = pd.factorize(cells["side_a"].astype("string"))
    codes_b, uniq_b = pd.factorize(cells["side_b"].astype("string"))
    universe = np.array(sorted(set(np.asarray(uniq_a, dtype=object))
                               | set(np.asarray(uniq_b, dtype=object))), dtype=object)
    rank_a = np.searchsorted(universe, np.asarray(uniq_a, dtype=object))[codes_a]
    rank_b = np.searchsorted(universe, np.asarray(uniq_b, dtype=object))[codes_b]
    if not directed:
        rank_a, rank_b = np.minimum(rank_a, rank_b), np.maximum(rank_a, rank_b)
    n_u = max(len(universe), 1)
    pair_code = rank_a.astype("int64") * n_u + rank_b
    seen_codes = np.unique(pair_code)
    n_cell = cells["n_events"].to_numpy(dtype="int64")
    n_attributed = int(cells["n_raw"].to_numpy(dtype="int64").sum())
    n_dedup = int(n_cell.sum())
    known: dict[str, tuple[str, str]] = {}
    for code in seen_codes:
        pa_, pb_ = str(universe[code // n_u]), str(universe[code % n_u])
        known[dyad_label(pa_, pb_, directed)] = (pa_, pb_)
    if dyads is None:
        pairs = sorted(known.values())
        declared = False
        if not pairs:
            raise StoreError(
                f"None of the {int(volume.sum())} event(s) in range belongs to a dyad under "
                f"attribution={query.attribution!r} (both sides needed, and different). Declare "
                "the dyads (dyads=[...]) to get an all-zero panel, or try attribution='any'.")
    else:
        pairs = _parse_dyads(dyads, directed, known)
        declared = True
    labelled = sorted((dyad_label(a, b, directed), (a, b)) for a, b in pairs)
    labels = [lab for lab, _ in labelled]
    pairs = [pair for _, pair in labelled]
    n_d, n_p = len(pairs), len(periods)
    size = n_d * n_p

    # position of each seen pair code in the panel's dyads (-1: not declared)
    lut = np.full(len(seen_codes), -1, dtype="int64")
    rank_of = {name: i for i, name in enumerate(universe)}
    for position, (a, b) in enumerate(pairs):
        if a in rank_of and b in rank_of:
            code = rank_of[a] * n_u + rank_of[b]
            j = np.searchsorted(seen_codes, code)
            if j < len(seen_codes) and seen_codes[j] == code:
                lut[j] = position
    pair_idx = lut[np.searchsorted(seen_codes, pair_code)] if len(pair_code) else \
        np.full(0, -1, dtype="int64")
    period_idx = periods.get_indexer(pd.DatetimeIndex(cells["period"].to_numpy(
        dtype="datetime64[ns]"))) if len(cells) else np.full(0, -1, dtype="int64")
    ok = (pair_idx >= 0) & (period_idx >= 0)
    cell = (pair_idx * n_p + period_idx)[ok]
    w_n = n_cell[ok].astype("float64")

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(cell, weights=values, minlength=size)[:size]

    counts = total(w_n).round().astype("int64")
    roots = cells["cameo_root"].to_numpy(dtype="int64")[ok]
    quads = cells["quad_class"].to_numpy(dtype="int64")[ok]
    in_roots = (roots >= 1) & (roots <= 20)
    by_root = np.bincount(cell[in_roots] * 20 + roots[in_roots] - 1, weights=w_n[in_roots],
                          minlength=size * 20)[: size * 20].reshape(size, 20).round()
    in_quads = (quads >= 1) & (quads <= 4)
    by_quad = np.bincount(cell[in_quads] * 4 + quads[in_quads] - 1, weights=w_n[in_quads],
                          minlength=size * 4)[: size * 4].reshape(size, 4).round()
    gmin = np.full(size, np.inf)
    np.minimum.at(gmin, cell, cells["goldstein_min"].to_numpy(dtype="float64")[ok])
    gsum = total(cells["goldstein_sum"].to_numpy(dtype="float64")[ok])

    columns: dict[str, Any] = {
        "state_a": np.repeat(np.array([p[0] for p in pairs], dtype=object), n_p),
        "state_b": np.repeat(np.array([p[1] for p in pairs], dtype=object), n_p),
        "n_events": counts,
    }
    for q in range(4):
        columns[QUAD_COLUMNS[q]] = by_quad[:, q].astype("int64")
    for r in range(20):
        columns[ROOT_COLUMNS[r]] = by_root[:, r].astype("int64")
    columns["goldstein_sum"] = np.where(counts > 0, gsum, 0.0)
    columns["goldstein_mean"] = np.where(counts > 0, gsum / np.maximum(counts, 1), 0.0)
    columns["goldstein_min"] = np.where(counts > 0, gmin, 0.0)
    columns["fatalities"] = total(cells["fatalities"].to_numpy(dtype="float64",
                                                               na_value=0.0)[ok])
    columns["weight"] = total(cells["weight"].to_numpy(dtype="float64")[ok])
    if normalize:
        vol = volume.reindex(periods, fill_value=0).to_numpy().astype("int64")
        v = np.tile(vol, n_d)
        columns["volume"] = v
        columns["share"] = np.where(v > 0, counts / np.maximum(v, 1), 0.0)
    index = pd.MultiIndex.from_arrays(
        [np.repeat(np.array(labels, dtype=object), n_p), np.tile(periods.to_numpy(), n_d)],
        names=["dyad", "period"])
    data = pd.DataFrame(columns, index=index)
    data["state_a"] = data["state_a"].astype(str)
    data["state_b"] = data["state_b"].astype(str)

    in_range = int(volume.reindex(periods, fill_value=0).sum()) if len(periods) else 0
    last_complete = True
    if len(periods):
        period_end = pd.Timestamp(periods[-1]) + pd.tseries.frequencies.to_offset(
            _PANDAS_FREQ[query.freq]) - pd.Timedelta(days=1)
        last_complete = bool(pd.Timestamp(end).normalize() >= period_end)
    # a start inside a period cuts that period's earlier days (the default start cuts nothing)
    first_complete = bool(query.start is None or len(periods) == 0
                          or pd.Timestamp(start).normalize() <= periods[0])
    meta: dict[str, Any] = {
        "freq": query.freq,
        "directed": directed,
        "dedup": query.dedup,
        "attribution": query.attribution,
        "as_of": query.as_of,
        "start": pd.Timestamp(start).normalize(),
        "end": pd.Timestamp(end).normalize(),
        "sources": query.sources,
        "normalize": normalize,
        "engine": result.engine,
        "engine_info": dict(result.info),
        "dyads_declared": declared,
        "n_events_in_range": in_range,
        "n_events_by_source": {str(k): int(v) for k, v in vol_by_source.items()},
        "n_events_attributed": n_attributed,
        "n_events_deduplicated": n_dedup,
        "n_events_panel": int(data["n_events"].sum()),
        "first_period_complete": first_complete,
        "last_period_complete": last_complete,
    }
    meta.update(meta_extra)
    return DyadPanel._assembled(data, freq=query.freq, directed=directed, meta=meta,
                                dyads=labels, periods=periods)


def build_panel(source: Any, *, freq: str = "W", directed: bool = True,
                dyads: Iterable[Any] | None = None, start: Any = None, end: Any = None,
                as_of: Any = None, dedup: str = "none", attribution: str = "state",
                normalize: bool = True, engine: str = "duckdb",
                sources: Sequence[str] | None = None, client: Any = None,
                **engine_options: Any) -> DyadPanel:
    """Aggregate canonical events into a dyad-period panel.

    Parameters
    ----------
    source : EventStore, duckdb connection, pandas.DataFrame, path(s) or dask DataFrame
        The events in the canonical schema (:mod:`riskmodel.events`): a store, a DuckDB
        connection with a table ``events``, a pandas frame, Parquet/CSV event files (a path,
        directory, glob or list), or (``engine="dask"``) a dask DataFrame.
    freq : {"D", "W", "M"}, default "W"
        Period: day, week starting Monday, month. Periods are labelled by their start.
    directed : bool, default True
        ``"PAK>AFG"`` (actor 1's side > actor 2's side) or undirected ``"AFG-PAK"``.
    dyads : iterable of str or (str, str), optional
        The declared dyads (labels or pairs); every one gets a row for every period, zero-filled.
        Default: the dyads with at least one event in the panel's range.
    start, end : date-like, optional
        First and last day of events (inclusive). The panel spans the period of ``start`` to the
        period of ``end``; partial first and last periods are noted in
        ``meta["first_period_complete"]`` and ``meta["last_period_complete"]``.
        Defaults: the first event day; the last event day, or the day of ``as_of`` if given.
    as_of : date-like, optional
        Keep only events with ``available_at <= as_of`` (what was known at that time).
    dedup : {"none", "dyad_code_day", "cross_source"}, default "none"
        Deduplication rule (:mod:`riskmodel.engines`).
    attribution : {"state", "country", "territorial", "any"}, default "state"
        State attribution rule (:mod:`riskmodel.engines`).
    normalize : bool, default True
        Add ``volume`` (all events of the period) and ``share`` (``n_events / volume``).
    engine : {"duckdb", "dask"}, default "duckdb"
        Where the aggregation runs.
    sources : sequence of str, optional
        Keep only events of these sources (e.g. ``["gdelt2"]``); the volume then counts only
        them too.
    client : dask.distributed.Client or str, optional
        Dask only: the client or scheduler address (default: ``$RISKMODEL_DASK_SCHEDULER``, else
        the current client, else Dask's local threaded scheduler).
    **engine_options
        Passed to the engine (DuckDB: ``threads``, ``memory_limit`` for file inputs; Dask:
        ``npartitions``, ``blocksize``, ``connect_timeout``).

    Returns
    -------
    DyadPanel
        Its ``meta`` records the rules and the accounting: ``freq``, ``directed``, ``dedup``,
        ``attribution``, ``as_of``, ``start``, ``end``, ``sources``, ``normalize``, ``engine``
        (and ``engine_info``), ``dyads_declared``, ``n_events_in_range`` (the volume of the
        whole range), ``n_events_by_source``, ``n_events_attributed`` (events of any dyad),
        ``n_events_deduplicated`` (after the rule), ``n_events_panel`` (in the panel's dyads),
        ``first_period_complete`` and ``last_period_complete``.

    Raises
    ------
    ConfigurationError
        For an unknown ``freq``, ``dedup``, ``attribution`` or ``engine`` (the nearest valid name
        is suggested), bad dates, or a malformed dyad.
    StoreError
        If the source holds no events, or none match the filters and no range was given.

    Examples
    --------
    >>> panel = build_panel(store, freq="W", dyads=["PAK>AFG", "AFG>PAK"],
    ...                     attribution="territorial", dedup="dyad_code_day")  # doctest: +SKIP
    >>> panel.series("quad4", "PAK>AFG").tail()  # doctest: +SKIP
    """
    freq = check_choice(freq, FREQS, "freq")
    dedup = check_choice(dedup, DEDUP_RULES, "dedup")
    attribution = check_choice(attribution, ATTRIBUTIONS, "attribution")
    engine = check_choice(engine, ENGINES, "engine")
    if not isinstance(directed, (bool, np.bool_)):
        raise ConfigurationError(f"The 'directed' parameter must be True or False. Got {directed!r}.")
    start_ts = _timestamp(start, "start")
    end_ts = _timestamp(end, "end")
    as_of_ts = _timestamp(as_of, "as_of")
    if start_ts is not None:
        start_ts = start_ts.normalize()
    if end_ts is not None:
        end_ts = end_ts.normalize()
    if as_of_ts is not None and end_ts is not None and end_ts > as_of_ts.normalize():
        # Events dated after as_of cannot have been known by then; keep the span honest.
        end_ts = as_of_ts.normalize()
    if as_of_ts is not None and end_ts is None:
        end_ts = as_of_ts.normalize()
    if start_ts is not None and end_ts is not None and start_ts > end_ts:
        raise ConfigurationError(f"The 'start' parameter ({start_ts.date()}) is after 'end' "
                                 f"({end_ts.date()}).")
    if sources is not None:
        if isinstance(sources, str):
            sources = [sources]
        from riskmodel.events import SOURCES

        for s in sources:
            check_choice(s, SOURCES, "sources")
        sources_t: tuple[str, ...] | None = tuple(sources)
    else:
        sources_t = None
    if dyads is not None and not isinstance(dyads, str):
        dyads = list(dyads)
    query = PanelQuery(freq=freq, attribution=attribution, dedup=dedup, start=start_ts,
                       end=end_ts, as_of=as_of_ts, sources=sources_t)
    module = get_engine(engine)
    if engine == "dask":
        result = module.aggregate(source, query, client=client, **engine_options)
    else:
        if client is not None:
            raise ConfigurationError("The 'client' parameter is for engine='dask' only.")
        result = module.aggregate(source, query, **engine_options)
    return _assemble(result, query=query, directed=bool(directed), dyads=dyads,
                     normalize=bool(normalize), meta_extra={})

