"""Display objects: compute once from results, draw many times.

Each display follows scikit-learn's pattern (``RocCurveDisplay``): a ``from_*`` class method
computes only what the plot needs from results (a panel, a forecast ledger, an events frame) and
stores it as plain pandas data; :meth:`plot` draws it on a matplotlib axes (``ax=None`` makes a
new figure) and returns the axes. matplotlib is imported inside ``plot`` only, with the
non-interactive Agg backend when no backend has been chosen, so that computation never pulls in
plotting.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskmodel.exceptions import ConfigurationError

__all__ = [
    "QUAD_COLORS",
    "QUAD_NAMES",
    "TimelineDisplay",
    "RiskDisplay",
    "ReliabilityDisplay",
    "RecentEventsTable",
    "panel_frame",
]

#: Colours of the four QuadClasses (verbal/material cooperation, verbal/material conflict).
QUAD_COLORS: dict[int, str] = {1: "#8fb8de", 2: "#2c7fb8", 3: "#fdae61", 4: "#d7191c"}
QUAD_NAMES: dict[int, str] = {1: "verbal cooperation", 2: "material cooperation",
                              3: "verbal conflict", 4: "material conflict"}


def _pyplot() -> Any:
    """Import pyplot; choose the non-interactive Agg backend unless a backend was chosen.

    A backend counts as chosen when pyplot is already imported, ``MPLBACKEND`` is set, a
    matplotlibrc names one, or the code runs in an IPython/Jupyter kernel (which brings its
    inline backend).
    """
    import os
    import sys

    import matplotlib

    if "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND") \
            and "ipykernel" not in sys.modules:
        backend = dict.__getitem__(matplotlib.rcParams, "backend")
        sentinel = getattr(matplotlib.rcsetup, "_auto_backend_sentinel", None)
        if backend is sentinel:
            matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _safe(text: Any) -> str:
    """Text from data made literal for matplotlib (no mathtext between dollar signs)."""
    return str(text).replace("$", r"\$")


def _axes(ax: Any, figsize: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    plt = _pyplot()
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def panel_frame(panel: Any) -> pd.DataFrame:
    """The ``(dyad, period)``-indexed frame of a :class:`~riskmodel.panel.DyadPanel` or frame.

    Accepts a panel object (its ``data``), a frame indexed ``(dyad, period)``, or a flat frame
    with ``dyad`` and ``period`` columns (as :meth:`DyadPanel.to_frame` writes it).
    """
    data = getattr(panel, "data", panel)
    if not isinstance(data, pd.DataFrame):
        raise ConfigurationError(
            f"Expected a DyadPanel or a pandas DataFrame for 'panel'; got {type(panel).__name__}."
        )
    if list(data.index.names) != ["dyad", "period"]:
        if {"dyad", "period"} <= set(data.columns):
            data = data.set_index(["dyad", "period"]).sort_index()
        else:
            raise ConfigurationError(
                "The panel frame needs a (dyad, period) index or 'dyad' and 'period' columns; "
                f"got index {list(data.index.names)} and columns {list(data.columns)[:8]}..."
            )
    return data


def _check_dyad(dyad: str, known: Sequence[str], what: str) -> None:
    if dyad not in known:
        near = difflib.get_close_matches(dyad, list(known), n=1)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise ConfigurationError(f"Dyad {dyad!r} is not in the {what}.{hint}")


def _reverse_label(dyad: str) -> str | None:
    if ">" in dyad:
        a, b = dyad.split(">", 1)
        return f"{b}>{a}"
    return None


# --------------------------------------------------------------------------------------------
class TimelineDisplay:
    """Event counts per period by QuadClass, for a dyad in both directions.

    The forward direction (``A>B``) is stacked above zero, the reverse (``B>A``) mirrored below,
    so escalations show as red spikes on either side. Undirected dyads have one side only.

    Parameters
    ----------
    counts : pandas.DataFrame
        Index period; columns ``quad1``..``quad4`` of the forward direction.
    dyad : str
        Dyad label.
    reverse_counts : pandas.DataFrame, optional
        Same for the reverse direction.
    reverse_dyad : str, optional
        Its label.
    freq : str, optional
        Period frequency (for the axis label).
    """

    def __init__(self, counts: pd.DataFrame, dyad: str, *,
                 reverse_counts: pd.DataFrame | None = None, reverse_dyad: str | None = None,
                 freq: str | None = None) -> None:
        self.counts = counts
        self.dyad = dyad
        self.reverse_counts = reverse_counts
        self.reverse_dyad = reverse_dyad
        self.freq = freq

    @classmethod
    def from_panel(cls, panel: Any, dyad: str, *, both_directions: bool = True,
                   start: Any = None, end: Any = None) -> TimelineDisplay:
        """Take the QuadClass counts of ``dyad`` (and its reverse) from a panel.

        Parameters
        ----------
        panel : DyadPanel or DataFrame
            See :func:`panel_frame`.
        dyad : str
            A dyad of the panel.
        both_directions : bool
            Also take the reverse direction where the panel is directed and has it.
        start, end : date-like, optional
            Restrict the periods shown.

        Raises
        ------
        ConfigurationError
            If the dyad is not in the panel (the nearest label is suggested).
        """
        data = panel_frame(panel)
        dyads = data.index.get_level_values("dyad").unique()
        _check_dyad(dyad, dyads, "panel")
        cols = [f"quad{q}" for q in range(1, 5)]

        def take(d: str) -> pd.DataFrame:
            out = data.loc[d, cols].astype(float)
            if start is not None:
                out = out[out.index >= pd.Timestamp(start)]
            if end is not None:
                out = out[out.index <= pd.Timestamp(end)]
            return out

        rev = _reverse_label(dyad) if both_directions else None
        rev_counts = take(rev) if rev is not None and rev in dyads else None
        freq = getattr(panel, "freq", None)
        return cls(take(dyad), dyad, reverse_counts=rev_counts,
                   reverse_dyad=rev if rev_counts is not None else None, freq=freq)

    @classmethod
    def from_events(cls, events: pd.DataFrame, dyad: str, *, freq: str = "W",
                    both_directions: bool = True) -> TimelineDisplay:
        """Count canonical events of ``dyad`` per period and QuadClass.

        Parameters
        ----------
        events : pandas.DataFrame
            Canonical events (``date``, ``actor1_state``, ``actor2_state``, ``quad_class``).
        dyad : str
            ``"A>B"`` (directed) or ``"A-B"`` (undirected: both directions summed).
        freq : {"D", "W", "M"}
            Period length; weeks start on Monday, months on the 1st.
        """
        rules = {"D": "D", "W": "W-MON", "M": "MS"}
        if freq not in rules:
            near = difflib.get_close_matches(str(freq), list(rules), n=1)
            raise ConfigurationError(
                f"The 'freq' parameter must be one of {list(rules)}. Got {freq!r}."
                + (f" Did you mean {near[0]!r}?" if near else ""))
        directed = ">" in dyad
        a, b = dyad.split(">" if directed else "-", 1)
        s1 = events["actor1_state"].astype("string")
        s2 = events["actor2_state"].astype("string")
        date = pd.to_datetime(events["date"])
        lo = date.min() if len(date) else pd.Timestamp("2000-01-01")
        hi = date.max() if len(date) else lo
        start = _period_start(lo, freq)
        periods = pd.date_range(start, _period_start(hi, freq), freq=rules[freq])

        def count(mask: pd.Series) -> pd.DataFrame:
            sub = events.loc[mask.fillna(False).to_numpy()]
            p = _period_start_series(pd.to_datetime(sub["date"]), freq)
            tab = pd.crosstab(p, sub["quad_class"].astype(int))
            tab = tab.reindex(index=periods, columns=[1, 2, 3, 4], fill_value=0)
            tab.columns = [f"quad{q}" for q in range(1, 5)]
            tab.index.name = "period"
            return tab.astype(float)

        fwd = (s1 == a) & (s2 == b)
        back = (s1 == b) & (s2 == a)
        if not directed:
            return cls(count(fwd | back), dyad, freq=freq)
        rev = count(back) if both_directions else None
        return cls(count(fwd), dyad, reverse_counts=rev,
                   reverse_dyad=f"{b}>{a}" if both_directions else None, freq=freq)

    def plot(self, ax: Any = None, *, title: str | None = None) -> Any:
        """Draw the timeline; returns the axes."""
        ax = _axes(ax, (10, 4))
        x = self.counts.index
        colors = [QUAD_COLORS[q] for q in range(1, 5)]
        labels = [QUAD_NAMES[q] for q in range(1, 5)]
        ax.stackplot(x, self.counts.to_numpy().T, colors=colors, labels=labels, step="post",
                     linewidth=0)
        if self.reverse_counts is not None:
            ax.stackplot(self.reverse_counts.index, -self.reverse_counts.to_numpy().T,
                         colors=colors, step="post", linewidth=0, alpha=0.85)
            ax.axhline(0, color="black", linewidth=0.6)
            lim = ax.get_ylim()
            ax.text(0.005, 0.97, f"{_safe(self.dyad)} (up)", transform=ax.transAxes, va="top",
                    fontsize=9, fontweight="bold")
            ax.text(0.005, 0.03, f"{_safe(self.reverse_dyad)} (down)", transform=ax.transAxes,
                    va="bottom", fontsize=9, fontweight="bold")
            ax.set_ylim(lim)
            ticks = ax.get_yticks()
            ax.set_yticks(ticks)
            ax.set_yticklabels([f"{abs(t):g}" for t in ticks])
            ax.set_ylim(lim)
        per = {"D": "day", "W": "week", "M": "month"}.get(self.freq or "", "period")
        ax.set_ylabel(f"events per {per}")
        ax.set_title(_safe(title or f"Events by QuadClass: {self.dyad}"))
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), ncol=4, fontsize=8,
                  frameon=False)
        ax.margins(x=0)
        ax.grid(axis="y", alpha=0.3)
        return ax


def _period_start(ts: pd.Timestamp, freq: str) -> pd.Timestamp:
    ts = pd.Timestamp(ts).normalize()
    if freq == "W":
        return ts - pd.Timedelta(days=ts.day_of_week)
    if freq == "M":
        return ts.replace(day=1)
    return ts


def _period_start_series(s: pd.Series, freq: str) -> pd.Series:
    s = s.dt.normalize()
    if freq == "W":
        return s - pd.to_timedelta(s.dt.day_of_week, unit="D")
    if freq == "M":
        return s.dt.to_period("M").dt.start_time
    return s


# --------------------------------------------------------------------------------------------
class RiskDisplay:
    """P(escalation within h periods) over forecast origins, with the baseline and outcomes.

    Parameters
    ----------
    risk : pandas.DataFrame
        Index origin; column ``model`` (the model's probability) and optionally ``baseline``.
    dyad : str
        Dyad label.
    events : pandas.DatetimeIndex, optional
        Periods in which the escalation definition fired (marked on the plot).
    model_name, baseline_name : str
        Legend labels.
    horizon : int, optional
        The horizon ``h`` (for the title).
    label : str, optional
        The escalation definition's name.
    """

    def __init__(self, risk: pd.DataFrame, dyad: str, *, events: pd.DatetimeIndex | None = None,
                 model_name: str = "model", baseline_name: str | None = None,
                 horizon: int | None = None, label: str | None = None,
                 episodes: pd.DataFrame | None = None) -> None:
        self.risk = risk
        self.dyad = dyad
        self.events = events if events is not None else pd.DatetimeIndex([])
        self.episodes = episodes
        self.model_name = model_name
        self.baseline_name = baseline_name
        self.horizon = horizon
        self.label = label

    @classmethod
    def from_ledger(cls, ledger: pd.DataFrame, dyad: str, *, model: str,
                    baseline: str | None = None, horizon: int | None = None,
                    label: str | None = None, fired: pd.Series | pd.DatetimeIndex | None = None,
                    episodes: pd.DataFrame | None = None) -> RiskDisplay:
        """Take one dyad's forecasts of a model (and a baseline) from a forecast ledger.

        Parameters
        ----------
        ledger : pandas.DataFrame
            Columns ``dyad``, ``origin``, ``horizon``, ``model``, ``probability`` (and ``label``
            where several definitions are present).
        dyad : str
            The dyad.
        model, baseline : str
            Model names in ``ledger["model"]``.
        horizon : int, optional
            The horizon; default the smallest in the ledger.
        label : str, optional
            Keep rows of this escalation definition only.
        fired : Series or DatetimeIndex, optional
            When the definition fired: a DatetimeIndex of periods, or a 0/1 Series indexed by
            period or by ``(dyad, period)``.
        episodes : pandas.DataFrame, optional
            Known episodes to shade (e.g. the simulator's ground truth): columns ``start``,
            ``end`` and either ``dyad`` (directed or undirected label) or ``initiator`` and
            ``target``; rows of other dyads (and rows of ``kind`` "quiet") are ignored.

        Raises
        ------
        ConfigurationError
            If the model, baseline, horizon or dyad is not in the ledger.
        """
        led = ledger
        if label is not None and "label" in led.columns:
            led = led[led["label"] == label]
        models = sorted(led["model"].astype(str).unique())
        for name in (model, baseline):
            if name is not None and name not in models:
                near = difflib.get_close_matches(name, models, n=1)
                raise ConfigurationError(
                    f"Model {name!r} is not in the forecast ledger (models: {models})."
                    + (f" Did you mean {near[0]!r}?" if near else ""))
        horizons = sorted(int(h) for h in led["horizon"].unique())
        if horizon is None:
            if not horizons:
                raise ConfigurationError("The forecast ledger is empty.")
            horizon = horizons[0]
        elif int(horizon) not in horizons:
            raise ConfigurationError(
                f"Horizon {horizon} is not in the forecast ledger (horizons: {horizons}).")
        led = led[(led["horizon"] == int(horizon)) & (led["dyad"] == dyad)]
        if led.empty:
            _check_dyad(dyad, sorted(ledger["dyad"].astype(str).unique()), "forecast ledger")

        def series(name: str) -> pd.Series:
            sub = led[led["model"] == name]
            s = sub.groupby(pd.to_datetime(sub["origin"]))["probability"].mean()
            s.index.name = "origin"
            return s.astype(float)

        risk = pd.DataFrame({"model": series(model)})
        if baseline is not None:
            risk["baseline"] = series(baseline)
        events = _fired_periods(fired, dyad)
        return cls(risk.sort_index(), dyad, events=events, model_name=model,
                   baseline_name=baseline, horizon=int(horizon), label=label,
                   episodes=_dyad_episodes(episodes, dyad))

    def plot(self, ax: Any = None, *, title: str | None = None) -> Any:
        """Draw the risk curve; returns the axes."""
        ax = _axes(ax, (10, 3.6))
        x = self.risk.index
        if "baseline" in self.risk.columns:
            ax.step(x, self.risk["baseline"], where="post", color="#777777", linestyle="--",
                    linewidth=1.2, label=_safe(f"baseline: {self.baseline_name}"))
        ax.step(x, self.risk["model"], where="post", color="#253494", linewidth=1.6,
                label=_safe(f"model: {self.model_name}"))
        if self.episodes is not None and len(self.episodes):
            first = True
            for ep in self.episodes.itertuples(index=False):
                ax.axvspan(ep.start, ep.end + pd.Timedelta(days=1), color="#999999", alpha=0.2,
                           linewidth=0, label="ground-truth episode" if first else None)
                first = False
        if len(self.events):
            ev = self.events
            if len(x):
                ev = ev[(ev >= x.min()) & (ev <= x.max() + pd.Timedelta(days=400))]
            ax.vlines(ev, 0, 1, transform=ax.get_xaxis_transform(), color=QUAD_COLORS[4],
                      alpha=0.25, linewidth=1.5, label="escalation observed")
        top = float(np.nanmax(self.risk.to_numpy())) if self.risk.size else 1.0
        ax.set_ylim(0, min(1.0, max(0.05, top * 1.15)))
        h = f" within {self.horizon} periods" if self.horizon is not None else ""
        lab = f" ({self.label})" if self.label else ""
        ax.set_ylabel("probability")
        ax.set_title(_safe(title or f"P(escalation{h}){lab}: {self.dyad}"))
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.1), ncol=3, fontsize=8,
                  frameon=False)
        ax.grid(alpha=0.3)
        if len(x):
            ax.set_xlim(x.min(), x.max())
        return ax


def _dyad_episodes(episodes: pd.DataFrame | None, dyad: str) -> pd.DataFrame | None:
    """The rows of ``episodes`` that concern ``dyad`` (either direction), with start/end."""
    if episodes is None or len(episodes) == 0:
        return None
    directed = ">" in dyad
    a, b = dyad.split(">" if directed else "-", 1)
    if {"initiator", "target"} <= set(episodes.columns):
        i, t = episodes["initiator"].astype(str), episodes["target"].astype(str)
        mask = ((i == a) & (t == b)) | ((i == b) & (t == a))
    elif "dyad" in episodes.columns:
        d = episodes["dyad"].astype(str)
        und = "-".join(sorted((a, b)))
        mask = d.isin([dyad, f"{b}>{a}", und])
    else:
        raise ConfigurationError(
            "The 'episodes' frame needs 'start', 'end' and either 'dyad' or "
            f"'initiator'/'target' columns; got {list(episodes.columns)}.")
    if "kind" in episodes.columns:  # quiet spells are not episodes of conflict
        mask = mask & (episodes["kind"].astype(str) != "quiet")
    out = episodes.loc[mask.to_numpy(), ["start", "end"]].copy()
    out["start"] = pd.to_datetime(out["start"])
    out["end"] = pd.to_datetime(out["end"])
    return out.sort_values("start").reset_index(drop=True)


def _fired_periods(fired: Any, dyad: str) -> pd.DatetimeIndex:
    if fired is None:
        return pd.DatetimeIndex([])
    if isinstance(fired, pd.DatetimeIndex):
        return fired.sort_values()
    if isinstance(fired, pd.DataFrame):
        fired = fired.iloc[:, 0]
    s = fired
    if isinstance(s.index, pd.MultiIndex):
        if dyad not in s.index.get_level_values(0):
            return pd.DatetimeIndex([])
        s = s.xs(dyad, level=0)
    s = s.fillna(0)
    return pd.DatetimeIndex(s.index[s.to_numpy(dtype=float) > 0]).sort_values()


# --------------------------------------------------------------------------------------------
class ReliabilityDisplay:
    """Reliability curve (observed frequency against forecast probability) with bin counts.

    Parameters
    ----------
    curve : pandas.DataFrame
        One row per non-empty bin: ``mean_predicted``, ``observed``, ``count`` and optionally
        ``ci_low``, ``ci_high``.
    name : str
        Legend label.
    prevalence : float, optional
        Overall frequency of the outcome.
    """

    def __init__(self, curve: pd.DataFrame, *, name: str = "model",
                 prevalence: float | None = None) -> None:
        self.curve = curve
        self.name = name
        self.prevalence = prevalence

    @classmethod
    def from_predictions(cls, y_true: Any, y_prob: Any, *, n_bins: int = 10,
                         strategy: str = "uniform", name: str = "model") -> ReliabilityDisplay:
        """Bin forecasts and outcomes (see :func:`riskmodel.evaluation.scores.reliability_curve`).

        Raises
        ------
        ConfigurationError
            If ``n_bins`` or ``strategy`` is invalid, or the inputs are empty.
        """
        y = np.asarray(y_true, dtype=float)
        p = np.asarray(y_prob, dtype=float)
        keep = ~(np.isnan(y) | np.isnan(p))
        y, p = y[keep], p[keep]
        if y.size == 0:
            raise ConfigurationError("No forecasts with a known outcome to draw a reliability "
                                     "curve from.")
        curve = _reliability(y, p, n_bins=n_bins, strategy=strategy)
        return cls(curve, name=name, prevalence=float(y.mean()))

    @classmethod
    def from_ledger(cls, ledger: pd.DataFrame, *, model: str, horizon: int | None = None,
                    partition: str | None = None, n_bins: int = 10,
                    strategy: str = "uniform") -> ReliabilityDisplay:
        """Reliability of one model's forecasts in a ledger (rows with a known outcome).

        Parameters
        ----------
        ledger : pandas.DataFrame
            Columns ``model``, ``horizon``, ``probability``, ``outcome`` (``partition``).
        model : str
            Model name.
        horizon : int, optional
            Keep one horizon (default: all pooled).
        partition : str, optional
            Keep one backtest partition.
        """
        models = sorted(ledger["model"].astype(str).unique())
        if model not in models:
            near = difflib.get_close_matches(model, models, n=1)
            raise ConfigurationError(
                f"Model {model!r} is not in the forecast ledger (models: {models})."
                + (f" Did you mean {near[0]!r}?" if near else ""))
        led = ledger[ledger["model"] == model]
        if horizon is not None:
            led = led[led["horizon"] == int(horizon)]
        if partition is not None and "partition" in led.columns:
            led = led[led["partition"] == partition]
        name = model if horizon is None else f"{model}, h={int(horizon)}"
        return cls.from_predictions(led["outcome"], led["probability"], n_bins=n_bins,
                                    strategy=strategy, name=name)

    def plot(self, ax: Any = None, *, title: str | None = None) -> Any:
        """Draw the curve with the diagonal and the count of forecasts per bin.

        Marker areas grow with the bin's count, and each bin is labelled ``n=...``; vertical
        bars are 95% Wilson intervals of the observed frequency where available.
        """
        ax = _axes(ax, (5.5, 5))
        c = self.curve
        ax.plot([0, 1], [0, 1], color="#999999", linestyle=":", linewidth=1,
                label="perfect calibration")
        if {"ci_low", "ci_high"} <= set(c.columns):
            ax.vlines(c["mean_predicted"], c["ci_low"], c["ci_high"], color="#253494",
                      alpha=0.35, linewidth=2)
        ax.plot(c["mean_predicted"], c["observed"], color="#253494", linewidth=1.2,
                label=_safe(self.name))
        counts = c["count"].to_numpy(dtype=float)
        size = 12 + 140 * np.sqrt(counts / counts.max()) if len(counts) else counts
        ax.scatter(c["mean_predicted"], c["observed"], s=size, color="#253494", zorder=3,
                   edgecolor="white", linewidth=0.5)
        for row in c.itertuples(index=False):
            right = row.mean_predicted > 0.8
            ax.annotate(f"n={int(row.count):,}", (row.mean_predicted, row.observed),
                        textcoords="offset points", xytext=(-6 if right else 6, -11),
                        ha="right" if right else "left", fontsize=7, color="#444444")
        if self.prevalence is not None:
            ax.axhline(self.prevalence, color=QUAD_COLORS[4], alpha=0.5, linewidth=1,
                       label=f"prevalence {self.prevalence:.3f}")
        hi = float(max(c["mean_predicted"].max(), c["observed"].max(), 0.05)) if len(c) else 1
        lim = min(1.02, hi * 1.1 + 0.02)
        ax.set_xlim(-0.01, lim)
        ax.set_ylim(-0.04, lim)
        ax.set_xlabel("forecast probability (bin mean)")
        ax.set_ylabel("observed frequency")
        ax.set_title(_safe(title or "Reliability"))
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        ax.grid(alpha=0.3)
        return ax


def _reliability(y: np.ndarray, p: np.ndarray, *, n_bins: int, strategy: str) -> pd.DataFrame:
    try:
        from riskmodel.evaluation.scores import reliability_curve
    except ImportError:  # pragma: no cover - evaluation is part of the package
        reliability_curve = None
    if reliability_curve is not None:
        return reliability_curve(y, p, n_bins=n_bins, strategy=strategy)
    edges = np.linspace(0, 1, n_bins + 1)
    ids = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, n_bins - 1)
    cnt = np.bincount(ids, minlength=n_bins)
    keep = cnt > 0
    return pd.DataFrame({
        "mean_predicted": (np.bincount(ids, weights=p, minlength=n_bins)[keep] / cnt[keep]),
        "observed": np.bincount(ids, weights=y, minlength=n_bins)[keep] / cnt[keep],
        "count": cnt[keep],
    })


# --------------------------------------------------------------------------------------------
class RecentEventsTable:
    """The latest events of a dyad as a table (not a plot).

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns :attr:`COLUMNS`, newest first.
    dyad : str, optional
        The dyad shown.
    """

    #: Columns of :attr:`frame`.
    COLUMNS: tuple[str, ...] = ("date", "actor1", "actor2", "cameo_code", "event", "quad_class",
                                "goldstein", "weight", "source", "quote", "url")

    def __init__(self, frame: pd.DataFrame, *, dyad: str | None = None) -> None:
        self.frame = frame
        self.dyad = dyad

    @classmethod
    def from_events(cls, events: pd.DataFrame, dyad: str | None = None, *, n: int = 20,
                    both_directions: bool = True, min_quad_class: int | None = None,
                    ) -> RecentEventsTable:
        """Select the ``n`` latest events of ``dyad`` from a canonical events frame.

        Parameters
        ----------
        events : pandas.DataFrame
            Canonical events (see :mod:`riskmodel.events`); at least ``date``,
            ``actor1_state``, ``actor2_state`` and ``cameo_code``.
        dyad : str, optional
            ``"A>B"`` or ``"A-B"``; ``None`` keeps every event.
        n : int
            Rows to keep.
        both_directions : bool
            For a directed dyad, also keep events of the reverse direction.
        min_quad_class : int, optional
            Keep events of this QuadClass or higher (e.g. 3 for conflict only).
        """
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ConfigurationError(f"The 'n' parameter must be an int >= 1. Got {n!r} instead.")
        ev = events
        if dyad is not None:
            directed = ">" in dyad
            a, b = dyad.split(">" if directed else "-", 1)
            s1 = ev["actor1_state"].astype("string")
            s2 = ev["actor2_state"].astype("string")
            mask = (s1 == a) & (s2 == b)
            if both_directions or not directed:
                mask = mask | ((s1 == b) & (s2 == a))
            ev = ev.loc[mask.fillna(False).to_numpy()]
        if min_quad_class is not None and "quad_class" in ev.columns:
            ev = ev[ev["quad_class"].astype(int) >= int(min_quad_class)]
        sort_cols = [c for c in ("date", "available_at", "event_id") if c in ev.columns]
        ev = ev.sort_values(sort_cols, ascending=False, kind="stable").head(int(n))
        from riskmodel.codes.cameo import cameo_table

        table = cameo_table()
        table = table[~table.index.duplicated(keep="first")]
        codes = ev["cameo_code"].astype("string")
        label = codes.map(lambda c: table["label"].get(c, "") if isinstance(c, str) else "")

        def col(name: str) -> pd.Series:
            return ev[name] if name in ev.columns else pd.Series(pd.NA, index=ev.index)

        def actor(k: int) -> pd.Series:
            name = col(f"actor{k}_name").astype("string")
            code = col(f"actor{k}_code").astype("string")
            state = col(f"actor{k}_state").astype("string")
            shown = name.fillna(code).fillna(state).fillna("")
            tag = code.fillna(state)
            return (shown + (" (" + tag + ")").fillna("")).astype("string")

        out = pd.DataFrame({
            "date": pd.to_datetime(col("date")).dt.strftime("%Y-%m-%d"),
            "actor1": actor(1),
            "actor2": actor(2),
            "cameo_code": codes,
            "event": label.astype("string"),
            "quad_class": pd.to_numeric(col("quad_class"), errors="coerce").astype("Int64"),
            "goldstein": pd.to_numeric(col("goldstein"), errors="coerce"),
            "weight": pd.to_numeric(col("weight"), errors="coerce"),
            "source": col("source").astype("string"),
            "quote": col("quote").astype("string"),
            "url": col("url").astype("string"),
        }).reset_index(drop=True)
        return cls(out, dyad=dyad)

    def __len__(self) -> int:
        return len(self.frame)

    def to_html(self, *, max_chars: int = 200) -> str:
        """The table as an HTML ``<table>``; every value from the data is escaped.

        URLs become links only when they start with ``http://`` or ``https://``.
        """
        import html

        def esc(v: Any) -> str:
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                return ""
            text = str(v)
            if len(text) > max_chars:
                text = text[: max_chars - 1] + "\u2026"
            return html.escape(text, quote=True)

        head = ("<tr><th>date</th><th>actor 1</th><th>actor 2</th><th>event (CAMEO)</th>"
                "<th>Goldstein</th><th>mentions</th><th>source / quote</th></tr>")
        rows = []
        for r in self.frame.itertuples(index=False):
            url = "" if pd.isna(r.url) else str(r.url)
            src = esc(r.source)
            if url.lower().startswith(("http://", "https://")):
                src = (f'<a href="{html.escape(url, quote=True)}" rel="noopener noreferrer">'
                       f"{src or 'link'}</a>")
            quote = esc(r.quote)
            if quote:
                src += f"<br><q>{quote}</q>"
            q = "" if pd.isna(r.quad_class) else int(r.quad_class)
            gold = "" if pd.isna(r.goldstein) else f"{float(r.goldstein):+.1f}"
            weight = "" if pd.isna(r.weight) else f"{float(r.weight):g}"
            rows.append(
                f'<tr class="q{q}"><td>{esc(r.date)}</td><td>{esc(r.actor1)}</td>'
                f"<td>{esc(r.actor2)}</td><td>{esc(r.cameo_code)} {esc(r.event)}</td>"
                f"<td>{gold}</td><td>{weight}</td><td>{src}</td></tr>")
        if not rows:
            rows.append('<tr><td colspan="7">no events</td></tr>')
        return f'<table class="events">{head}{"".join(rows)}</table>'
