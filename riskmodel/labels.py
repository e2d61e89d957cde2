"""Escalation labels: what "the dyad escalates within the next h periods" means.

Each definition is a named :class:`LabelDefinition` with two steps:

* :meth:`LabelDefinition.fires` marks each (dyad, period) where the escalation event happens
  (1.0), does not happen (0.0), or cannot be judged (NaN, e.g. no baseline yet);
* :meth:`LabelDefinition.compute` turns that indicator into the forecasting target: the value at
  origin ``t`` is 1.0 if the definition fires in any period of ``(t, t + h]``, 0.0 if it fires in
  none of them, and NaN when the window runs past the panel's last period (or contains an
  undecidable period and no firing). The window starts *strictly after* the origin: what
  happens in period ``t`` itself is never part of the label at ``t``.

Definitions (``name``: parameters)
----------------------------------
``"material_conflict"``: ``threshold=1``, ``column="quad4"``
    Fires when the period's material-conflict count (QuadClass 4) is at least ``threshold``.
``"spike"``: ``column="quad4"``, ``window=12``, ``method="poisson"``, ``alpha=0.01``, ``k=2.0``,
``min_count=2``, ``min_periods=4``
    Fires when the period's count stands out against the dyad's own trailing baseline (the
    ``window`` periods before it): a Poisson upper-tail probability below ``alpha`` given the
    baseline mean (``method="poisson"``), or a count above mean + ``k`` standard deviations
    (``method="sd"``); and at least ``min_count`` events. NaN while fewer than ``min_periods``
    baseline periods exist.
``"ladder"``: ``window=1``, ``min_level=2``
    Each period gets a rung: 0 quiet or cooperative, 1 verbal conflict (QuadClass 3), 2 material
    conflict (QuadClass 4), 3 fatal (fatalities > 0). Fires when the rung is at least
    ``min_level`` and higher than every rung of the previous ``window`` periods (a step up the
    ladder). NaN for the first ``window`` periods.
``"fatalities"``: ``threshold=1``, ``ground_truth=None``, ``attribution=None``
    Fires when the period's fatalities reach ``threshold``. With ``ground_truth`` (a
    :class:`~riskmodel.panel.DyadPanel` of the same frequency, or an event frame/store such as
    UCDP GED events, aggregated onto the panel's dyads and periods with ``attribution``, by
    default the panel's) the outcome comes from an independent source, as the evaluation
    protocol recommends; without it, from the panel's own ``fatalities`` column. Periods the
    ground-truth panel does not cover are NaN.

Examples
--------
>>> y = make_labels(panel, "material_conflict", horizon=4)  # doctest: +SKIP
>>> get_label("spike", horizon=2, method="sd").describe()  # doctest: +SKIP
"""

from __future__ import annotations

import difflib
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from riskmodel.exceptions import ConfigurationError
from riskmodel.panel import DyadPanel

__all__ = [
    "LABELS",
    "LabelDefinition",
    "MaterialConflictLabel",
    "SpikeLabel",
    "LadderLabel",
    "FatalitiesLabel",
    "get_label",
    "make_labels",
    "look_ahead",
]


def _check_horizon(horizon: object, owner: str) -> int:
    if isinstance(horizon, (bool, np.bool_)) or not isinstance(horizon, (int, np.integer)) \
            or horizon < 1:
        raise ConfigurationError(
            f"The 'horizon' parameter of {owner} must be an int >= 1. Got {horizon!r} instead.")
    return int(horizon)


def _as_panel(panel: Any) -> DyadPanel:
    if not isinstance(panel, DyadPanel):
        raise ConfigurationError(f"Labels are computed on a DyadPanel (riskmodel.panel."
                                 f"build_panel); got {type(panel).__name__}.")
    return panel


def _grid(panel: DyadPanel, values: pd.Series | np.ndarray) -> np.ndarray:
    """A column as a (dyads x periods) float array (the panel is balanced and sorted)."""
    arr = np.asarray(values, dtype="float64")
    return arr.reshape(len(panel.dyads), len(panel.periods))


def look_ahead(fires: np.ndarray, horizon: int) -> np.ndarray:
    """The label of each origin from a (dyads x periods) indicator.

    ``out[:, t]`` is 1 if ``fires[:, t+1..t+h]`` has a 1; NaN if the window runs past the last
    period or holds a NaN and no 1; else 0.
    """
    n_d, n_p = fires.shape
    any_one = np.zeros((n_d, n_p), dtype=bool)
    any_nan = np.zeros((n_d, n_p), dtype=bool)
    for k in range(1, horizon + 1):
        shifted = np.full((n_d, n_p), np.nan)
        if k < n_p:
            shifted[:, : n_p - k] = fires[:, k:]
        any_one |= shifted == 1.0
        any_nan |= np.isnan(shifted)
    out = np.where(any_one, 1.0, np.where(any_nan, np.nan, 0.0))
    return out


class LabelDefinition:
    """A named escalation definition (base class).

    Parameters
    ----------
    horizon : int, default 1
        Number of periods after the origin in which the definition may fire (``h >= 1``).
    **params
        The definition's parameters (see its class); unknown names are rejected.

    Attributes
    ----------
    name : str
    horizon : int
    params : dict
        Every parameter with its value (defaults filled in).
    """

    name: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}
    summary: ClassVar[str] = ""

    def __init__(self, horizon: int = 1, **params: Any) -> None:
        self.horizon = _check_horizon(horizon, f"label {self.name!r}")
        unknown = [k for k in params if k not in self.defaults]
        if unknown:
            near = difflib.get_close_matches(unknown[0], list(self.defaults), n=1)
            raise ConfigurationError(
                f"Unknown parameter {unknown[0]!r} for label {self.name!r}; it accepts "
                f"{sorted(self.defaults)}." + (f" Did you mean {near[0]!r}?" if near else ""))
        self.params: dict[str, Any] = {**self.defaults, **params}
        self._validate()

    def _validate(self) -> None:
        """Check parameter values (subclasses)."""

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.params.items() if not isinstance(v, (pd.DataFrame,
                                                                             DyadPanel))}
        args = ", ".join(f"{k}={v!r}" for k, v in shown.items())
        return f"{type(self).__name__}(horizon={self.horizon}, {args})"

    def describe(self) -> str:
        """One sentence: what the label means with these parameters."""
        return (f"{self.name}: 1 if, in any of the {self.horizon} period(s) after the origin, "
                f"{self.summary.format(**self.params)}; 0 if not; NaN where the window is not "
                "fully observed.")

    def fires(self, panel: DyadPanel) -> pd.Series:
        """The per-period indicator (1.0, 0.0 or NaN), indexed like ``panel.data``."""
        panel = _as_panel(panel)
        grid = self._fires(panel)
        return pd.Series(grid.reshape(-1), index=panel.data.index, name=f"{self.name}_fires")

    def _fires(self, panel: DyadPanel) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def compute(self, panel: DyadPanel) -> pd.Series:
        """The label at every origin, indexed like ``panel.data`` (see the module docstring)."""
        panel = _as_panel(panel)
        out = look_ahead(self._fires(panel), self.horizon)
        return pd.Series(out.reshape(-1), index=panel.data.index,
                         name=f"{self.name}_h{self.horizon}")


def _positive_number(value: object, name: str, label: str, *, strict: bool = False) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or (value <= 0 if strict else value < 0):  # type: ignore[operator]
        raise ConfigurationError(
            f"The {name!r} parameter of label {label!r} must be a number "
            f"{'> 0' if strict else '>= 0'}. Got {value!r} instead.")
    return float(value)  # type: ignore[arg-type]


def _column(panel: DyadPanel, column: str, label: str) -> pd.Series:
    if column not in panel.data.columns:
        near = difflib.get_close_matches(column, list(panel.data.columns), n=1)
        raise ConfigurationError(
            f"The 'column' parameter of label {label!r} names no panel column: {column!r}."
            + (f" Did you mean {near[0]!r}?" if near else ""))
    return panel.data[column]


class MaterialConflictLabel(LabelDefinition):
    """Material-conflict count (QuadClass 4) at or above ``threshold`` (default 1)."""

    name = "material_conflict"
    defaults = {"threshold": 1, "column": "quad4"}
    summary = "the dyad's {column} count is at least {threshold}"

    def _validate(self) -> None:
        _positive_number(self.params["threshold"], "threshold", self.name, strict=True)

    def _fires(self, panel: DyadPanel) -> np.ndarray:
        x = _grid(panel, _column(panel, self.params["column"], self.name))
        return (x >= self.params["threshold"]).astype("float64")


class SpikeLabel(LabelDefinition):
    """A count that stands out against the dyad's own trailing baseline."""

    name = "spike"
    defaults = {"column": "quad4", "window": 12, "method": "poisson", "alpha": 0.01, "k": 2.0,
                "min_count": 2, "min_periods": 4}
    summary = ("the dyad's {column} count is a spike against its previous {window} periods "
               "({method}; alpha={alpha}, k={k}) with at least {min_count} events")

    def _validate(self) -> None:
        p = self.params
        for key in ("window", "min_periods"):
            if not isinstance(p[key], (int, np.integer)) or p[key] < 1:
                raise ConfigurationError(f"The {key!r} parameter of label 'spike' must be an int "
                                         f">= 1. Got {p[key]!r} instead.")
        if p["min_periods"] > p["window"]:
            raise ConfigurationError("The 'min_periods' parameter of label 'spike' cannot exceed "
                                     f"'window' ({p['min_periods']} > {p['window']}).")
        from riskmodel.engines import check_choice

        check_choice(p["method"], ("poisson", "sd"), "method")
        a = _positive_number(p["alpha"], "alpha", self.name, strict=True)
        if a >= 1:
            raise ConfigurationError(f"The 'alpha' parameter of label 'spike' must lie in (0, 1). "
                                     f"Got {a!r} instead.")
        _positive_number(p["k"], "k", self.name)
        _positive_number(p["min_count"], "min_count", self.name)

    def _fires(self, panel: DyadPanel) -> np.ndarray:
        p = self.params
        x = _grid(panel, _column(panel, p["column"], self.name))
        frame = pd.DataFrame(x.T)  # periods x dyads
        past = frame.shift(1).rolling(p["window"], min_periods=p["min_periods"])
        mean = past.mean().to_numpy().T
        if p["method"] == "poisson":
            from scipy.stats import poisson

            with np.errstate(invalid="ignore"):
                tail = poisson.sf(x - 1, np.where(np.isnan(mean), 1.0, mean))
            spike = tail < p["alpha"]
        else:
            sd = past.std(ddof=0).to_numpy().T
            spike = x > mean + p["k"] * sd
        out = (spike & (x >= p["min_count"])).astype("float64")
        out[np.isnan(mean)] = np.nan
        return out


class LadderLabel(LabelDefinition):
    """A step up the ladder: verbal conflict -> material conflict -> fatal."""

    name = "ladder"
    defaults = {"window": 1, "min_level": 2}
    summary = ("the dyad climbs to rung {min_level} or higher above every rung of the previous "
               "{window} period(s) (0 quiet, 1 verbal conflict, 2 material conflict, 3 fatal)")

    def _validate(self) -> None:
        w, m = self.params["window"], self.params["min_level"]
        if not isinstance(w, (int, np.integer)) or w < 1:
            raise ConfigurationError(f"The 'window' parameter of label 'ladder' must be an int "
                                     f">= 1. Got {w!r} instead.")
        if m not in (1, 2, 3):
            raise ConfigurationError(f"The 'min_level' parameter of label 'ladder' must be 1, 2 "
                                     f"or 3. Got {m!r} instead.")

    @staticmethod
    def rungs(panel: DyadPanel) -> pd.Series:
        """The ladder rung of every (dyad, period): 0, 1, 2 or 3."""
        d = panel.data
        rung = np.where(d["fatalities"] > 0, 3, np.where(d["quad4"] > 0, 2,
                                                          np.where(d["quad3"] > 0, 1, 0)))
        return pd.Series(rung, index=d.index, name="rung")

    def _fires(self, panel: DyadPanel) -> np.ndarray:
        w = self.params["window"]
        r = _grid(panel, self.rungs(panel))
        prev = pd.DataFrame(r.T).shift(1).rolling(w, min_periods=w).max().to_numpy().T
        out = ((r > prev) & (r >= self.params["min_level"])).astype("float64")
        out[np.isnan(prev)] = np.nan
        return out


class FatalitiesLabel(LabelDefinition):
    """Fatalities at or above ``threshold``, ideally from an independent ground truth."""

    name = "fatalities"
    defaults = {"threshold": 1, "ground_truth": None, "attribution": None}
    summary = "the dyad's fatalities reach {threshold}"

    def _validate(self) -> None:
        _positive_number(self.params["threshold"], "threshold", self.name, strict=True)

    def describe(self) -> str:
        gt = self.params["ground_truth"]
        origin = ("the panel's own fatalities column" if gt is None
                  else f"ground truth ({type(gt).__name__})")
        return super().describe() + f" Source: {origin}."

    def ground_truth_panel(self, panel: DyadPanel) -> DyadPanel | None:
        """The ground truth aligned to ``panel``'s frequency and direction (None: own data)."""
        gt = self.params["ground_truth"]
        if gt is None:
            return None
        if isinstance(gt, DyadPanel):
            if gt.freq != panel.freq or gt.directed != panel.directed:
                raise ConfigurationError(
                    f"The ground-truth panel is {gt.freq!r}/"
                    f"{'directed' if gt.directed else 'undirected'} but the panel is "
                    f"{panel.freq!r}/{'directed' if panel.directed else 'undirected'}; build "
                    "both with the same freq and directed.")
            return gt
        from riskmodel.panel import build_panel, period_range

        last = panel.periods[-1]
        nxt = period_range(last, last + pd.Timedelta(days=31), panel.freq)
        end = (nxt[1] - pd.Timedelta(days=1)) if len(nxt) > 1 else last
        attribution = self.params["attribution"] or panel.meta.get("attribution", "state")
        return build_panel(gt, freq=panel.freq, directed=panel.directed,
                           dyads=[(a, b) for a, b in _pairs(panel)],
                           start=panel.periods[0], end=end, attribution=attribution,
                           normalize=False)

    def _fires(self, panel: DyadPanel) -> np.ndarray:
        gt = self.ground_truth_panel(panel)
        if gt is None:
            values = panel.data["fatalities"]
        else:
            values = gt.data["fatalities"].reindex(panel.data.index)
            covered = panel.data.index.get_level_values("period").isin(gt.periods)
            values = values.where(~covered | values.notna(), 0.0)
        x = _grid(panel, values)
        out = np.where(np.isnan(x), np.nan, (x >= self.params["threshold"]).astype("float64"))
        return out


def _pairs(panel: DyadPanel) -> list[tuple[str, str]]:
    first = panel.data.xs(panel.periods[0], level="period")
    return list(zip(first["state_a"].astype(str), first["state_b"].astype(str)))


#: Label name -> definition class.
LABELS: dict[str, type[LabelDefinition]] = {
    cls.name: cls for cls in (MaterialConflictLabel, SpikeLabel, LadderLabel, FatalitiesLabel)
}


def get_label(name: str, horizon: int = 1, **params: Any) -> LabelDefinition:
    """The label definition called ``name`` with these parameters.

    Raises
    ------
    ConfigurationError
        For an unknown name (the nearest is suggested), ``horizon < 1`` or bad parameters.
    """
    if isinstance(name, LabelDefinition):
        return name
    if not isinstance(name, str) or name not in LABELS:
        near = difflib.get_close_matches(str(name), list(LABELS), n=1, cutoff=0.0)
        raise ConfigurationError(
            f"Unknown label {name!r}; the labels are {sorted(LABELS)}."
            + (f" Did you mean {near[0]!r}?" if near else ""))
    return LABELS[name](horizon=horizon, **params)


def make_labels(panel: DyadPanel, name: str, horizon: int, **params: Any) -> pd.Series:
    """Escalation labels of every (dyad, origin) of ``panel``.

    Parameters
    ----------
    panel : DyadPanel
    name : {"material_conflict", "spike", "ladder", "fatalities"}
    horizon : int
        ``h >= 1``: the label at origin ``t`` looks at periods ``(t, t + h]``.
    **params
        The definition's parameters (see the module docstring).

    Returns
    -------
    pandas.Series
        Indexed like ``panel.data``: 1.0, 0.0, or NaN where ``(t, t + h]`` is not observed.

    Raises
    ------
    ConfigurationError
        Unknown label name (nearest suggested), ``horizon < 1`` or bad parameters.
    """
    _check_horizon(horizon, "make_labels")
    return get_label(name, horizon=horizon, **params).compute(_as_panel(panel))

