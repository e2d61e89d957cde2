"""The shared model interface: fit on a panel up to an origin, forecast what happens after it.

Every escalation model in :mod:`riskmodel.models` derives from :class:`ForecastModel`. The public
methods validate and convert; subclasses implement ``_fit`` and ``_predict_proba`` (and, for count
models, ``_predict_counts``) on plain arrays:

``fit(panel, *, label="material_conflict", horizon=4, origin=None, **label_params)``
    Uses only panel rows with period <= ``origin`` (``None``: the last period) and only labels
    that are fully observed by the origin (``t + h <= origin``). The panel is truncated *before*
    labels are computed, so no value after the origin can reach the fit.
``predict_proba(panel, *, origin)``
    A :class:`pandas.Series` indexed by dyad: the probability that the label fires within
    ``(origin, origin + h]``. Again only rows with period <= ``origin`` are used.
``predict_counts(panel, *, origin, horizon=None)``
    Count models only: a :class:`CountForecast` with the predictive distribution of the label's
    target count in each of the next ``horizon`` periods.

Capabilities are declared in the class attribute ``_tags`` (``predicts_counts``, ``stochastic``,
``requires_directed``, ...) rather than by ``isinstance`` checks. Models follow scikit-learn's
conventions (``__init__`` stores parameters only, learned attributes end in ``_``) so that they
can be cloned and their parameters listed with ``get_params``. Fitted models are written with
:meth:`ForecastModel.save` and read back with :meth:`ForecastModel.load` (joblib, with the
riskmodel version recorded and checked).

Panels
------
A panel is a :class:`riskmodel.panel.DyadPanel`, or any object with a ``data`` attribute (or a
bare :class:`pandas.DataFrame`) indexed by ``("dyad", "period")``: sorted, one row per dyad and
period, zero-filled, with the panel's numeric columns (``n_events``, ``quad1``..``quad4``,
``fatalities`` ...). Models read it as dense ``(n_dyads, n_periods)`` arrays.
"""

from __future__ import annotations

import copy
import difflib
import numbers
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator

from riskmodel.exceptions import ConfigurationError, NotFittedError, SchemaError

__all__ = [
    "ForecastModel",
    "CountModelMixin",
    "CountForecast",
    "PanelArrays",
    "LabelSpec",
    "check_int",
    "check_float",
    "check_option",
    "check_bool",
    "label_target",
    "load_model",
]

#: Labels whose firing is a threshold on one panel column: ``name -> (column, default threshold)``.
#: Count models turn their predictive distribution of that column into the label's probability.
THRESHOLD_LABELS: dict[str, tuple[str, float]] = {
    "material_conflict": ("quad4", 1.0),
    "fatalities": ("fatalities", 1.0),
}

_REQUIRED_INDEX = ("dyad", "period")


# --------------------------------------------------------------------------- parameter checks


def _owner_name(owner: object) -> str:
    return owner if isinstance(owner, str) else type(owner).__name__


def check_int(value: Any, name: str, owner: object, *, min_value: int | None = None,
              max_value: int | None = None, allow_none: bool = False) -> int | None:
    """Validate an integer parameter and return it as ``int``.

    Raises
    ------
    ConfigurationError
        ``"The 'horizon' parameter of EscalationClassifier must be an int >= 1. Got 0 instead."``
    """
    if value is None and allow_none:
        return None
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if ok:
        ok = (min_value is None or value >= min_value) and (max_value is None or value <= max_value)
    if not ok:
        bounds = []
        if min_value is not None:
            bounds.append(f">= {min_value}")
        if max_value is not None:
            bounds.append(f"<= {max_value}")
        expected = "an int" + (" " + " and ".join(bounds) if bounds else "")
        if allow_none:
            expected += " or None"
        raise ConfigurationError(
            f"The {name!r} parameter of {_owner_name(owner)} must be {expected}. "
            f"Got {value!r} instead."
        )
    return int(value)


def check_float(value: Any, name: str, owner: object, *, min_value: float | None = None,
                max_value: float | None = None, min_inclusive: bool = True,
                max_inclusive: bool = True, allow_none: bool = False) -> float | None:
    """Validate a real-valued parameter and return it as ``float``.

    Raises
    ------
    ConfigurationError
        When the value is not a finite real number within the bounds.
    """
    if value is None and allow_none:
        return None
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok and min_value is not None:
        ok = value >= min_value if min_inclusive else value > min_value
    if ok and max_value is not None:
        ok = value <= max_value if max_inclusive else value < max_value
    if not ok:
        bounds = []
        if min_value is not None:
            bounds.append(f"{'>=' if min_inclusive else '>'} {min_value}")
        if max_value is not None:
            bounds.append(f"{'<=' if max_inclusive else '<'} {max_value}")
        expected = "a float" + (" " + " and ".join(bounds) if bounds else "")
        if allow_none:
            expected += " or None"
        raise ConfigurationError(
            f"The {name!r} parameter of {_owner_name(owner)} must be {expected}. "
            f"Got {value!r} instead."
        )
    return float(value)


def check_option(value: Any, name: str, owner: object, options: tuple[Any, ...]) -> Any:
    """Validate that ``value`` is one of ``options``; suggest the nearest valid option.

    Raises
    ------
    ConfigurationError
        ``"The 'estimator' parameter of EscalationClassifier must be one of 'logistic', 'gbm'.
        Got 'logit' instead. Did you mean 'logistic'?"``
    """
    if any(value is opt or (value == opt and type(value) is type(opt)) for opt in options):
        return value
    shown = ", ".join(repr(o) for o in options)
    hint = ""
    if isinstance(value, str):
        close = difflib.get_close_matches(value, [o for o in options if isinstance(o, str)], n=1)
        if close:
            hint = f" Did you mean {close[0]!r}?"
    raise ConfigurationError(
        f"The {name!r} parameter of {_owner_name(owner)} must be one of {shown}. "
        f"Got {value!r} instead.{hint}"
    )


def check_bool(value: Any, name: str, owner: object) -> bool:
    """Validate a boolean parameter.

    Raises
    ------
    ConfigurationError
        When the value is not a bool.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigurationError(
            f"The {name!r} parameter of {_owner_name(owner)} must be a bool. "
            f"Got {value!r} instead."
        )
    return bool(value)


# --------------------------------------------------------------------------- panel access


class PanelArrays:
    """Dense ``(n_dyads, n_periods)`` views of a panel's columns, optionally cut at an origin.

    Parameters
    ----------
    panel : DyadPanel, DataFrame or object with ``data``
        The panel (see the module docstring).
    owner : str
        Name used in error messages.

    Attributes
    ----------
    dyads : pandas.Index
        Dyad labels, in panel order.
    periods : pandas.DatetimeIndex
        Period labels (period starts) up to the cut, ascending.
    freq : str or None
        ``"D"``, ``"W"`` or ``"M"`` where the panel says so.
    directed : bool or None
        Whether dyads are directed (``"A>B"``), where known.

    Notes
    -----
    Cutting at an origin (:meth:`truncated`) copies nothing: columns are views of the first
    periods of the full arrays, and the frame and panel object are cut only when asked for.

    Raises
    ------
    SchemaError
        When the frame is not indexed by ``(dyad, period)`` or is not balanced (one row per dyad
        and period).
    """

    def __init__(self, panel: Any, owner: str = "model") -> None:
        self.source = panel
        if isinstance(panel, pd.DataFrame):
            frame = panel
            self.freq = None
            self.directed = None
        elif hasattr(panel, "data") and isinstance(panel.data, pd.DataFrame):
            frame = panel.data
            self.freq = getattr(panel, "freq", None)
            self.directed = getattr(panel, "directed", None)
        else:
            raise SchemaError(
                f"{owner} expects a DyadPanel (or a DataFrame indexed by ('dyad', 'period')); "
                f"got {type(panel).__name__}. Build one with riskmodel.panel.build_panel(...)."
            )
        if not isinstance(frame.index, pd.MultiIndex) \
                or tuple(frame.index.names) != _REQUIRED_INDEX:
            raise SchemaError(
                f"{owner}: the panel frame must have a MultiIndex named ('dyad', 'period'); got "
                f"{list(frame.index.names)}. Use DyadPanel.data or set_index(['dyad', 'period'])."
            )
        validated = (not isinstance(panel, pd.DataFrame) and hasattr(panel, "dyads")
                     and hasattr(panel, "periods") and hasattr(panel, "meta"))
        if validated:
            # a DyadPanel was validated once at construction (sorted, balanced)
            dyads = pd.Index(list(panel.dyads))
            periods = pd.DatetimeIndex(panel.periods)
        else:
            if not frame.index.is_monotonic_increasing:
                frame = frame.sort_index()
                self.source = frame
            dyads = frame.index.get_level_values("dyad").unique()
            periods = pd.DatetimeIndex(
                frame.index.get_level_values("period").unique()).sort_values()
        if len(frame) != len(dyads) * len(periods):
            raise SchemaError(
                f"{owner}: the panel is not balanced: {len(frame)} rows for {len(dyads)} dyads x "
                f"{len(periods)} periods. Panels must be zero-filled (one row per dyad and "
                "period); build them with riskmodel.panel.build_panel."
            )
        if self.directed is None and len(dyads):
            self.directed = ">" in str(dyads[0])
        self._full = frame
        self._full_periods = pd.DatetimeIndex(periods, name="period")
        self._cut = len(periods)
        self.dyads = pd.Index(dyads, name="dyad")
        self._cache: dict[str, np.ndarray] = {}
        self._frame: pd.DataFrame | None = None
        self._panel: Any = None

    @property
    def periods(self) -> pd.DatetimeIndex:
        """Period starts up to the cut."""
        return self._full_periods[: self._cut]

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_dyads, n_periods)`` up to the cut."""
        return len(self.dyads), self._cut

    @property
    def frame(self) -> pd.DataFrame:
        """The panel frame (rows of periods up to the cut), indexed ``(dyad, period)``."""
        if self._frame is None:
            if self._cut == len(self._full_periods):
                self._frame = self._full
            else:
                keep = self._full.index.get_level_values("period") <= self.periods[-1]
                self._frame = self._full[keep]
        return self._frame

    def panel_object(self) -> Any:
        """The panel as passed in (a DyadPanel where one was given), cut at the origin."""
        if self._panel is None:
            src = self.source
            if self._cut == len(self._full_periods) or isinstance(src, pd.DataFrame):
                self._panel = src if self._cut == len(self._full_periods) else self.frame
            elif hasattr(src, "truncate"):
                self._panel = src.truncate(self.periods[-1])
            else:
                self._panel = self.frame
        return self._panel

    def has_column(self, name: str) -> bool:
        """Whether the panel has column ``name``."""
        return name in self._full.columns

    @property
    def columns(self) -> list[str]:
        """The panel's column names."""
        return [str(c) for c in self._full.columns]

    def column(self, name: str) -> np.ndarray:
        """The column ``name`` as a float array of shape ``(n_dyads, n_periods)``.

        Raises
        ------
        SchemaError
            When the panel has no such column (the nearest column name is suggested).
        """
        if name not in self._cache:
            if name not in self._full.columns:
                close = difflib.get_close_matches(name, self.columns, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise SchemaError(
                    f"The panel has no column {name!r}; available: {self.columns}." + hint,
                    column=name)
            values = self._full[name].to_numpy(dtype=float, na_value=np.nan)
            self._cache[name] = values.reshape(len(self.dyads), len(self._full_periods))
        return self._cache[name][:, : self._cut]

    def reshape(self, series: pd.Series) -> np.ndarray:
        """A series indexed like the (cut) panel frame, as an ``(n_dyads, n_periods)`` array."""
        frame = self.frame
        if not series.index.equals(frame.index):
            series = series.reindex(frame.index)
        return series.to_numpy(dtype=float, na_value=np.nan).reshape(self.shape)

    def reverse_labels(self) -> np.ndarray:
        """For each dyad, the position of the reverse direction (``-1`` where absent)."""
        pos = {d: i for i, d in enumerate(self.dyads)}
        out = np.full(len(self.dyads), -1, dtype=np.int64)
        for i, d in enumerate(self.dyads):
            d = str(d)
            if ">" in d:
                a, b = d.split(">", 1)
                out[i] = pos.get(f"{b}>{a}", -1)
        return out

    def pair_groups(self) -> list[tuple[int, ...]]:
        """Dyad positions grouped by state pair: ``(A>B, B>A)`` where both directions are in
        the panel, else a singleton."""
        rev = self.reverse_labels()
        groups: list[tuple[int, ...]] = []
        seen: set[int] = set()
        for i in range(len(self.dyads)):
            if i in seen:
                continue
            j = int(rev[i])
            if j >= 0 and j != i:
                groups.append((i, j))
                seen.update((i, j))
            else:
                groups.append((i,))
                seen.add(i)
        return groups

    def truncated(self, origin: pd.Timestamp) -> PanelArrays:
        """A view holding only periods ``<= origin`` (nothing is copied)."""
        cut = int(self._full_periods.searchsorted(origin, side="right"))
        if cut >= self._cut:
            return self
        view = copy.copy(self)
        view._cut = cut
        view._frame = None
        view._panel = None
        return view


def resolve_origin(periods: pd.DatetimeIndex, origin: Any, owner: str) -> pd.Timestamp:
    """Snap ``origin`` to the last panel period starting at or before it.

    Raises
    ------
    ConfigurationError
        When ``origin`` cannot be read as a timestamp or lies before the first period.
    """
    if origin is None:
        return periods[-1]
    try:
        ts = pd.Timestamp(origin)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"The 'origin' parameter of {owner} must be a timestamp (e.g. '2020-06-01'). "
            f"Got {origin!r} instead.") from exc
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    pos = periods.searchsorted(ts, side="right") - 1
    if pos < 0:
        raise ConfigurationError(
            f"The 'origin' parameter of {owner} must not precede the panel's first period "
            f"{periods[0].date()}. Got {ts.date()} instead.")
    return periods[pos]


# --------------------------------------------------------------------------- labels


@dataclass(frozen=True)
class LabelSpec:
    """An escalation label resolved for one fit: name, horizon and parameters.

    Attributes
    ----------
    name : str
        Label name (see :mod:`riskmodel.labels`).
    horizon : int
        Look-ahead window in periods.
    params : dict
        Parameters of the definition (e.g. ``threshold``).
    """

    name: str
    horizon: int
    params: dict = field(default_factory=dict)

    def target(self) -> tuple[str, float] | None:
        """``(column, threshold)`` for threshold labels, else ``None``."""
        return label_target(self.name, self.params)


def label_target(name: str, params: dict) -> tuple[str, float] | None:
    """The panel column and threshold behind a threshold label, or ``None``.

    ``"material_conflict"`` fires when ``quad4 >= threshold``; ``"fatalities"`` on the panel's own
    ``fatalities`` column when no external ``ground_truth`` is given.
    """
    if name not in THRESHOLD_LABELS or params.get("ground_truth") is not None:
        return None
    column, default = THRESHOLD_LABELS[name]
    column = params.get("column", column)
    return column, float(params.get("threshold", default))


def _labels_module(arrays: PanelArrays) -> Any:
    """:mod:`riskmodel.labels` when the panel is a DyadPanel it can read, else ``None``."""
    try:
        from riskmodel import labels  # noqa: PLC0415
        from riskmodel.panel import DyadPanel  # noqa: PLC0415
    except ImportError:
        return None
    return labels if isinstance(arrays.source, DyadPanel) else None


def fires_array(arrays: PanelArrays, spec: LabelSpec) -> np.ndarray:
    """Per-period indicator of the label's event, shape ``(n_dyads, n_periods)``.

    Threshold labels (``material_conflict``; ``fatalities`` on the panel's own column) are
    computed directly as ``column >= threshold`` on the arrays: the definition of
    :mod:`riskmodel.labels`, without rebuilding a panel at every origin. Other labels go through
    :func:`riskmodel.labels.get_label` (``.fires``) on the panel cut at the origin; periods where
    the definition cannot be judged (NaN) count as not firing.
    """
    target = spec.target()
    if target is None:
        mod = _labels_module(arrays)
        if mod is None:
            raise ConfigurationError(
                f"Label {spec.name!r} is computed by riskmodel.labels on a DyadPanel; got a "
                f"{type(arrays.source).__name__}. Pass a DyadPanel (riskmodel.panel.build_panel)"
                f" or use one of the threshold labels {sorted(THRESHOLD_LABELS)}.")
        definition = mod.get_label(spec.name, horizon=spec.horizon, **spec.params)
        fires = arrays.reshape(definition.fires(arrays.panel_object()).astype(float))
        return np.nan_to_num(fires, nan=0.0)
    column, threshold = target
    values = arrays.column(column)
    return (values >= threshold).astype(float)


def window_labels(fires: np.ndarray, horizon: int) -> np.ndarray:
    """1.0 where ``fires`` is 1 in any of the next ``horizon`` periods, NaN past the end.

    Parameters
    ----------
    fires : ndarray of shape (n_dyads, n_periods)
        Per-period indicator.
    horizon : int
        Look-ahead window.
    """
    n, t = fires.shape
    out = np.full((n, t), np.nan)
    if t <= horizon:
        return out
    # cumulative sum trick: any over (t, t+h] == sum over (t, t+h] > 0
    csum = np.concatenate([np.zeros((n, 1)), np.cumsum(fires > 0, axis=1)], axis=1)
    window = csum[:, horizon + 1:] - csum[:, 1:t - horizon + 1]
    out[:, : t - horizon] = (window > 0).astype(float)
    return out


def labels_array(arrays: PanelArrays, spec: LabelSpec) -> np.ndarray:
    """Labels at each origin ``t``: did the event fire in ``(t, t+h]``; NaN past the panel end.

    Threshold labels are computed on the arrays (see :func:`fires_array`); other labels with
    :func:`riskmodel.labels.make_labels` on the panel cut at the origin.
    """
    if spec.target() is None:
        mod = _labels_module(arrays)
        if mod is not None:
            series = mod.make_labels(arrays.panel_object(), spec.name, spec.horizon, **spec.params)
            out = arrays.reshape(series).copy()
            # a window that runs past the origin is censored even where it already fired:
            # training on such windows would keep only the positives and bias the fit upwards
            out[:, max(out.shape[1] - spec.horizon, 0):] = np.nan
            return out
    return window_labels(fires_array(arrays, spec), spec.horizon)


# --------------------------------------------------------------------------- count forecasts


class CountForecast:
    """Predictive distribution of a count, per dyad and forecast step.

    Holds either a probability mass function over ``0..K`` for every dyad and step (steps treated
    as independent given the origin) or joint samples (which keep the dependence between steps).

    Parameters
    ----------
    dyads : sequence
        Dyad labels (rows).
    periods : DatetimeIndex
        The forecast periods (``origin + 1 .. origin + h``).
    mean : ndarray of shape (n_dyads, h)
        Predictive means.
    pmf : ndarray of shape (n_dyads, h, K + 1), optional
        Probability of each count ``0..K``; the tail mass beyond ``K`` is folded into ``K``.
    samples : ndarray of shape (n_dyads, h, n_samples), optional
        Joint draws of the counts.
    origin : Timestamp, optional
        The forecast origin.
    target : str, optional
        Name of the panel column forecast.

    Raises
    ------
    ConfigurationError
        When neither ``pmf`` nor ``samples`` is given or shapes disagree.
    """

    def __init__(self, dyads: Any, periods: pd.DatetimeIndex, mean: np.ndarray, *,
                 pmf: np.ndarray | None = None, samples: np.ndarray | None = None,
                 origin: pd.Timestamp | None = None, target: str | None = None) -> None:
        self.dyads = pd.Index(dyads, name="dyad")
        self.periods = pd.DatetimeIndex(periods, name="period")
        self.mean_ = np.asarray(mean, dtype=float)
        n, h = len(self.dyads), len(self.periods)
        if self.mean_.shape != (n, h):
            raise ConfigurationError(
                f"CountForecast: mean must have shape {(n, h)}; got {self.mean_.shape}.")
        if pmf is None and samples is None:
            raise ConfigurationError("CountForecast needs a pmf or samples; got neither.")
        if pmf is not None:
            pmf = np.asarray(pmf, dtype=float)
            if pmf.ndim != 3 or pmf.shape[:2] != (n, h):
                raise ConfigurationError(
                    f"CountForecast: pmf must have shape ({n}, {h}, K+1); got {pmf.shape}.")
            pmf = np.clip(pmf, 0.0, None)
            total = pmf.sum(axis=2, keepdims=True)
            pmf = np.divide(pmf, total, out=np.zeros_like(pmf), where=total > 0)
        if samples is not None:
            samples = np.asarray(samples)
            if samples.ndim != 3 or samples.shape[:2] != (n, h):
                raise ConfigurationError(
                    f"CountForecast: samples must have shape ({n}, {h}, S); got {samples.shape}.")
        self.pmf_ = pmf
        self.samples_ = samples
        self.origin = origin
        self.target = target

    # -- summaries
    @property
    def horizon(self) -> int:
        """Number of forecast steps."""
        return len(self.periods)

    @property
    def mean(self) -> pd.DataFrame:
        """Predictive means, dyads x forecast periods."""
        return pd.DataFrame(self.mean_, index=self.dyads, columns=self.periods)

    def _cdf(self) -> np.ndarray:
        if self.pmf_ is not None:
            return np.cumsum(self.pmf_, axis=2)
        assert self.samples_ is not None
        kmax = int(np.nanmax(self.samples_)) if self.samples_.size else 0
        grid = np.arange(kmax + 1)
        return (self.samples_[..., None] <= grid).mean(axis=2)

    def quantile(self, q: float) -> pd.DataFrame:
        """The ``q``-quantile of each dyad and step (smallest count with CDF >= q)."""
        q = check_float(q, "q", "CountForecast.quantile", min_value=0.0, max_value=1.0)
        if self.samples_ is not None and self.pmf_ is None:
            values = np.quantile(self.samples_, q, axis=2, method="inverted_cdf").astype(float)
        else:
            cdf = self._cdf()
            values = (cdf < q - 1e-12).sum(axis=2).astype(float)
        return pd.DataFrame(values, index=self.dyads, columns=self.periods)

    def interval(self, alpha: float = 0.1) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Central ``1 - alpha`` prediction interval: ``(lower, upper)`` frames."""
        alpha = check_float(alpha, "alpha", "CountForecast.interval", min_value=0.0,
                            max_value=1.0, min_inclusive=False, max_inclusive=False)
        return self.quantile(alpha / 2), self.quantile(1 - alpha / 2)

    def prob_at_least(self, k: int = 1) -> pd.DataFrame:
        """P(count >= k) in each forecast period."""
        k = check_int(k, "k", "CountForecast.prob_at_least", min_value=0)
        if self.pmf_ is not None:
            p = self.pmf_[..., k:].sum(axis=2)
        else:
            p = (self.samples_ >= k).mean(axis=2)
        return pd.DataFrame(np.clip(p, 0.0, 1.0), index=self.dyads, columns=self.periods)

    def prob_any(self, k: int | float = 1, steps: int | None = None) -> pd.Series:
        """P(count >= k in at least one of the first ``steps`` periods) per dyad.

        With samples this is the joint frequency; with a pmf the steps are combined as
        independent given the origin.
        """
        steps = self.horizon if steps is None else check_int(
            steps, "steps", "CountForecast.prob_any", min_value=1, max_value=self.horizon)
        kk = int(np.ceil(k))
        if self.samples_ is not None:
            p = (self.samples_[:, :steps] >= kk).any(axis=1).mean(axis=1)
        else:
            below = self.pmf_[:, :steps, :kk].sum(axis=2)
            p = 1.0 - np.prod(np.clip(below, 0.0, 1.0), axis=1)
        return pd.Series(np.clip(p, 0.0, 1.0), index=self.dyads, name="probability")

    def prob_total_at_least(self, k: int = 1) -> pd.Series:
        """P(sum of counts over the horizon >= k) per dyad."""
        k = check_int(k, "k", "CountForecast.prob_total_at_least", min_value=0)
        if self.samples_ is not None:
            p = (self.samples_.sum(axis=1) >= k).mean(axis=1)
        else:
            total = self.pmf_[:, 0, :]
            for j in range(1, self.horizon):
                total = np.array([np.convolve(a, b) for a, b in zip(total, self.pmf_[:, j, :])])
            p = total[:, k:].sum(axis=1)
        return pd.Series(np.clip(p, 0.0, 1.0), index=self.dyads, name="probability")

    def to_frame(self, alpha: float = 0.1) -> pd.DataFrame:
        """Long frame: ``dyad, period, step, mean, lower, upper`` (``1 - alpha`` interval)."""
        lower, upper = self.interval(alpha)
        n, h = self.mean_.shape
        return pd.DataFrame({
            "dyad": np.repeat(self.dyads.to_numpy(), h),
            "period": np.tile(self.periods.to_numpy(), n),
            "step": np.tile(np.arange(1, h + 1), n),
            "mean": self.mean_.ravel(),
            "lower": lower.to_numpy().ravel(),
            "upper": upper.to_numpy().ravel(),
        })

    def __repr__(self) -> str:
        kind = "pmf" if self.pmf_ is not None else "samples"
        return (f"CountForecast(n_dyads={len(self.dyads)}, horizon={self.horizon}, "
                f"target={self.target!r}, origin={self.origin}, {kind})")


def pmf_from_negbin(mean: np.ndarray, alpha: float | np.ndarray, kmax: int) -> np.ndarray:
    """NB2 pmf over ``0..kmax`` (tail folded into ``kmax``) for means ``mean`` and dispersion
    ``alpha`` (variance ``mu + alpha mu^2``); ``alpha -> 0`` gives the Poisson."""
    mean = np.clip(np.asarray(mean, dtype=float), 1e-12, None)
    grid = np.arange(kmax + 1)
    alpha = np.asarray(alpha, dtype=float)
    if np.all(alpha < 1e-8):
        pmf = stats.poisson.pmf(grid, mean[..., None])
        tail = stats.poisson.sf(kmax, mean)
    else:
        alpha = np.clip(alpha, 1e-8, None)
        size = 1.0 / alpha
        prob = size / (size + mean)
        size_b = np.broadcast_to(size, mean.shape)[..., None]
        pmf = stats.nbinom.pmf(grid, size_b, prob[..., None])
        tail = stats.nbinom.sf(kmax, np.broadcast_to(size, mean.shape), prob)
    pmf[..., -1] += tail
    return pmf


def negbin_dispersion(y: np.ndarray, mean: np.ndarray, *, powers: tuple[int, ...] = (0,),
                      bounds: tuple[float, float] = (1e-6, 1e3)) -> np.ndarray:
    """Maximum-likelihood dispersion of counts ``y`` with known means ``mean``.

    The counts are NB2 with the mean-dependent dispersion ``alpha(mu) = sum_j c_j mu^-p_j``
    over ``p_j`` in ``powers``, i.e. variance ``mu + sum_j c_j mu^(2 - p_j)``: ``(0,)`` is the
    NB2 (``mu + c mu^2``), ``(1,)`` the NB1 (``mu (1 + c)``), ``(0, 2)`` a quadratic variance
    ``mu + c_0 mu^2 + c_2``. The coefficients are estimated by maximising the likelihood with
    the means held fixed, on the log scale within ``bounds`` (L-BFGS-B with the analytic
    gradient, from a few starting points). Counts consistent with the Poisson give the lower
    bounds.

    Parameters
    ----------
    y : ndarray
        Observed counts (non-negative).
    mean : ndarray
        Their predicted means (same shape, > 0).
    powers : tuple of int, default (0,)
        The powers ``p_j`` (distinct).
    bounds : tuple of float, default (1e-6, 1e3)
        Smallest and largest value of each coefficient.

    Returns
    -------
    ndarray of shape (len(powers),)
        The coefficients ``c_j`` (all ``bounds[0]`` for empty input).
    """
    from scipy.optimize import minimize  # noqa: PLC0415
    from scipy.special import digamma, gammaln  # noqa: PLC0415

    y = np.clip(np.asarray(y, dtype=float).ravel(), 0.0, None)
    mu = np.clip(np.asarray(mean, dtype=float).ravel(), 1e-12, None)
    ok = np.isfinite(y) & np.isfinite(mu)
    y, mu = y[ok], mu[ok]
    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    k = len(powers)
    if y.size == 0:
        return np.full(k, float(bounds[0]))
    # mu^-p_j per observation, shape (k, n)
    basis = np.stack([mu ** -float(pw) for pw in powers])

    def nll(t: np.ndarray) -> tuple[float, np.ndarray]:
        c = np.exp(t)
        a = c @ basis
        size = 1.0 / a
        am = a * mu
        ll = np.sum(gammaln(y + size) - gammaln(size) - size * np.log1p(am)
                    + y * (np.log(am) - np.log1p(am)))
        # d ll_i / d a_i, then the chain rule through a_i = sum_j exp(t_j) mu_i^-p_j
        dla = (np.log1p(am) - digamma(y + size) + digamma(size)) / a ** 2 + (y - mu) / (
            a * (1.0 + am))
        grad = (basis @ dla) * c
        if not np.isfinite(ll) or not np.all(np.isfinite(grad)):
            return 1e300, np.zeros(k)
        return -float(ll), -grad

    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    best_t = np.full(k, lo)
    best_v = nll(best_t)[0]
    # L-BFGS-B calls BLAS on tiny vectors: threads only add start-up cost (20x slower)
    with threadpool_limits(limits=1):
        for start in (np.log(0.1), np.log(2.0)):
            res = minimize(nll, np.full(k, start), jac=True, method="L-BFGS-B",
                           bounds=[(lo, hi)] * k)
            if np.isfinite(res.fun) and res.fun < best_v:
                best_t, best_v = np.asarray(res.x, dtype=float), float(res.fun)
    return np.exp(best_t)


def pmf_from_gaussian(mean: np.ndarray, sd: np.ndarray, kmax: int, *,
                      log1p: bool = True) -> np.ndarray:
    """Discretise a Gaussian forecast (on the ``log1p`` scale where ``log1p``) to a count pmf.

    Count ``k`` takes the mass of ``[k - 0.5, k + 0.5)`` on the count scale (mapped through
    ``log1p``); negative mass goes to 0 and the upper tail to ``kmax``.
    """
    mean = np.asarray(mean, dtype=float)
    sd = np.clip(np.asarray(sd, dtype=float), 1e-9, None)
    edges = np.arange(kmax + 1) + 0.5
    upper = np.log1p(edges) if log1p else edges
    cdf = stats.norm.cdf((upper - mean[..., None]) / sd[..., None])
    pmf = np.diff(np.concatenate([np.zeros(mean.shape + (1,)), cdf], axis=-1), axis=-1)
    pmf[..., -1] += 1.0 - cdf[..., -1]
    return pmf


# --------------------------------------------------------------------------- base class

#: Panels with fewer dyad-periods than this are modelled on one BLAS/OpenMP thread.
SMALL_PANEL_ROWS = 50_000


def _threads_for(arrays: PanelArrays) -> Any:
    """Limit BLAS/OpenMP to one thread for small panels.

    On small problems thread start-up and spin-waiting cost more than they save, and on a
    loaded machine they can slow fits down by an order of magnitude.
    """
    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    n, t = arrays.shape
    return threadpool_limits(limits=1 if n * t < SMALL_PANEL_ROWS else None)



def trailing_sum(values: np.ndarray, window: int) -> np.ndarray:
    """Sum over the last ``window`` periods (axis 1) at every period, shorter at the start."""
    csum = np.cumsum(values, axis=1)
    out = csum.copy()
    if window < values.shape[1]:
        out[:, window:] -= csum[:, :-window]
    return out


def trailing_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Mean over the last ``window`` periods (axis 1) at every period, shorter at the start."""
    return trailing_sum(values, window) / np.minimum(np.arange(1, values.shape[1] + 1), window)


def _regular_freq(periods: pd.DatetimeIndex) -> str | None:
    """"D", "W" or "M" when the periods are regularly spaced days, weeks or month starts."""
    steps = np.unique(np.diff(periods.asi8))
    day = pd.Timedelta(days=1).value
    if len(steps) == 1 and steps[0] in (day, 7 * day):
        return "D" if steps[0] == day else "W"
    if bool((periods.day == 1).all()) and bool(
            (np.diff(periods.year * 12 + periods.month) == 1).all()):
        return "M"
    return None


class ForecastModel(BaseEstimator):
    """Base class of every escalation model (see the module docstring for the interface).

    Subclasses implement :meth:`_fit` and :meth:`_predict_proba` and may declare capability tags
    in ``_tags`` and override :meth:`_validate_params`.

    Attributes
    ----------
    label_ : LabelSpec
        The label the model was fitted for.
    horizon_ : int
        The forecast horizon in periods.
    origin_ : Timestamp
        The last period used in fitting.
    dyads_ : Index
        The dyads seen in fitting.
    freq_ : str or None
        The panel frequency.
    """

    _tags: ClassVar[dict[str, Any]] = {
        "predicts_counts": False,
        "stochastic": False,
        "requires_directed": False,
        "pooled": True,
        "handles_new_dyads": True,
    }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        tags: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            own = vars(klass).get("_tags")
            if isinstance(own, dict):
                tags.update(own)
        cls._tags = tags

    # -- hooks for subclasses
    def _validate_params(self) -> None:
        """Check the constructor parameters; raise ConfigurationError on a bad value."""

    def _fit(self, arrays: PanelArrays, labels: np.ndarray, fires: np.ndarray) -> None:
        raise NotImplementedError

    def _predict_proba(self, arrays: PanelArrays) -> np.ndarray:
        raise NotImplementedError

    # -- public API
    @classmethod
    def get_tags(cls) -> dict[str, Any]:
        """Capability tags merged along the class hierarchy."""
        return dict(cls._tags)

    def fit(self, panel: Any, *, label: str = "material_conflict", horizon: int = 4,
            origin: Any = None, **label_params: Any) -> ForecastModel:
        """Fit on the panel rows up to ``origin`` and the labels fully observed by it.

        Parameters
        ----------
        panel : DyadPanel or DataFrame
            The dyad-period panel.
        label : str, default "material_conflict"
            Escalation definition (see :mod:`riskmodel.labels`).
        horizon : int, default 4
            Look-ahead window in periods (>= 1).
        origin : timestamp-like, optional
            Last period available to the fit; ``None`` uses the panel's last period. An origin
            between period starts is snapped to the period containing it.
        **label_params
            Parameters of the label definition (e.g. ``threshold=3``).

        Returns
        -------
        self

        Raises
        ------
        ConfigurationError
            On an invalid parameter.
        SchemaError
            When the panel is malformed or lacks a needed column.
        """
        name = type(self).__name__
        self._validate_params()
        horizon = check_int(horizon, "horizon", self, min_value=1)
        if not isinstance(label, str):
            if hasattr(label, "name"):
                label_params = {**getattr(label, "params", {}), **label_params}
                label = label.name
            else:
                raise ConfigurationError(
                    f"The 'label' parameter of {name} must be a label name such as "
                    f"'material_conflict'. Got {label!r} instead.")
        arrays = PanelArrays(panel, name)
        if self.get_tags().get("requires_directed") and arrays.directed is False:
            raise ConfigurationError(
                f"{name} needs a directed panel (dyads 'A>B'); build the panel with "
                "directed=True.")
        origin_ts = resolve_origin(arrays.periods, origin, name)
        arrays = arrays.truncated(origin_ts)
        spec = LabelSpec(label, horizon, dict(label_params))
        fires = fires_array(arrays, spec)
        labels = labels_array(arrays, spec)
        if not np.isfinite(labels).any():
            raise ConfigurationError(
                f"{name}: no fully observed labels by origin {origin_ts.date()} with horizon "
                f"{horizon}: the panel holds {arrays.shape[1]} periods up to the origin; move the "
                "origin later or shorten the horizon.")
        self.label_ = spec
        self.horizon_ = horizon
        self.origin_ = origin_ts
        self.dyads_ = arrays.dyads
        self.freq_ = arrays.freq
        self.n_train_periods_ = arrays.shape[1]
        with _threads_for(arrays):
            self._fit(arrays, labels, fires)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "label_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with a panel "
                "before using it.")

    def _prepare_predict(self, panel: Any, origin: Any) -> PanelArrays:
        self._check_fitted()
        name = type(self).__name__
        if origin is None:
            raise ConfigurationError(
                f"The 'origin' parameter of {name}.predict_proba is required: the last period "
                "whose data the forecast may use (e.g. origin='2020-06-01').")
        arrays = PanelArrays(panel, name)
        origin_ts = resolve_origin(arrays.periods, origin, name)
        return arrays.truncated(origin_ts)

    def predict_proba(self, panel: Any, *, origin: Any) -> pd.Series:
        """Probability that the fitted label fires within ``(origin, origin + horizon_]``.

        Parameters
        ----------
        panel : DyadPanel or DataFrame
            The panel; only rows with period <= ``origin`` are read.
        origin : timestamp-like
            The forecast origin.

        Returns
        -------
        Series
            Indexed by dyad, values in [0, 1], named ``"probability"``.
        """
        arrays = self._prepare_predict(panel, origin)
        with _threads_for(arrays):
            p = np.asarray(self._predict_proba(arrays), dtype=float)
        p = np.clip(np.nan_to_num(p, nan=0.0), 0.0, 1.0)
        out = pd.Series(p, index=arrays.dyads, name="probability")
        out.attrs["origin"] = arrays.periods[-1]
        out.attrs["horizon"] = self.horizon_
        out.attrs["label"] = self.label_.name
        return out

    # -- persistence
    def save(self, path: str | Path) -> Path:
        """Write the fitted model to ``path`` (joblib), with the riskmodel version.

        Returns
        -------
        Path
            The file written.
        """
        import joblib  # noqa: PLC0415

        from riskmodel import __version__  # noqa: PLC0415

        path = Path(path)
        joblib.dump({"format": "riskmodel-model", "riskmodel_version": __version__,
                     "class": f"{type(self).__module__}.{type(self).__qualname__}",
                     "model": self}, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> ForecastModel:
        """Read a model written by :meth:`save`.

        Raises
        ------
        ConfigurationError
            When the file is not a saved riskmodel model, or holds a model of another class, or
            was written by an incompatible (different major) riskmodel version.
        """
        return load_model(path, expected=cls)


def load_model(path: str | Path, expected: type | None = None) -> Any:
    """Read a model saved with :meth:`ForecastModel.save` and check its version and class.

    Raises
    ------
    ConfigurationError
        See :meth:`ForecastModel.load`.
    """
    import joblib  # noqa: PLC0415

    from riskmodel import __version__  # noqa: PLC0415

    path = Path(path)
    if not path.is_file():
        raise ConfigurationError(f"No saved model at {path}: the file does not exist.")
    try:
        payload = joblib.load(path)
    except Exception as exc:  # joblib raises a variety of unpickling errors
        raise ConfigurationError(
            f"{path} is not a saved riskmodel model (could not be read: {exc}).") from exc
    if not isinstance(payload, dict) or payload.get("format") != "riskmodel-model":
        raise ConfigurationError(
            f"{path} is not a saved riskmodel model; write models with model.save(path).")
    saved = str(payload.get("riskmodel_version"))
    if saved.split(".")[0] != __version__.split(".")[0]:
        raise ConfigurationError(
            f"{path} was saved by riskmodel {saved}, incompatible with the installed "
            f"{__version__}; refit the model.")
    if saved != __version__:
        warnings.warn(f"{path} was saved by riskmodel {saved}; installed is {__version__}. "
                      "Check the forecasts or refit.", UserWarning, stacklevel=3)
    model = payload["model"]
    if expected is not None and expected is not ForecastModel and not isinstance(model, expected):
        raise ConfigurationError(
            f"{path} holds a {type(model).__name__}, not a {expected.__name__}; load it with "
            f"{type(model).__name__}.load or riskmodel.models.load_model.")
    return model


class CountModelMixin:
    """Count models: forecasts of the target column's distribution, and probabilities from it.

    Subclasses implement ``_predict_counts(arrays, horizon) -> CountForecast`` and set
    ``target_`` (the panel column) in ``_fit``. Threshold labels (``material_conflict``,
    ``fatalities``) take their probability directly from the predictive distribution; other
    labels go through a one-dimensional logistic link from the log expected window count to the
    label, fitted on the training origins (``link_``).
    """

    _tags: ClassVar[dict[str, Any]] = {"predicts_counts": True}

    def predict_counts(self, panel: Any, *, origin: Any, horizon: int | None = None
                       ) -> CountForecast:
        """Predictive distribution of the target count in each of the next ``horizon`` periods.

        Parameters
        ----------
        panel : DyadPanel or DataFrame
            The panel; only rows with period <= ``origin`` are read.
        origin : timestamp-like
            The forecast origin.
        horizon : int, optional
            Number of periods (default: the fitted horizon).

        Returns
        -------
        CountForecast
        """
        arrays = self._prepare_predict(panel, origin)  # type: ignore[attr-defined]
        horizon = self.horizon_ if horizon is None else check_int(  # type: ignore[attr-defined]
            horizon, "horizon", self, min_value=1)
        with _threads_for(arrays):
            return self._predict_counts(arrays, horizon)

    def _predict_counts(self, arrays: PanelArrays, horizon: int) -> CountForecast:
        raise NotImplementedError

    def _target_column(self, spec: LabelSpec) -> str:
        target = getattr(self, "target", None)
        if target is not None:
            return target
        t = spec.target()
        return t[0] if t is not None else "n_events"

    def _future_periods(self, arrays: PanelArrays, horizon: int) -> pd.DatetimeIndex:
        freq = arrays.freq or getattr(self, "freq_", None)
        if not freq and len(arrays.periods) >= 3:
            freq = _regular_freq(arrays.periods)
        offsets = {"D": pd.offsets.Day(1), "W": pd.offsets.Week(1), "M": pd.offsets.MonthBegin(1),
                   "MS": pd.offsets.MonthBegin(1)}
        last = arrays.periods[-1]
        off = offsets.get(str(freq).upper().split("-")[0]) if freq else None
        if off is None:
            step = (arrays.periods[-1] - arrays.periods[-2]) if len(arrays.periods) > 1 \
                else pd.Timedelta(days=1)
            return pd.DatetimeIndex([last + step * (i + 1) for i in range(horizon)], name="period")
        return pd.DatetimeIndex([last + off * (i + 1) for i in range(horizon)], name="period")

    def _fit_link(self, arrays: PanelArrays, labels: np.ndarray, expected: np.ndarray) -> None:
        """Fit the logistic link from ``log1p(expected window count)`` to non-threshold labels."""
        spec = self.label_  # type: ignore[attr-defined]
        if spec.target() is not None:
            self.link_ = None
            return
        from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

        mask = np.isfinite(labels) & np.isfinite(expected)
        x = np.log1p(np.clip(expected[mask], 0, None)).reshape(-1, 1)
        y = labels[mask].astype(int)
        if len(np.unique(y)) < 2:
            self.link_ = ("constant", float(y.mean()) if len(y) else 0.0)
            return
        lr = LogisticRegression(C=1e4).fit(x, y)
        self.link_ = ("logistic", float(lr.coef_[0, 0]), float(lr.intercept_[0]))

    def _proba_from_counts(self, forecast: CountForecast) -> np.ndarray:
        spec = self.label_  # type: ignore[attr-defined]
        target = spec.target()
        if target is not None:
            return forecast.prob_any(target[1]).to_numpy()
        link = getattr(self, "link_", None)
        total = forecast.mean_.sum(axis=1)
        if link is None:
            return 1.0 - np.exp(-total)
        if link[0] == "constant":
            return np.full(len(total), link[1])
        z = link[1] * np.log1p(np.clip(total, 0, None)) + link[2]
        return 1.0 / (1.0 + np.exp(-z))

    def _predict_proba(self, arrays: PanelArrays) -> np.ndarray:
        horizon = self.horizon_  # type: ignore[attr-defined]
        return self._proba_from_counts(self._predict_counts(arrays, horizon))
