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
on one window and applied to another, cloned, and put in a ``Pipeline``.

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


class _PanelTransformer(TransformerMixin, BaseEstimator):
    """Shared checks: input frame, requested columns, fitted state, row order."""

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
        ordered = frame.sort_index()
        out = self._transform(ordered)
        out = out[list(self.get_feature_names_out())]
        if not ordered.index.equals(frame.index):
            out = out.loc[frame.index]
        return out.astype("float64")

    def _transform(self, X: pd.DataFrame) -> pd.DataFrame:  # pragma: no cover - abstract
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


def _by_dyad(X: pd.DataFrame, cols: Sequence[str]) -> Any:
    return X[list(cols)].groupby(level="dyad", sort=False)


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

    def _transform(self, X: pd.DataFrame) -> pd.DataFrame:
        cols = _names(self.columns)
        g = _by_dyad(X, cols)
        parts = {}
        for k in _ints(self.lags, "lags", "LagFeatures", 0):
            shifted = g.shift(k) if k else X[list(cols)]
            for c in cols:
                parts[f"{c}_lag{k}"] = shifted[c]
        out = pd.DataFrame(parts, index=X.index)
        return out if self.fill_value is None else out.fillna(self.fill_value)


class RollingFeatures(_PanelTransformer):
    """Statistics of the last ``w`` periods (the current one included).

    Parameters
    ----------
    columns : str or sequence of str, default ("n_events", "quad4")
    windows : int or sequence of int, default (4, 12)
    stats : sequence of {"mean", "max", "sum", "std", "min"}, default ("mean", "max")
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

    def _transform(self, X: pd.DataFrame) -> pd.DataFrame:
        cols = list(_names(self.columns))
        parts = {}
        for w in _ints(self.windows, "windows", "RollingFeatures", 1):
            roll = _by_dyad(X, cols).rolling(w, min_periods=1)
            for s in _names(self.stats):
                res = getattr(roll, s)(ddof=0) if s == "std" else getattr(roll, s)()
                res = res.droplevel(0).reindex(X.index)
                for c in cols:
                    parts[f"{c}_roll{w}_{s}"] = res[c]
        return pd.DataFrame(parts, index=X.index).fillna(0.0)


class EWMFeatures(_PanelTransformer):
    """Exponentially weighted mean with half-life ``h`` periods (periods ``<= t``).

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

    def _transform(self, X: pd.DataFrame) -> pd.DataFrame:
        cols = list(_names(self.columns))
        parts = {}
        for h in self._halflives():
            res = _by_dyad(X, cols).ewm(halflife=h).mean().droplevel(0).reindex(X.index)
            for c in cols:
                parts[f"{c}_ewm{h:g}"] = res[c]
        return pd.DataFrame(parts, index=X.index).fillna(0.0)


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

    def _transform(self, X: pd.DataFrame) -> pd.DataFrame:
        cols = list(_names(self.columns))
        i = X.groupby(level="dyad", sort=False).cumcount().astype("float64")
        parts = {}
        for w in _ints(self.windows, "windows", "TrendFeatures", 2):
            frame = X[cols].astype("float64").copy()
            frame["__i"] = i
            frame["__ii"] = i * i
            frame["__n"] = 1.0
            for c in cols:
                frame[f"__iy_{c}"] = i * frame[c]
            sums = frame.groupby(level="dyad", sort=False).rolling(w, min_periods=1).sum()
            sums = sums.droplevel(0).reindex(X.index)
            n, si, sii = sums["__n"], sums["__i"], sums["__ii"]
            den = n * sii - si * si
            for c in cols:
                num = n * sums[f"__iy_{c}"] - si * sums[c]
                parts[f"{c}_trend{w}"] = np.where(den > 1e-12, num / den.where(den > 1e-12, 1.0),
                                                  0.0)
        return pd.DataFrame(parts, index=X.index)


def _directed(X: pd.DataFrame) -> bool:
    labels = X.index.get_level_values("dyad").astype(str)
    first = labels[0] if len(labels) else ""
    return ">" in first and first == f"{X['state_a'].iloc[0]}>{X['state_b'].iloc[0]}"


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

    def _transform(self, X: pd.DataFrame) -> pd.DataFrame:
        if len(X) and not _directed(X):
            raise ConfigurationError("ReciprocityFeatures needs a directed panel (labels "
                                     "'A>B'); an undirected dyad has no reverse direction.")
        cols = list(_names(self.columns))
        period = X.index.get_level_values("period")
        rev_key = pd.MultiIndex.from_arrays(
            [X["state_b"].astype(str).to_numpy(), X["state_a"].astype(str).to_numpy(), period])
        own = X[cols].copy()
        own.index = pd.MultiIndex.from_arrays(
            [X["state_a"].astype(str).to_numpy(), X["state_b"].astype(str).to_numpy(), period])
        rev = own.reindex(rev_key)
        rev.index = X.index
        rev = rev.fillna(0.0)
        parts = {}
        g = rev.groupby(level="dyad", sort=False)
        for k in _ints(self.lags, "lags", "ReciprocityFeatures", 0):
            shifted = rev if k == 0 else g.shift(k).fillna(0.0)
            for c in cols:
                parts[f"{c}_rev" if k == 0 else f"{c}_rev_lag{k}"] = shifted[c]
        return pd.DataFrame(parts, index=X.index)


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

    def _transform(self, X: pd.DataFrame) -> pd.DataFrame:
        cols = list(_names(self.columns))
        period = X.index.get_level_values("period")
        a = X["state_a"].astype(str).to_numpy()
        b = X["state_b"].astype(str).to_numpy()
        vals = X[cols].astype("float64")
        both = pd.concat([
            vals.set_axis(pd.MultiIndex.from_arrays([a, period], names=["state", "period"])),
            vals.set_axis(pd.MultiIndex.from_arrays([b, period], names=["state", "period"])),
        ])
        tot = both.groupby(level=["state", "period"]).sum()
        tot_a = tot.reindex(pd.MultiIndex.from_arrays([a, period])).to_numpy()
        tot_b = tot.reindex(pd.MultiIndex.from_arrays([b, period])).to_numpy()
        # Rows between A and B (both directions when directed) are in tot_a and tot_b.
        pair = pd.MultiIndex.from_arrays([np.minimum(a, b), np.maximum(a, b), period])
        own = vals.set_axis(pair).groupby(level=[0, 1, 2]).sum().reindex(pair).to_numpy()
        spill = tot_a + tot_b - 2.0 * own
        suffix = "" if self.lag == 0 else f"_lag{self.lag}"
        out = pd.DataFrame(spill, index=X.index, columns=[f"{c}_spill{suffix}" for c in cols])
        if self.lag:
            out = out.groupby(level="dyad", sort=False).shift(self.lag).fillna(0.0)
        return out


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

    def _transform(self, X: pd.DataFrame) -> pd.DataFrame:
        v = X["volume"].astype("float64").to_numpy()
        parts = {f"{c}_share": np.where(v > 0, X[c].to_numpy(dtype="float64") / np.maximum(v, 1)
                                        * self.scale, 0.0) for c in _names(self.columns)}
        return pd.DataFrame(parts, index=X.index)


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

    def _transform(self, X: pd.DataFrame) -> pd.DataFrame:
        pos = X.groupby(level="dyad", sort=False).cumcount().astype("float64")
        parts = {}
        for c in _names(self.columns):
            last = pos.where(X[c] >= self.threshold)
            last = last.groupby(level="dyad", sort=False).ffill()
            since = (pos - last).fillna(float(self.cap)).clip(upper=float(self.cap))
            parts[f"since_{c}"] = since
        return pd.DataFrame(parts, index=X.index)


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
