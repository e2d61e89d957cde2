"""Features of dyad panels as scikit-learn transformers.

Every transformer takes a panel frame: a :class:`pandas.DataFrame` indexed ``(dyad, period)``
with the panel's columns (``DyadPanel.data``, or a :class:`~riskmodel.panel.DyadPanel` itself),
and returns a frame with the same index (same row order) and one column per feature. The feature
of period ``t`` uses the dyad's rows of periods ``<= t`` only (lags, trailing windows, decays,
counters that look back), so a model fitted on features at origin ``t`` never sees the future.
Rows must be one per (dyad, period) over consecutive periods per dyad, as panels are; rows of
other dyads enter only the cross-dyad features (reciprocity, spillover) and only for the same
period or earlier.

Transformers are stateless (``fit`` checks and records the input columns), so they can be fitted
on one window and applied to another, cloned, and put in a ``Pipeline``. They compute with numpy
on the rows sorted by dyad and period as flat arrays (shifts masked at each dyad's first row,
trailing windows by doubling, decays by a scan), with no loop over dyads: a panel of 240,000 rows
takes a fraction of a second (``benchmarks/bench_features.py``).

=========================  ===============================================================
transformer                features (``{col}`` for each input column)
=========================  ===============================================================
:class:`LagFeatures`       ``{col}_lag{k}``: the value ``k`` periods earlier
:class:`RollingFeatures`   ``{col}_roll{w}_{stat}``: mean/max/sum/std of the last ``w`` periods
:class:`EWMFeatures`       ``{col}_ewm{h}``: exponentially weighted mean, half-life ``h``
:class:`TrendFeatures`     ``{col}_trend{w}``: least-squares slope over the last ``w`` periods
:class:`ReciprocityFeatures`  ``{col}_rev`` / ``{col}_rev_lag{k}``: the reverse direction
:class:`SpilloverFeatures` ``{col}_spill``: events of either state with third parties
:class:`ShareFeatures`     ``{col}_share``: the column over the period's total volume
:class:`TimeSinceFeatures` ``since_{col}``: periods since the column last reached a threshold
=========================  ===============================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted

from riskmodel.exceptions import ConfigurationError, SchemaError

__all__ = [
    "LagFeatures",
    "RollingFeatures",
    "EWMFeatures",
    "TrendFeatures",
    "ReciprocityFeatures",
    "SpilloverFeatures",
    "ShareFeatures",
    "TimeSinceFeatures",
    "make_feature_pipeline",
]


def _as_frame(X: Any) -> pd.DataFrame:
    from riskmodel.panel import DyadPanel

    if isinstance(X, DyadPanel):
        X = X.data
    if not isinstance(X, pd.DataFrame) or not isinstance(X.index, pd.MultiIndex) \
            or list(X.index.names[:2]) != ["dyad", "period"]:
        raise SchemaError(
            "Panel features need a DataFrame indexed ('dyad', 'period') (DyadPanel.data) or a "
            f"DyadPanel; got {type(X).__name__}"
            + (f" indexed {list(X.index.names)}" if isinstance(X, pd.DataFrame) else "") + ".")
    if not X.index.is_unique:
        raise SchemaError("Panel frame has duplicated (dyad, period) rows; one row each.")
    return X


def _ints(value: Any, name: str, owner: str, minimum: int) -> tuple[int, ...]:
    items = (value,) if isinstance(value, (int, np.integer)) else tuple(value)
    if not items or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum
                        for v in items):
        raise ConfigurationError(f"The {name!r} parameter of {owner} must be int(s) >= "
                                 f"{minimum}. Got {value!r} instead.")
    return tuple(int(v) for v in items)


def _names(value: Any) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _sort_order(index: pd.MultiIndex) -> np.ndarray | None:
    """Row positions that sort ``index`` as ``DataFrame.sort_index`` does (``None``: sorted)."""
    if index.is_monotonic_increasing:
        return None
    keys, sizes = [], []
    for level, codes in zip(index.levels, index.codes):
        rank = np.empty(len(level) + 1, dtype="int64")
        rank[np.asarray(level.argsort())] = np.arange(len(level))
        rank[-1] = len(level)  # code -1 (missing label) sorts last
        keys.append(rank[np.asarray(codes, dtype="int64")])
        sizes.append(len(level) + 1)
    if float(np.prod(np.asarray(sizes, dtype="float64"))) < 2.0 ** 62:
        # one integer key (the index is unique, so the sort needs no stability)
        key = np.zeros(len(index), dtype="int64")
        for k, size in zip(keys, sizes):
            key = key * size + k
        return np.argsort(key)
    return np.lexsort(keys[::-1])


_State = tuple[np.ndarray, ...]


class _Rows:
    """A panel frame's rows in ``(dyad, period)`` order, as flat numpy arrays.

    Features are computed on the rows in the order ``frame.sort_index()`` gives, without building
    that frame: :attr:`order` maps sorted positions to the frame's rows (``None`` when the frame
    is sorted already) and :attr:`pos` is each sorted row's position in its dyad (0 at the
    dyad's first row). Looking back ``k`` rows is a shift of the flat array that masks the rows
    with ``pos < k``, so one array serves every dyad whatever its length, and a dyad's features
    never read another dyad's rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        A panel frame checked by :func:`_as_frame`.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.n = len(frame)
        self.order = _sort_order(frame.index)
        dyad = np.asarray(frame.index.codes[0])
        if self.order is not None:
            dyad = dyad[self.order]
        first = np.ones(self.n, dtype=bool)
        first[1:] = dyad[1:] != dyad[:-1]
        starts = np.flatnonzero(first)
        #: sorted position of the first row of each row's dyad
        self.start = np.repeat(starts, np.diff(np.append(starts, self.n)))
        self.pos = np.arange(self.n) - self.start
        self.max_pos = int(self.pos.max()) if self.n else 0
        self._values: dict[str, np.ndarray] = {}

    def sorted(self, values: Any) -> np.ndarray:
        """``values`` (one per frame row) in sorted row order."""
        values = np.asarray(values)
        return values if self.order is None else values[self.order]

    def values(self, column: str) -> np.ndarray:
        """The column as float64 in sorted row order, NaN where missing (do not modify)."""
        if column not in self._values:
            values = self.frame[column].to_numpy(dtype="float64", na_value=np.nan)
            self._values[column] = self.sorted(values)
        return self._values[column]

    def shift(self, values: np.ndarray, k: int, fill: float = np.nan) -> np.ndarray:
        """The value ``k`` rows earlier in the same dyad; ``fill`` before the dyad's first row."""
        if k == 0:
            return values
        out = np.full(self.n, fill, dtype="float64")
        if k < self.n:
            out[k:] = values[:-k]
            out[self.pos < k] = fill
        return out

    def window(self, state: _State, w: int, combine: Any, empty: tuple[float, ...]) -> _State:
        """Reduce each row's trailing window of ``w`` rows of its dyad (the row included).

        ``state`` holds arrays that describe one-row windows, ``combine(a, b)`` merges the
        states of two adjacent windows and ``empty`` is the state of an empty window. Windows of
        ``2**j`` rows are built by doubling and the window of ``w`` rows joins those of the set
        bits of ``w``: ``O(n log w)`` whatever ``w``. Windows are clipped at the dyad's first row.
        """
        w = min(w, self.max_pos + 1)  # longer windows hold the whole history, as this one
        acc: _State | None = None
        covered, size, block = 0, 1, state
        while size <= w:
            if w & size:
                part = block if covered == 0 else self._shift_state(block, covered, empty)
                acc = part if acc is None else combine(acc, part)
                covered += size
            if 2 * size <= w:
                block = combine(block, self._shift_state(block, size, empty))
            size *= 2
        if acc is None:  # pragma: no cover - windows are checked to be >= 1
            raise ConfigurationError(f"A window of {w} rows is empty.")
        return acc

    def _shift_state(self, state: _State, k: int, empty: tuple[float, ...]) -> _State:
        return tuple(self.shift(a, k, e) for a, e in zip(state, empty))

    def last_true(self, mask: np.ndarray) -> np.ndarray:
        """Sorted position of the dyad's last row up to each row where ``mask`` (-1: none)."""
        last = np.maximum.accumulate(np.where(mask, np.arange(self.n), -1)) if self.n else \
            np.zeros(0, dtype="int64")
        return np.where(last >= self.start, last, -1)

    def period_codes(self) -> np.ndarray:
        """Integer codes of the period labels (>= 0, equal codes for equal periods)."""
        return self.sorted(self.frame.index.codes[1]).astype("int64") + 1

    def state_codes(self) -> tuple[np.ndarray, np.ndarray, int]:
        """Codes of ``state_a`` and ``state_b`` (compared as strings) and the number of codes."""
        codes, uniques = [], []
        for col in ("state_a", "state_b"):
            c, u = pd.factorize(self.frame[col], use_na_sentinel=False)
            codes.append(self.sorted(c).astype("int64"))
            uniques.append(np.asarray(u, dtype=object))
        # codes of the distinct values taken as strings, shared by both columns
        as_str, _ = pd.factorize(pd.Index(np.concatenate(uniques), dtype=object).astype(str),
                                 use_na_sentinel=False)
        as_str = as_str.astype("int64")
        code_a = as_str[: len(uniques[0])][codes[0]]
        code_b = as_str[len(uniques[0]):][codes[1]]
        return code_a, code_b, int(as_str.max()) + 1 if len(as_str) else 1


def _add(a: _State, b: _State) -> _State:
    return tuple(x + y for x, y in zip(a, b))


def _max(a: _State, b: _State) -> _State:
    return (np.maximum(a[0], b[0]),)


def _min(a: _State, b: _State) -> _State:
    return (np.minimum(a[0], b[0]),)


def _moments(a: _State, b: _State) -> _State:
    """Merge (count, mean, sum of squared deviations) of two windows (Chan et al.)."""
    n = a[0] + b[0]
    share_b = np.divide(b[0], n, out=np.zeros_like(n), where=n > 0)
    delta = b[1] - a[1]
    return n, a[1] + delta * share_b, a[2] + b[2] + delta * delta * a[0] * share_b


def _window_sum(rows: _Rows, x: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum of the finite values of each trailing window of ``w`` rows, and their count.

    As in pandas' window functions, infinite values count as missing.
    """
    obs = np.isfinite(x)
    if obs.all():
        (total,) = rows.window((x,), w, _add, (0.0,))
        return total, np.minimum(rows.pos + 1, w).astype("float64")
    total, count = rows.window((np.where(obs, x, 0.0), obs.astype("float64")), w, _add,
                               (0.0, 0.0))
    return total, count


def _window_stat(rows: _Rows, x: np.ndarray, w: int, stat: str) -> np.ndarray:
    """``stat`` of the finite values of each trailing window (0 where there are none)."""
    total, count = _window_sum(rows, x, w)
    seen = count > 0
    if stat == "sum":
        return np.where(seen, total, 0.0)
    if stat == "mean":
        return np.divide(total, count, out=np.zeros(rows.n), where=seen)
    obs = np.isfinite(x)
    if stat in ("max", "min"):
        pad = -np.inf if stat == "max" else np.inf
        (best,) = rows.window((np.where(obs, x, pad),), w, _max if stat == "max" else _min,
                              (pad,))
        return np.where(seen, best, 0.0)
    # std with ddof=0, from the merged moments of the window's halves
    moments = (obs.astype("float64"), np.where(obs, x, 0.0), np.zeros(rows.n))
    n, _, ssd = rows.window(moments, w, _moments, (0.0, 0.0, 0.0))
    return np.sqrt(np.divide(ssd, n, out=np.zeros(rows.n), where=seen))


def _decayed_sum(rows: _Rows, x: np.ndarray, decay: float) -> np.ndarray:
    """``y[t] = x[t] + decay * y[t-1]`` within each dyad, ``y = x`` at its first row.

    A doubling scan over the flat array: after the step of ``s`` rows, ``y[t]`` sums the terms
    of the ``2s`` latest rows of the dyad; ``log2`` of the longest dyad steps in all.
    """
    y = np.array(x, dtype="float64", copy=True)
    step, factor = 1, decay
    while step <= rows.max_pos and factor > 0.0:
        earlier = factor * y[:-step]
        earlier[rows.pos[step:] < step] = 0.0
        y[step:] += earlier
        step, factor = 2 * step, factor * factor
    return y


class _PanelTransformer(TransformerMixin, BaseEstimator):
    """Shared checks: input frame, requested columns, fitted state, row order.

    Subclasses compute their features in :meth:`_compute` from a :class:`_Rows` (numpy arrays
    of the rows sorted by dyad and period); :meth:`transform` puts the results back in the
    frame's row order.
    """

    columns: Any

    def _required(self) -> tuple[str, ...]:
        return _names(self.columns)

    def _check_params(self) -> None:
        """Validate parameters (subclasses)."""

    def fit(self, X: Any, y: Any = None) -> _PanelTransformer:
        """Check ``X`` and the parameters; record the input columns.

        Returns
        -------
        self
        """
        self._check_params()
        frame = _as_frame(X)
        self._check_columns(frame)
        self.feature_names_in_ = np.asarray(list(frame.columns), dtype=object)
        self.n_features_in_ = len(frame.columns)
        return self

    def _check_columns(self, frame: pd.DataFrame) -> None:
        import difflib

        for col in self._required():
            if col not in frame.columns:
                near = difflib.get_close_matches(col, [str(c) for c in frame.columns], n=1)
                raise ConfigurationError(
                    f"{type(self).__name__} needs column {col!r}, which the panel frame lacks."
                    + (f" Did you mean {near[0]!r}?" if near else ""))

    def transform(self, X: Any) -> pd.DataFrame:
        """Compute the features; same index and row order as ``X``."""
        check_is_fitted(self, "n_features_in_")
        self._check_params()
        frame = _as_frame(X)
        self._check_columns(frame)
        rows = _Rows(frame)
        features = self._compute(rows)
        names = list(self.get_feature_names_out())
        # one (feature, row) block, written straight in the frame's row order
        data = np.empty((len(names), rows.n), dtype="float64")
        for j, name in enumerate(names):
            if rows.order is None:
                data[j] = features[name]
            else:
                data[j, rows.order] = features[name]
        return pd.DataFrame(data.T, index=frame.index, columns=names, copy=False)

    def _compute(self, rows: _Rows) -> dict[str, np.ndarray]:  # pragma: no cover - abstract
        """Features by name, as arrays in ``rows``' sorted order."""
        raise NotImplementedError

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns."""
        return np.asarray(self._feature_names(), dtype=object)

    def _feature_names(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags


class LagFeatures(_PanelTransformer):
    """The value ``k`` periods earlier, for each lag ``k``.

    Parameters
    ----------
    columns : str or sequence of str, default ("n_events", "quad3", "quad4")
    lags : int or sequence of int, default (1, 2, 4)
        Lags ``k >= 1`` (use ``0`` for the current value).
    fill_value : float or None, default 0.0
        Value before the dyad's first period (None keeps NaN).
    """

    def __init__(self, columns: Any = ("n_events", "quad3", "quad4"),
                 lags: Any = (1, 2, 4), fill_value: float | None = 0.0) -> None:
        self.columns = columns
        self.lags = lags
        self.fill_value = fill_value

    def _check_params(self) -> None:
        _ints(self.lags, "lags", "LagFeatures", 0)

    def _feature_names(self) -> list[str]:
        return [f"{c}_lag{k}" for c in _names(self.columns)
                for k in _ints(self.lags, "lags", "LagFeatures", 0)]

    def _compute(self, rows: _Rows) -> dict[str, np.ndarray]:
        parts = {}
        for c in _names(self.columns):
            for k in _ints(self.lags, "lags", "LagFeatures", 0):
                shifted = rows.shift(rows.values(c), k)
                # missing values of the column are filled too, not only the first rows
                parts[f"{c}_lag{k}"] = shifted if self.fill_value is None else \
                    np.where(np.isnan(shifted), self.fill_value, shifted)
        return parts


class RollingFeatures(_PanelTransformer):
    """Statistics of the last ``w`` periods (the current one included).

    Missing and infinite values are skipped (as in pandas' window functions); a window
    without any finite value gives 0.

    Parameters
    ----------
    columns : str or sequence of str, default ("n_events", "quad4")
    windows : int or sequence of int, default (4, 12)
    stats : sequence of {"mean", "max", "sum", "std", "min"}, default ("mean", "max")
        ``std`` is the population standard deviation (``ddof=0``).
    """

    _STATS = ("mean", "max", "sum", "std", "min")

    def __init__(self, columns: Any = ("n_events", "quad4"), windows: Any = (4, 12),
                 stats: Any = ("mean", "max")) -> None:
        self.columns = columns
        self.windows = windows
        self.stats = stats

    def _check_params(self) -> None:
        from riskmodel.engines import check_choice

        _ints(self.windows, "windows", "RollingFeatures", 1)
        for s in _names(self.stats):
            check_choice(s, self._STATS, "stats")

    def _feature_names(self) -> list[str]:
        return [f"{c}_roll{w}_{s}" for c in _names(self.columns)
                for w in _ints(self.windows, "windows", "RollingFeatures", 1)
                for s in _names(self.stats)]

    def _compute(self, rows: _Rows) -> dict[str, np.ndarray]:
        return {f"{c}_roll{w}_{s}": _window_stat(rows, rows.values(c), w, s)
                for c in _names(self.columns)
                for w in _ints(self.windows, "windows", "RollingFeatures", 1)
                for s in _names(self.stats)}


class EWMFeatures(_PanelTransformer):
    """Exponentially weighted mean with half-life ``h`` periods (periods ``<= t``).

    The weights are those of ``pandas`` ``ewm(halflife=h, adjust=True)``: ``(1 - a)**j`` for
    the value ``j`` periods earlier, with ``a = 1 - exp(-ln 2 / h)``; missing values are
    skipped (the mean holds its last value), 0 before the dyad's first value.

    Parameters
    ----------
    columns : str or sequence of str, default ("n_events", "quad4")
    halflives : float or sequence of float, default (2.0, 8.0)
    """

    def __init__(self, columns: Any = ("n_events", "quad4"), halflives: Any = (2.0, 8.0)) -> None:
        self.columns = columns
        self.halflives = halflives

    def _halflives(self) -> tuple[float, ...]:
        items = (self.halflives,) if np.isscalar(self.halflives) else tuple(self.halflives)
        if not items or any(not isinstance(h, (int, float, np.number)) or isinstance(h, bool)
                            or h <= 0 for h in items):
            raise ConfigurationError("The 'halflives' parameter of EWMFeatures must be "
                                     f"number(s) > 0. Got {self.halflives!r} instead.")
        return tuple(float(h) for h in items)

    def _check_params(self) -> None:
        self._halflives()

    def _feature_names(self) -> list[str]:
        return [f"{c}_ewm{h:g}" for c in _names(self.columns) for h in self._halflives()]

    def _compute(self, rows: _Rows) -> dict[str, np.ndarray]:
        parts = {}
        for h in self._halflives():
            # the decay per period, computed as pandas does from the half-life
            com = 1.0 / (1.0 - np.exp(np.log(0.5) / h)) - 1.0
            decay = 1.0 - 1.0 / (1.0 + com)
            weights_all: np.ndarray | None = None  # shared by the columns without gaps
            for c in _names(self.columns):
                x = rows.values(c)
                obs = np.isfinite(x)  # pandas' ewm skips infinite values as missing
                if obs.all():
                    if weights_all is None:
                        weights_all = _decayed_sum(rows, np.ones(rows.n), decay)
                    parts[f"{c}_ewm{h:g}"] = _decayed_sum(rows, x, decay) / weights_all
                    continue
                weights = _decayed_sum(rows, obs.astype("float64"), decay)
                mean = np.divide(_decayed_sum(rows, np.where(obs, x, 0.0), decay), weights,
                                 out=np.zeros(rows.n), where=obs)
                # a missing value keeps the previous mean (0 before the first value)
                last = rows.last_true(obs)
                parts[f"{c}_ewm{h:g}"] = np.where(last >= 0, mean[np.maximum(last, 0)], 0.0)
        return parts


class TrendFeatures(_PanelTransformer):
    """Least-squares slope (per period) of the last ``w`` periods, the current one included.

    Parameters
    ----------
    columns : str or sequence of str, default ("n_events", "quad4")
    windows : int or sequence of int, default (8,)
        Window lengths ``>= 2``; the slope is 0 while fewer than 2 periods exist.
    """

    def __init__(self, columns: Any = ("n_events", "quad4"), windows: Any = (8,)) -> None:
        self.columns = columns
        self.windows = windows

    def _check_params(self) -> None:
        _ints(self.windows, "windows", "TrendFeatures", 2)

    def _feature_names(self) -> list[str]:
        return [f"{c}_trend{w}" for c in _names(self.columns)
                for w in _ints(self.windows, "windows", "TrendFeatures", 2)]

    def _compute(self, rows: _Rows) -> dict[str, np.ndarray]:
        # x is the row's position i in its dyad; the window holds i-n+1 .. i
        i = rows.pos.astype("float64")
        parts = {}
        for w in _ints(self.windows, "windows", "TrendFeatures", 2):
            n = np.minimum(rows.pos + 1, w).astype("float64")
            lo = i - n + 1.0
            # sums of i and i**2 over the window in closed form (exact integers)
            si = n * (lo + i) / 2.0
            sii = n * lo * lo + lo * n * (n - 1.0) + (n - 1.0) * n * (2.0 * n - 1.0) / 6.0
            den = n * sii - si * si
            ok = den > 1e-12
            for c in _names(self.columns):
                y = rows.values(c)
                sy, count = _window_sum(rows, y, w)
                siy, _ = _window_sum(rows, i * y, w)
                num = n * siy - si * sy
                num[count == 0] = np.nan  # no value in the window (pandas' NaN sum)
                parts[f"{c}_trend{w}"] = np.where(ok, num / np.where(ok, den, 1.0), 0.0)
        return parts


def _directed(rows: _Rows) -> bool:
    if not rows.n:
        return False
    first = 0 if rows.order is None else int(rows.order[0])
    label = str(rows.frame.index.get_level_values("dyad")[first])
    a, b = rows.frame["state_a"].iloc[first], rows.frame["state_b"].iloc[first]
    return ">" in label and label == f"{a}>{b}"


class ReciprocityFeatures(_PanelTransformer):
    """The reverse direction's values (``B>A`` for ``A>B``) in the same and earlier periods.

    Needs a directed panel frame with ``state_a``/``state_b``; a reverse dyad absent from the
    frame counts as zero.

    Parameters
    ----------
    columns : str or sequence of str, default ("quad4",)
    lags : int or sequence of int, default (0, 1)
        0 is the same period (known at ``t``), ``k`` the reverse value ``k`` periods earlier.
    """

    def __init__(self, columns: Any = ("quad4",), lags: Any = (0, 1)) -> None:
        self.columns = columns
        self.lags = lags

    def _required(self) -> tuple[str, ...]:
        return _names(self.columns) + ("state_a", "state_b")

    def _check_params(self) -> None:
        _ints(self.lags, "lags", "ReciprocityFeatures", 0)

    def _feature_names(self) -> list[str]:
        return [f"{c}_rev" if k == 0 else f"{c}_rev_lag{k}" for c in _names(self.columns)
                for k in _ints(self.lags, "lags", "ReciprocityFeatures", 0)]

    def _compute(self, rows: _Rows) -> dict[str, np.ndarray]:
        if not rows.n:
            return {name: np.zeros(0) for name in self._feature_names()}
        if not _directed(rows):
            raise ConfigurationError("ReciprocityFeatures needs a directed panel (labels "
                                     "'A>B'); an undirected dyad has no reverse direction.")
        code_a, code_b, n_states = rows.state_codes()
        period = rows.period_codes()
        n_periods = int(period.max()) + 1
        # (a, b, period) of every row and (b, a, period) of its reverse, as integer keys
        pair, _ = pd.factorize(np.concatenate([code_a * n_states + code_b,
                                               code_b * n_states + code_a]))
        pair = pair.astype("int64")
        key = pair[: rows.n] * n_periods + period
        reverse = pair[rows.n:] * n_periods + period
        sorter = np.argsort(key, kind="stable")
        keys = key[sorter]
        if (keys[1:] == keys[:-1]).any():
            raise SchemaError("ReciprocityFeatures needs one row per (state_a, state_b, "
                              "period); the panel frame repeats some.")
        at = np.minimum(np.searchsorted(keys, reverse), rows.n - 1)
        found = keys[at] == reverse
        source = sorter[at]
        parts = {}
        for c in _names(self.columns):
            rev = np.where(found, rows.values(c)[source], 0.0)
            rev[np.isnan(rev)] = 0.0  # a missing reverse value counts as zero too
            for k in _ints(self.lags, "lags", "ReciprocityFeatures", 0):
                parts[f"{c}_rev" if k == 0 else f"{c}_rev_lag{k}"] = rows.shift(rev, k, 0.0)
        return parts


class SpilloverFeatures(_PanelTransformer):
    """Events of either state of the dyad with third parties in the same period.

    For dyad (A, B) at ``t``: the sum of ``column`` over all rows of the frame at ``t`` that
    involve A or B (as either side) but not both. Only dyads present in the frame count, so
    build the panel with the dyads whose spillover matters (the default panel has all dyads seen).

    Parameters
    ----------
    columns : str or sequence of str, default ("quad4",)
    lag : int, default 0
        Use the spillover of ``lag`` periods earlier.
    """

    def __init__(self, columns: Any = ("quad4",), lag: int = 0) -> None:
        self.columns = columns
        self.lag = lag

    def _required(self) -> tuple[str, ...]:
        return _names(self.columns) + ("state_a", "state_b")

    def _check_params(self) -> None:
        _ints(self.lag, "lag", "SpilloverFeatures", 0)

    def _feature_names(self) -> list[str]:
        suffix = "" if self.lag == 0 else f"_lag{self.lag}"
        return [f"{c}_spill{suffix}" for c in _names(self.columns)]

    def _compute(self, rows: _Rows) -> dict[str, np.ndarray]:
        code_a, code_b, n_states = rows.state_codes()
        period = rows.period_codes()
        n_periods = int(period.max()) + 1 if rows.n else 1
        # groups: (state, period) for either side, and (unordered pair, period)
        state, _ = pd.factorize(np.concatenate([code_a * n_periods + period,
                                                code_b * n_periods + period]))
        pair, _ = pd.factorize(np.minimum(code_a, code_b) * n_states
                               + np.maximum(code_a, code_b))
        pair_period, _ = pd.factorize(pair.astype("int64") * n_periods + period)
        suffix = "" if self.lag == 0 else f"_lag{self.lag}"
        parts = {}
        for c in _names(self.columns):
            x = rows.values(c)
            x = np.where(np.isnan(x), 0.0, x)  # a missing value adds nothing to a group sum
            total = np.bincount(state, weights=np.concatenate([x, x]))
            own = np.bincount(pair_period, weights=x)[pair_period]
            # rows between A and B (both directions when directed) are in both states' totals
            spill = total[state[: rows.n]] + total[state[rows.n:]] - 2.0 * own
            if self.lag:
                spill = rows.shift(spill, self.lag, 0.0)
                spill[np.isnan(spill)] = 0.0  # (from infinite values) as pandas' fillna
            parts[f"{c}_spill{suffix}"] = spill
        return parts


class ShareFeatures(_PanelTransformer):
    """Columns over the period's total volume (0 where the volume is 0).

    Parameters
    ----------
    columns : str or sequence of str, default ("n_events", "quad4")
    scale : float, default 1000.0
        Multiplier (per mille by default, to keep the values near 1).
    """

    def __init__(self, columns: Any = ("n_events", "quad4"), scale: float = 1000.0) -> None:
        self.columns = columns
        self.scale = scale

    def _required(self) -> tuple[str, ...]:
        return _names(self.columns) + ("volume",)

    def _feature_names(self) -> list[str]:
        return [f"{c}_share" for c in _names(self.columns)]

    def _compute(self, rows: _Rows) -> dict[str, np.ndarray]:
        v = rows.values("volume")
        return {f"{c}_share": np.where(v > 0, rows.values(c) / np.maximum(v, 1) * self.scale,
                                       0.0) for c in _names(self.columns)}


class TimeSinceFeatures(_PanelTransformer):
    """Periods since the column last reached ``threshold`` (0 in a period where it does).

    Parameters
    ----------
    columns : str or sequence of str, default ("quad4",)
    threshold : float, default 1
    cap : int, default 52
        Value where the column never reached the threshold, and upper bound.
    """

    def __init__(self, columns: Any = ("quad4",), threshold: float = 1, cap: int = 52) -> None:
        self.columns = columns
        self.threshold = threshold
        self.cap = cap

    def _check_params(self) -> None:
        _ints(self.cap, "cap", "TimeSinceFeatures", 1)

    def _feature_names(self) -> list[str]:
        return [f"since_{c}" for c in _names(self.columns)]

    def _compute(self, rows: _Rows) -> dict[str, np.ndarray]:
        cap = float(self.cap)
        parts = {}
        for c in _names(self.columns):
            last = rows.last_true(rows.values(c) >= self.threshold)
            since = (np.arange(rows.n) - last).astype("float64")
            parts[f"since_{c}"] = np.where(last >= 0, np.minimum(since, cap), cap)
        return parts


def make_feature_pipeline(columns: Sequence[str] = ("n_events", "quad3", "quad4"), *,
                          lags: Sequence[int] = (1, 2, 4), windows: Sequence[int] = (4, 12),
                          halflives: Sequence[float] = (4.0,), trend_window: int = 8,
                          reciprocity: bool = True, spillover: bool = True,
                          share: bool = True) -> FeatureUnion:
    """The default feature set as one ``FeatureUnion`` (pandas output, panel index kept).

    Parameters
    ----------
    columns : sequence of str
        Panel columns the features are built from.
    lags, windows, halflives, trend_window
        Passed to the transformers.
    reciprocity : bool
        Include :class:`ReciprocityFeatures` (directed panels only).
    spillover : bool
        Include :class:`SpilloverFeatures`.
    share : bool
        Include :class:`ShareFeatures` (needs the ``volume`` column).

    Returns
    -------
    sklearn.pipeline.FeatureUnion
    """
    cols = tuple(columns)
    conflict = tuple(c for c in cols if c in ("quad3", "quad4")) or cols[:1]
    steps: list[tuple[str, Any]] = [
        ("lag", LagFeatures(columns=cols, lags=tuple(lags))),
        ("rolling", RollingFeatures(columns=cols, windows=tuple(windows))),
        ("ewm", EWMFeatures(columns=cols, halflives=tuple(halflives))),
        ("trend", TrendFeatures(columns=cols, windows=(trend_window,))),
        ("since", TimeSinceFeatures(columns=conflict)),
    ]
    if reciprocity:
        steps.append(("reciprocity", ReciprocityFeatures(columns=conflict)))
    if spillover:
        steps.append(("spillover", SpilloverFeatures(columns=conflict)))
    if share:
        steps.append(("share", ShareFeatures(columns=cols)))
    union = FeatureUnion(steps, verbose_feature_names_out=False)
    return union.set_output(transform="pandas")
