"""The main job: from an event store to a ranked watchlist and one report per dyad.

:func:`run_pipeline` takes a store and a :class:`PipelineConfig` and goes through every stage
once: a dyad panel, a rolling-origin backtest of the model against its baselines, a live
forecast at the latest period, and the reports. :func:`run_default` first simulates the bundled
default world (SYNTHETIC events in the official GDELT 2.0 layout) and ingests it through the same
``gdelt2`` reader a user's files go through. ``riskmodel run`` (and ``make report``) calls it.

Each stage is the public function of its module (``build_panel``, ``backtest``,
``build_reports``); the pipeline only wires them together and records what it did in the
results folder (``<out>/results``), which ``riskmodel report`` can redraw from.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskmodel.exceptions import ConfigurationError, StoreError

__all__ = ["PipelineConfig", "PipelineResult", "run_pipeline", "run_default", "make_model"]

#: Models the pipeline can be asked for by name.
MODEL_NAMES = ("logistic", "gbm", "negbin", "zinb", "hawkes")
#: Baselines the pipeline can be asked for by name.
BASELINE_NAMES = ("base_rate", "last_value", "trailing_mean", "conflictology", "lagged_logit",
                  "zero")


def make_model(name: str, *, random_state: int = 0) -> Any:
    """A fresh model or baseline by its pipeline name (see :data:`MODEL_NAMES`)."""
    from riskmodel import models as m

    factories: dict[str, Callable[[], Any]] = {
        "logistic": lambda: m.EscalationClassifier(estimator="logistic"),
        "gbm": lambda: m.EscalationClassifier(estimator="gbm", random_state=random_state),
        "negbin": lambda: m.NegBinModel(),
        "zinb": lambda: m.ZINBModel(),
        "hawkes": lambda: m.HawkesModel(),
        "base_rate": lambda: m.BaseRateBaseline(),
        "last_value": lambda: m.LastValueBaseline(),
        "trailing_mean": lambda: m.TrailingMeanBaseline(),
        "conflictology": lambda: m.ConflictologyBaseline(),
        "lagged_logit": lambda: m.LaggedLogitBaseline(),
        "zero": lambda: m.ZeroBaseline(),
    }
    if name not in factories:
        near = difflib.get_close_matches(name, list(factories), n=1)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise ConfigurationError(
            f"Unknown model {name!r}; expected one of {sorted(factories)}.{hint}")
    return factories[name]()


@dataclass(frozen=True)
class PipelineConfig:
    """What the main job computes. Validated at construction.

    Parameters
    ----------
    freq : {"D", "W", "M"}, default "W"
        Panel period.
    directed : bool, default True
        Directed dyads (``"PAK>AFG"``) or undirected (``"AFG-PAK"``).
    attribution : {"state", "country", "territorial", "any"}, default "territorial"
        How events are attributed to state pairs (see :mod:`riskmodel.panel`).
    label : str, default "material_conflict"
        Escalation definition (see :mod:`riskmodel.labels`).
    label_params : dict, default {"threshold": 5}
        Its parameters.
    horizon : int, default 4
        P(escalation within ``horizon`` periods).
    model : str, default "logistic"
        The model reported (one of :data:`MODEL_NAMES`).
    baselines : tuple of str, default ("conflictology", "lagged_logit", "base_rate")
        Baselines it is compared with; the first is drawn next to it in the reports.
    backtest_periods : int, default 52
        Periods at the end of the panel over which the backtest moves its origin.
    step : int, default 4
        Periods between backtest origins.
    min_train : int, default 104
        Fewest periods of history before the first origin.
    recent_events : int, default 200
        Latest events kept for the reports' tables.
    top : int, optional
        Only the ``top`` riskiest dyads get a report of their own (all stay on the watchlist).
    random_state : int, default 0
        Seed of stochastic models.
    """

    freq: str = "W"
    directed: bool = True
    attribution: str = "territorial"
    label: str = "material_conflict"
    label_params: Mapping[str, Any] = field(default_factory=lambda: {"threshold": 5})
    horizon: int = 4
    model: str = "logistic"
    baselines: tuple[str, ...] = ("conflictology", "lagged_logit", "base_rate")
    backtest_periods: int = 52
    step: int = 4
    min_train: int = 104
    recent_events: int = 200
    top: int | None = None
    random_state: int = 0

    def __post_init__(self) -> None:
        if self.freq not in ("D", "W", "M"):
            raise ConfigurationError(
                f"The 'freq' parameter of PipelineConfig must be one of 'D', 'W', 'M'. Got "
                f"{self.freq!r} instead.")
        for name in ("horizon", "backtest_periods", "step", "min_train", "recent_events"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ConfigurationError(
                    f"The {name!r} parameter of PipelineConfig must be an int >= 1. Got "
                    f"{value!r} instead.")
        if self.model not in MODEL_NAMES:
            near = difflib.get_close_matches(self.model, MODEL_NAMES, n=1)
            raise ConfigurationError(
                f"The 'model' parameter of PipelineConfig must be one of {list(MODEL_NAMES)}. "
                f"Got {self.model!r} instead." + (f" Did you mean {near[0]!r}?" if near else ""))
        object.__setattr__(self, "baselines", tuple(self.baselines))
        if not self.baselines:
            raise ConfigurationError("PipelineConfig needs at least one baseline.")
        for b in self.baselines:
            if b not in BASELINE_NAMES:
                near = difflib.get_close_matches(b, BASELINE_NAMES, n=1)
                raise ConfigurationError(
                    f"Unknown baseline {b!r} in PipelineConfig; expected names from "
                    f"{list(BASELINE_NAMES)}." + (f" Did you mean {near[0]!r}?" if near else ""))
        object.__setattr__(self, "label_params", dict(self.label_params))

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> PipelineConfig:
        """Build a configuration from a dict (e.g. a JSON file), rejecting unknown keys.

        Raises
        ------
        ConfigurationError
            On an unknown key (the nearest valid key is suggested) or a bad value.
        """
        known = [f.name for f in dataclasses.fields(cls)]
        for key in values:
            if key not in known:
                near = difflib.get_close_matches(str(key), known, n=1)
                raise ConfigurationError(
                    f"Unknown configuration key {key!r}; valid keys: {known}."
                    + (f" Did you mean {near[0]!r}?" if near else ""))
        return cls(**dict(values))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> PipelineConfig:
        """Read a configuration from a JSON or TOML file."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"Cannot read the configuration file {p}: {exc}") from exc
        try:
            if p.suffix.lower() == ".toml":
                import tomllib

                values = tomllib.loads(text)
            else:
                values = json.loads(text)
        except ValueError as exc:
            raise ConfigurationError(f"{p} is not valid {p.suffix.lstrip('.').upper() or 'JSON'}"
                                     f": {exc}") from exc
        if not isinstance(values, dict):
            raise ConfigurationError(f"{p} must hold a mapping of configuration keys.")
        return cls.from_mapping(values)

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain values (recorded in the results folder)."""
        out = dataclasses.asdict(self)
        out["baselines"] = list(self.baselines)
        return out


@dataclass
class PipelineResult:
    """What :func:`run_pipeline` produced.

    Attributes
    ----------
    inputs : ReportInputs
        Everything the reports show (panel, forecast ledger, scores, recent events).
    backtest : BacktestResult
        The rolling-origin backtest.
    reports : dict
        Paths of the watchlist (``"index"``) and of each dyad's reports (``"dyads"``).
    results_dir : pathlib.Path
        The saved results folder.
    timings : dict
        Seconds per stage.
    """

    inputs: Any
    backtest: Any
    reports: dict[str, Any]
    results_dir: Path
    timings: dict[str, float]


def _stage(timings: dict[str, float], name: str, progress: Callable[[str], None] | None):
    class _Timer:
        def __enter__(self) -> None:
            self.t0 = time.perf_counter()
            if progress is not None:
                progress(f"{name} ...")

        def __exit__(self, *exc: object) -> None:
            timings[name] = round(time.perf_counter() - self.t0, 2)
            if progress is not None and exc[0] is None:
                progress(f"{name}: {timings[name]:.1f} s")

    return _Timer()


def run_pipeline(store: Any, out_dir: str | os.PathLike[str],
                 config: PipelineConfig | None = None, *, title: str | None = None,
                 synthetic: bool = False, meta: Mapping[str, Any] | None = None,
                 episodes: pd.DataFrame | None = None,
                 progress: Callable[[str], None] | None = None,
                 n_jobs: int = -1) -> PipelineResult:
    """Build the panel, backtest the model against its baselines, forecast, and report.

    Parameters
    ----------
    store : EventStore
        The events.
    out_dir : path-like
        Folder for ``index.html`` and the dyad reports; the results go to ``out_dir/results``.
    config : PipelineConfig, optional
        What to compute (default :class:`PipelineConfig`).
    title : str, optional
        Title of the reports.
    synthetic : bool, default False
        Mark every report as built from synthetic data.
    meta : dict, optional
        Further provenance shown in the reports.
    episodes : pandas.DataFrame, optional
        Known escalation episodes, shaded on the risk plots (the simulated world's ground
        truth).
    progress : callable, optional
        Called with a message at each stage.
    n_jobs : int, default -1
        Processes drawing the dyad reports (``-1``: one per core); the results do not depend
        on it.

    Returns
    -------
    PipelineResult

    Raises
    ------
    StoreError
        If the store holds no events.
    ConfigurationError
        If the panel is too short for the configured backtest.
    """
    from riskmodel.evaluation import backtest, rolling_origin_splits
    from riskmodel.labels import get_label
    from riskmodel.panel import build_panel
    from riskmodel.reporting import ReportInputs, build_reports, save_report_inputs

    config = config or PipelineConfig()
    out = Path(out_dir)
    timings: dict[str, float] = {}
    if store.count() == 0:
        raise StoreError(f"The event store {store.path} holds no events; ingest some first "
                         "(riskmodel ingest KIND PATH --store FILE).")

    with _stage(timings, "panel", progress):
        panel = build_panel(store, freq=config.freq, directed=config.directed,
                            attribution=config.attribution)
    n_periods = len(panel.periods)
    needed = config.min_train + config.backtest_periods + config.horizon
    if n_periods < needed:
        raise ConfigurationError(
            f"The panel has {n_periods} periods; the configured backtest needs at least "
            f"{needed} (min_train {config.min_train} + backtest_periods "
            f"{config.backtest_periods} + horizon {config.horizon}). Lower them or add data.")

    label = get_label(config.label, horizon=config.horizon, **config.label_params)
    models = {config.model: make_model(config.model, random_state=config.random_state)}
    for b in config.baselines:
        models[b] = make_model(b, random_state=config.random_state)
    first_origin = n_periods - config.backtest_periods - config.horizon
    plan = rolling_origin_splits(panel, start=first_origin, step=config.step,
                                 horizons=[config.horizon], holdout=0,
                                 validation=config.backtest_periods // 2,
                                 min_train=config.min_train)
    with _stage(timings, "backtest", progress):
        bt = backtest(panel, models, label=config.label, label_params=config.label_params,
                      origins=plan, baselines=list(config.baselines),
                      random_state=config.random_state)

    with _stage(timings, "forecast", progress):
        live = _live_forecasts(panel, models, config, data_hash=store.data_hash())
    forecasts = pd.concat([bt.forecasts, live], ignore_index=True)

    with _stage(timings, "reports", progress):
        recent = store.events(limit=config.recent_events * 20, order="-date")
        fired = label.fires(panel)
        info = {
            "title": title or "Escalation risk watchlist",
            "synthetic": synthetic,
            "as_of": str(panel.periods[-1].date()),
            "data_hash": store.data_hash(),
            "store": str(store.path),
            "source": "; ".join(f"{row.source}: {row.events:,} events"
                                for row in store.summary().itertuples()),
            "label_definition": label.describe(),
            "config": config.to_dict(),
            **(meta or {}),
        }
        inputs = ReportInputs(panel=panel, forecasts=forecasts, model=config.model,
                              baseline=config.baselines[0], horizon=config.horizon,
                              label=config.label, scores=bt.scores, events=recent,
                              fired=fired, episodes=episodes, meta=info)
        results_dir = out / "results"
        save_report_inputs(inputs, results_dir)
        bt.save(results_dir / "backtest")
        reports = build_reports(inputs, out, top=config.top, n_jobs=n_jobs)
    (results_dir / "timings.json").write_text(json.dumps(timings, indent=1), encoding="utf-8")
    return PipelineResult(inputs=inputs, backtest=bt, reports=reports, results_dir=results_dir,
                          timings=timings)


def _live_forecasts(panel: Any, models: Mapping[str, Any], config: PipelineConfig, *,
                    data_hash: str) -> pd.DataFrame:
    """Fit every model on all labelled history and forecast from the latest period."""
    from sklearn.base import clone

    origin = panel.periods[-1]
    rows = []
    for name, model in models.items():
        fitted = clone(model).fit(panel, label=config.label, horizon=config.horizon,
                                  origin=origin, **config.label_params)
        proba = fitted.predict_proba(panel, origin=origin)
        rows.append(pd.DataFrame({
            "dyad": proba.index.astype(str), "origin": origin, "horizon": config.horizon,
            "label": config.label, "model": name, "probability": proba.to_numpy(float),
            "outcome": np.nan, "partition": "live", "data_hash": data_hash,
        }))
    return pd.concat(rows, ignore_index=True)


def run_default(out_dir: str | os.PathLike[str] = "reports", *,
                data_home: str | os.PathLike[str] | None = None,
                store: str | os.PathLike[str] = "build/default-world.duckdb",
                config: PipelineConfig | None = None,
                progress: Callable[[str], None] | None = None,
                n_jobs: int = -1) -> PipelineResult:
    """Simulate the default world, ingest it like real GDELT files, and run the pipeline.

    The world is simulated once into ``<data_home>/synthetic_default_world`` (see
    :func:`riskmodel.datasets.load_default_world`; reused while its seed and parameters match)
    and ingested into ``store`` through the ``gdelt2`` reader (re-ingesting is idempotent).

    Parameters
    ----------
    out_dir : path-like
        Where the watchlist and the reports go.
    data_home : path-like, optional
        Data folder (default ``$RISKMODEL_DATA`` or ``./data``).
    store : path-like
        The DuckDB store the world is ingested into.
    config : PipelineConfig, optional
    progress : callable, optional
    n_jobs : int, default -1
        Processes drawing the dyad reports (see :func:`run_pipeline`).

    Returns
    -------
    PipelineResult
    """
    from riskmodel.datasets import load_default_world
    from riskmodel.store import EventStore

    timings: dict[str, float] = {}
    with _stage(timings, "simulate", progress):
        world = load_default_world(data_home)
    with _stage(timings, "ingest", progress):
        with EventStore(store) as es:
            report = es.ingest("gdelt2", [world.events_dir])
    if progress is not None:
        progress(f"ingest accounting: {json.dumps(report.counts())}")
    with EventStore(store) as es:
        result = run_pipeline(
            es, out_dir, config, synthetic=True,
            title="Escalation risk watchlist - SYNTHETIC default world",
            meta={"world": str(world.path), "world_seed": world.seed,
                  "world_events": world.n_events, "ingest": report.counts()},
            episodes=world.ground_truth, progress=progress, n_jobs=n_jobs)
    result.timings = {**timings, **result.timings}
    return result
