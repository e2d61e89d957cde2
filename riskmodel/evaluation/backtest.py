"""Rolling-origin backtests: every model at every origin, a forecast ledger, scores and skill.

:func:`backtest` runs each model at each origin of a :class:`~riskmodel.evaluation.splits.SplitPlan`
(an expanding window on the period index). At an origin the model sees only what was known then:

* with ``source=`` (an event store or event frame) the panel is rebuilt from the events whose
  ``available_at`` is at or before the end of the origin period (``build_panel(...,
  as_of=...)``), so late-reported events do not leak backwards;
* otherwise the panel is truncated at the origin (``panel.truncate(origin)``).

Outcomes come from the full panel (the latest knowledge). Every forecast is written to a ledger
(:mod:`riskmodel.evaluation.ledger`), the score table is computed from that ledger, and the skill
of each model against each baseline is given with a moving-block bootstrap interval over origins
and a Diebold-Mariano test.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskmodel.evaluation import scores as S
from riskmodel.evaluation.ledger import (
    LEDGER_COLUMNS,
    append_ledger,
    empty_ledger,
    read_ledger,
    score_ledger,
    validate_ledger,
)
from riskmodel.evaluation.splits import (
    DEFAULT_HORIZONS,
    PARTITIONS,
    Split,
    SplitPlan,
    rolling_origin_splits,
)
from riskmodel.exceptions import ConfigurationError

__all__ = [
    "BacktestResult",
    "backtest",
    "skill_scores",
    "block_bootstrap_skill",
    "diebold_mariano",
    "panel_hash",
    "DEFAULT_SEEDS",
    "HoldoutReport",
    "select_then_holdout",
]

#: Seeds used for stochastic models.
DEFAULT_SEEDS: tuple[int, ...] = (0, 1, 2)

_BASELINE_SUFFIX = "Baseline"


# --------------------------------------------------------------------------------------------
# helpers on panels
# --------------------------------------------------------------------------------------------
def _frame(panel: Any) -> pd.DataFrame:
    if isinstance(panel, pd.DataFrame):
        return panel
    data = getattr(panel, "data", None)
    if isinstance(data, pd.DataFrame):
        return data
    raise ConfigurationError(
        f"backtest needs a DyadPanel (or a DataFrame indexed by ('dyad', 'period')); got "
        f"{type(panel).__name__}. Build one with riskmodel.panel.build_panel(...).")


def _periods(panel: Any) -> pd.DatetimeIndex:
    if hasattr(panel, "periods"):
        return pd.DatetimeIndex(panel.periods)
    return pd.DatetimeIndex(_frame(panel).index.get_level_values("period").unique()).sort_values()


def _dyads(panel: Any) -> pd.Index:
    if hasattr(panel, "dyads"):
        return pd.Index(list(panel.dyads), name="dyad")
    return pd.Index(_frame(panel).index.get_level_values("dyad").unique(), name="dyad")


def panel_hash(panel: Any) -> str:
    """A short content hash of a panel's rows (index and values).

    Two panels with the same rows give the same hash, whatever object holds them.
    """
    frame = _frame(panel)
    h = hashlib.sha256()
    h.update(",".join(map(str, frame.columns)).encode())
    h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return h.hexdigest()[:16]


def _truncate(panel: Any, origin: pd.Timestamp) -> Any:
    if hasattr(panel, "truncate") and not isinstance(panel, pd.DataFrame):
        return panel.truncate(origin)
    frame = _frame(panel)
    return frame[frame.index.get_level_values("period") <= origin]


def _period_end(periods: pd.DatetimeIndex, i: int, freq: str | None) -> pd.Timestamp:
    """Last instant of period ``i`` (one second before the next period starts)."""
    if i + 1 < len(periods):
        nxt = periods[i + 1]
    else:
        off = {"D": pd.offsets.Day(1), "W": pd.offsets.Week(1), "M": pd.offsets.MonthBegin(1)}
        step = off.get(str(freq).upper()[:1]) if freq else None
        nxt = periods[i] + step if step is not None else periods[i] + (periods[i] - periods[i - 1])
    return nxt - pd.Timedelta(seconds=1)


def _view_at(panel: Any, origin: pd.Timestamp, i: int, periods: pd.DatetimeIndex,
             source: Any, panel_kwargs: Mapping[str, Any] | None) -> Any:
    """The panel as it was known at the end of the origin period."""
    if source is None:
        return _truncate(panel, origin)
    from riskmodel.panel import build_panel  # noqa: PLC0415

    kwargs: dict[str, Any] = {
        "freq": getattr(panel, "freq", "W"),
        "directed": getattr(panel, "directed", True),
        "dyads": list(_dyads(panel)),
        "start": periods[0],
    }
    meta = getattr(panel, "meta", {}) or {}
    for k in ("dedup", "attribution", "normalize", "sources"):
        if meta.get(k) is not None:
            kwargs[k] = meta[k]
    kwargs.update(panel_kwargs or {})
    kwargs["end"] = _period_end(periods, i, kwargs.get("freq"))
    kwargs["as_of"] = kwargs["end"]
    view = build_panel(source, **kwargs)
    # the rebuilt panel may reach past the origin only through rounding; cut it
    return _truncate(view, origin)


def _is_baseline(name: str, model: Any) -> bool:
    tags = _tags(model)
    if tags.get("baseline") is not None:
        return bool(tags["baseline"])
    return type(model).__name__.endswith(_BASELINE_SUFFIX)


def _tags(model: Any) -> dict[str, Any]:
    if hasattr(model, "get_tags"):
        try:
            return dict(model.get_tags())
        except TypeError:
            pass
    return dict(getattr(model, "_tags", {}) or {})


def _clone(model: Any, seed: int | None) -> Any:
    try:
        from sklearn.base import clone  # noqa: PLC0415

        m = clone(model)
    except Exception:  # noqa: BLE001 - objects that are not sklearn estimators
        m = copy.deepcopy(model)
    if seed is not None and hasattr(m, "get_params") and "random_state" in m.get_params():
        m.set_params(random_state=seed)
    return m


# --------------------------------------------------------------------------------------------
# labels and truth
# --------------------------------------------------------------------------------------------
class _Truth:
    """Labels, per-period label events and count targets of the full panel, as arrays."""

    def __init__(self, panel: Any, label: str, label_params: Mapping[str, Any]) -> None:
        from riskmodel.models.base import LabelSpec, PanelArrays, fires_array  # noqa: PLC0415

        self.arrays = PanelArrays(panel, "backtest")
        self.label = label
        self.params = dict(label_params)
        self.dyads = self.arrays.dyads
        self.periods = self.arrays.periods
        self._LabelSpec = LabelSpec
        self.fires = fires_array(self.arrays, LabelSpec(label, 1, self.params))
        self._labels: dict[int, np.ndarray] = {}
        self._quiet: dict[int, np.ndarray] = {}

    def labels(self, horizon: int) -> np.ndarray:
        if horizon not in self._labels:
            from riskmodel.models.base import labels_array  # noqa: PLC0415

            self._labels[horizon] = labels_array(
                self.arrays, self._LabelSpec(self.label, horizon, self.params))
        return self._labels[horizon]

    def quiet(self, k: int) -> np.ndarray:
        """True where the label did not fire in the ``k`` periods up to and including t."""
        if k not in self._quiet:
            f = (self.fires > 0).astype(float)
            c = np.concatenate([np.zeros((f.shape[0], 1)), np.cumsum(f, axis=1)], axis=1)
            idx = np.arange(f.shape[1])
            lo = np.clip(idx + 1 - k, 0, None)
            self._quiet[k] = (c[:, idx + 1] - c[:, lo]) == 0
        return self._quiet[k]

    def column(self, name: str) -> np.ndarray:
        return self.arrays.column(name)


# --------------------------------------------------------------------------------------------
# skill
# --------------------------------------------------------------------------------------------
def diebold_mariano(loss_a: np.ndarray, loss_b: np.ndarray, *, lag: int = 0
                    ) -> tuple[float, float]:
    """Diebold-Mariano test of equal mean loss on paired per-origin losses.

    Parameters
    ----------
    loss_a, loss_b : ndarray
        Mean losses per origin (same origins, in time order).
    lag : int, default 0
        Newey-West lags of the long-run variance (``h - 1`` for overlapping h-period windows).

    Returns
    -------
    (statistic, p_value)
        Two-sided p-value from the normal approximation; NaN when fewer than 3 origins or the
        differences have no variance.
    """
    from scipy import stats  # noqa: PLC0415

    d = np.asarray(loss_a, float) - np.asarray(loss_b, float)
    n = d.size
    if n < 3:
        return float("nan"), float("nan")
    dc = d - d.mean()
    var = np.dot(dc, dc) / n
    for j in range(1, min(lag, n - 1) + 1):
        w = 1.0 - j / (lag + 1.0)
        var += 2.0 * w * np.dot(dc[j:], dc[:-j]) / n
    if not var > 0:
        return float("nan"), float("nan")
    stat = d.mean() / math.sqrt(var / n)
    return float(stat), float(2.0 * stats.norm.sf(abs(stat)))


def _block_indices(n: int, block: int, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Moving-block (circular) bootstrap resamples of ``0..n-1``: shape (n_boot, n)."""
    n_blocks = int(math.ceil(n / block))
    starts = rng.integers(0, n, size=(n_boot, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]) % n
    return idx.reshape(n_boot, -1)[:, :n]


def block_bootstrap_skill(loss_model: np.ndarray, loss_base: np.ndarray, weights: np.ndarray,
                          *, n_boot: int = 1000, block: int | None = None, level: float = 0.95,
                          random_state: int = 0) -> tuple[float, float, float]:
    """Skill ``1 - L_model / L_base`` with a moving-block bootstrap interval over origins.

    Parameters
    ----------
    loss_model, loss_base : ndarray of shape (n_origins,)
        Summed losses per origin (in time order).
    weights : ndarray of shape (n_origins,)
        Cases per origin (unused by the ratio but kept for symmetry with weighted means).
    n_boot : int, default 1000
        Bootstrap replicates.
    block : int, optional
        Block length in origins; default ``ceil(n ** (1/3))``.
    level : float, default 0.95
        Coverage of the percentile interval.

    Returns
    -------
    (skill, low, high)
    """
    lm = np.asarray(loss_model, float)
    lb = np.asarray(loss_base, float)
    n = lm.size
    base_total = lb.sum()
    skill = 1.0 - lm.sum() / base_total if base_total > 0 else float("nan")
    if n < 2 or n_boot < 1:
        return float(skill), float("nan"), float("nan")
    block = block or max(1, int(math.ceil(n ** (1 / 3))))
    rng = np.random.default_rng(random_state)
    idx = _block_indices(n, min(block, n), rng, n_boot)
    num = lm[idx].sum(axis=1)
    den = lb[idx].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        reps = 1.0 - num / den
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return float(skill), float("nan"), float("nan")
    a = (1 - level) / 2
    return float(skill), float(np.quantile(reps, a)), float(np.quantile(reps, 1 - a))


def _aupr_bootstrap(yb: list[np.ndarray], pm: list[np.ndarray], pb: list[np.ndarray], *,
                    n_boot: int, block: int | None, level: float, random_state: int
                    ) -> tuple[float, float, float]:
    """AUPR difference (model - baseline) with a block-bootstrap interval over origins."""
    def diff(sel: np.ndarray) -> float:
        y = np.concatenate([yb[i] for i in sel])
        if y.sum() == 0:
            return float("nan")
        return S.average_precision(y, np.concatenate([pm[i] for i in sel])) - \
            S.average_precision(y, np.concatenate([pb[i] for i in sel]))

    n = len(yb)
    point = diff(np.arange(n))
    if n < 2 or n_boot < 1 or not np.isfinite(point):
        return point, float("nan"), float("nan")
    block = block or max(1, int(math.ceil(n ** (1 / 3))))
    rng = np.random.default_rng(random_state)
    idx = _block_indices(n, min(block, n), rng, n_boot)
    reps = np.array([diff(r) for r in idx])
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return point, float("nan"), float("nan")
    a = (1 - level) / 2
    return point, float(np.quantile(reps, a)), float(np.quantile(reps, 1 - a))


def skill_scores(ledger: pd.DataFrame, baselines: Sequence[str], *,
                 by: Sequence[str] = ("horizon", "partition"), n_boot: int = 1000,
                 n_boot_aupr: int = 200, block: int | None = None, level: float = 0.95,
                 random_state: int = 0) -> pd.DataFrame:
    """Skill of every model against every baseline, from a forecast ledger.

    For each group (default: horizon and partition), model and baseline: the Brier skill score
    ``1 - BS_model / BS_baseline`` and the log-loss skill score, each with a moving-block
    bootstrap interval over origins, a Diebold-Mariano test on the per-origin mean Brier
    difference (Newey-West lags ``h - 1``), and the AUPR difference with its bootstrap interval.
    Stochastic models enter with their forecasts averaged over seeds.

    Returns
    -------
    DataFrame
        Columns: ``by``, ``model``, ``baseline``, ``n_origins``, ``brier_skill``,
        ``brier_skill_low``, ``brier_skill_high``, ``log_loss_skill``, ``log_loss_skill_low``,
        ``log_loss_skill_high``, ``dm_stat``, ``dm_pvalue``, ``aupr_diff``, ``aupr_diff_low``,
        ``aupr_diff_high``.
    """
    frame = validate_ledger(ledger)
    keys = ["dyad", "origin", "horizon", "partition", "model"]
    mean_p = (frame.groupby(keys, sort=False, observed=True)
              .agg(probability=("probability", "mean"), outcome=("outcome", "first"))
              .reset_index())
    eps = 1e-15
    p = mean_p["probability"].clip(eps, 1 - eps)
    y = mean_p["outcome"]
    mean_p["bs"] = (mean_p["probability"] - y) ** 2
    mean_p["ll"] = -(y * np.log(p) + (1 - y) * np.log1p(-p))
    rows = []
    for gkey, g in mean_p.groupby(list(by), sort=True):
        gkey = gkey if isinstance(gkey, tuple) else (gkey,)
        per = {m: gm.set_index(["origin", "dyad"])[["bs", "ll", "probability", "outcome"]]
               for m, gm in g.groupby("model", sort=True)}
        h = int(dict(zip(by, gkey)).get("horizon", 1))
        for b in baselines:
            if b not in per:
                continue
            for m in per:
                if m == b:
                    continue
                sub = per[m].join(per[b], how="inner", suffixes=("", "_b")).sort_index()
                if sub.empty:
                    continue
                og = sub.groupby(level="origin", sort=True)
                sums = og[["bs", "bs_b", "ll", "ll_b"]].sum()
                counts = og.size().to_numpy()
                bss = block_bootstrap_skill(sums["bs"].to_numpy(), sums["bs_b"].to_numpy(),
                                            counts, n_boot=n_boot, block=block, level=level,
                                            random_state=random_state)
                lls = block_bootstrap_skill(sums["ll"].to_numpy(), sums["ll_b"].to_numpy(),
                                            counts, n_boot=n_boot, block=block, level=level,
                                            random_state=random_state)
                dm = diebold_mariano(sums["bs"].to_numpy() / counts,
                                     sums["bs_b"].to_numpy() / counts, lag=max(h - 1, 0))
                cuts = np.r_[0, np.cumsum(counts)]
                yv = sub["outcome"].to_numpy(float)
                pv = sub["probability"].to_numpy(float)
                bv = sub["probability_b"].to_numpy(float)
                ys = [yv[cuts[k]:cuts[k + 1]] for k in range(len(counts))]
                pms = [pv[cuts[k]:cuts[k + 1]] for k in range(len(counts))]
                pbs = [bv[cuts[k]:cuts[k + 1]] for k in range(len(counts))]
                ap = _aupr_bootstrap(ys, pms, pbs, n_boot=n_boot_aupr, block=block, level=level,
                                     random_state=random_state)
                rec = dict(zip(by, gkey))
                rec.update(model=m, baseline=b, n_origins=len(counts),
                           brier_skill=bss[0], brier_skill_low=bss[1], brier_skill_high=bss[2],
                           log_loss_skill=lls[0], log_loss_skill_low=lls[1],
                           log_loss_skill_high=lls[2], dm_stat=dm[0], dm_pvalue=dm[1],
                           aupr_diff=ap[0], aupr_diff_low=ap[1], aupr_diff_high=ap[2])
                rows.append(rec)
    cols = list(by) + ["model", "baseline", "n_origins", "brier_skill", "brier_skill_low",
                       "brier_skill_high", "log_loss_skill", "log_loss_skill_low",
                       "log_loss_skill_high", "dm_stat", "dm_pvalue", "aupr_diff",
                       "aupr_diff_low", "aupr_diff_high"]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------------------------
@dataclass
class BacktestResult:
    """What a backtest produced.

    Attributes
    ----------
    forecasts : DataFrame
        The forecast ledger (see :mod:`riskmodel.evaluation.ledger`).
    scores : DataFrame
        Scores per model, horizon, partition and subgroup (``all`` / ``onset`` /
        ``continuation``), computed from ``forecasts`` by
        :func:`~riskmodel.evaluation.ledger.score_ledger`.
    skill : DataFrame
        Skill of each model against each baseline (see :func:`skill_scores`).
    reliability : DataFrame
        Reliability curves per model, horizon and partition (10 equal-width bins).
    plan : SplitPlan
        The splits that were run.
    baselines : tuple of str
        Names of the models treated as baselines.
    meta : dict
        Label, parameters, horizons, seeds, panel hash, timings and failures.
    """

    forecasts: pd.DataFrame
    scores: pd.DataFrame
    skill: pd.DataFrame
    reliability: pd.DataFrame
    plan: SplitPlan | None
    baselines: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    def table(self, metrics: Sequence[str] = ("brier", "log_loss", "auroc", "aupr",
                                              "prevalence"),
              *, subgroup: str = "all", partition: str | None = None) -> pd.DataFrame:
        """Scores of one subgroup as a wide table: rows (model, horizon), columns metrics.

        ``partition=None`` keeps every partition as an index level.
        """
        s = self.scores
        s = s[s["subgroup"] == subgroup]
        if partition is not None:
            s = s[s["partition"] == partition]
        idx = ["partition", "horizon", "model"] if partition is None else ["horizon", "model"]
        cols = [m for m in metrics if m in s.columns]
        return s.set_index(idx)[cols].sort_index()

    def best_model(self, *, metric: str = "brier", partition: str = "validation",
                   exclude_baselines: bool = True) -> str:
        """The model with the best mean score over horizons on one partition.

        Lower is better for ``brier``/``log_loss``/``crps``; higher for ``auroc``/``aupr``.
        """
        s = self.scores
        s = s[(s["subgroup"] == "all") & (s["partition"] == partition)]
        if exclude_baselines:
            s = s[~s["model"].isin(self.baselines)]
        if s.empty:
            raise ConfigurationError(f"No scores for partition {partition!r}; run the backtest "
                                     "with it in 'partitions'.")
        m = s.groupby("model")[metric].mean()
        higher = metric in ("auroc", "aupr", "resolution", "top_k_precision", "coverage")
        return str(m.idxmax() if higher else m.idxmin())

    def summary(self, *, partition: str | None = None) -> str:
        """Text table of the main scores and the skill against each baseline."""
        with pd.option_context("display.width", 160, "display.max_columns", 30,
                               "display.float_format", "{:.4f}".format):
            parts = [f"label {self.meta.get('label')!r} {self.meta.get('label_params') or ''}; "
                     f"{self.meta.get('n_forecasts', len(self.forecasts))} forecasts, "
                     f"panel hash {self.meta.get('panel_hash')}",
                     str(self.table(partition=partition))]
            if not self.skill.empty:
                sk = self.skill if partition is None else \
                    self.skill[self.skill["partition"] == partition]
                if (~sk["model"].isin(self.baselines)).any():
                    sk = sk[~sk["model"].isin(self.baselines)]
                parts.append("skill vs baselines (Brier skill, 95% block-bootstrap interval):")
                parts.append(str(sk[["partition", "horizon", "model", "baseline", "brier_skill",
                                     "brier_skill_low", "brier_skill_high", "dm_pvalue",
                                     "aupr_diff"]].to_string(index=False)))
            if self.meta.get("failures"):
                parts.append(f"failures: {self.meta['failures']}")
        return "\n".join(parts)

    def to_csv(self, directory: str | Path) -> dict[str, Path]:
        """Write ``forecasts.csv``, ``scores.csv``, ``skill.csv`` and ``reliability.csv``.

        Returns
        -------
        dict
            Name -> path written.
        """
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        out = {}
        for name in ("forecasts", "scores", "skill", "reliability"):
            p = d / f"{name}.csv"
            getattr(self, name).to_csv(p, index=False)
            out[name] = p
        return out

    def save(self, directory: str | Path) -> dict[str, Path]:
        """Write the ledger as Parquet (``ledger.parquet``), the tables as CSV and ``meta.json``.

        Returns
        -------
        dict
            Name -> path written.
        """
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        out = {"ledger": append_ledger(d / "ledger.parquet", self.forecasts)}
        for name in ("scores", "skill", "reliability"):
            p = d / f"{name}.csv"
            getattr(self, name).to_csv(p, index=False)
            out[name] = p
        meta = d / "meta.json"
        meta.write_text(json.dumps(self.meta, indent=2, default=str))
        out["meta"] = meta
        return out


# --------------------------------------------------------------------------------------------
# backtest
# --------------------------------------------------------------------------------------------
def _resolve_plan(panel: Any, origins: Any, horizons: Sequence[int]) -> SplitPlan | list[Split]:
    if origins is None:
        return rolling_origin_splits(panel, horizons=horizons)
    if isinstance(origins, SplitPlan):
        return origins
    origins = list(origins)
    if origins and all(isinstance(o, Split) for o in origins):
        return origins
    periods = _periods(panel)
    splits = []
    for o in origins:
        ts = pd.Timestamp(o)
        i = int(periods.searchsorted(ts, side="right")) - 1
        if i < 0:
            raise ConfigurationError(f"Origin {ts.date()} precedes the panel's first period "
                                     f"{periods[0].date()}.")
        for h in horizons:
            if i + h < len(periods):
                splits.append(Split(periods[i], i, int(h), "validation", periods[i + 1],
                                    periods[i + h]))
    if not splits:
        raise ConfigurationError("None of the given origins leaves a full outcome window in "
                                 "the panel; choose earlier origins or shorter horizons.")
    return splits


def _count_columns(model: Any, forecast: Any, step: int, truth_counts: np.ndarray | None,
                   rows: np.ndarray, alpha: float) -> dict[str, np.ndarray]:
    """Per-dyad count-forecast columns for the period at ``step`` (1-based)."""
    n = len(rows)
    mean = forecast.mean_[:, step - 1]
    lower, upper = forecast.interval(alpha)
    lo = lower.to_numpy()[:, step - 1]
    hi = upper.to_numpy()[:, step - 1]
    out = {"mean": mean, "lower": lo, "upper": hi,
           "crps": np.full(n, np.nan), "ignorance": np.full(n, np.nan)}
    if truth_counts is not None:
        y = np.nan_to_num(truth_counts, nan=0.0)
        ok = ~np.isnan(truth_counts)
        if forecast.pmf_ is not None:
            pmf = forecast.pmf_[:, step - 1, :]
            out["crps"] = np.where(ok, S.crps_pmf(y, pmf), np.nan)
            out["ignorance"] = np.where(ok, S.ignorance_score(y, pmf), np.nan)
        else:
            smp = np.asarray(forecast.samples_[:, step - 1, :], float)
            out["crps"] = np.where(ok, S.crps_samples(y, smp), np.nan)
            kmax = int(max(np.nanmax(smp) if smp.size else 0, 1))
            pmf = np.stack([np.bincount(r.astype(int), minlength=kmax + 1)[: kmax + 1]
                            for r in smp]).astype(float)
            out["ignorance"] = np.where(ok, S.ignorance_score(y, pmf), np.nan)
    return out


def _reliability_frame(ledger: pd.DataFrame) -> pd.DataFrame:
    parts = []
    if ledger.empty:
        return pd.DataFrame()
    for (m, h, part), g in ledger.groupby(["model", "horizon", "partition"], sort=True):
        rc = S.reliability_curve(g["outcome"].to_numpy(float), g["probability"].to_numpy(float))
        rc.insert(0, "partition", part)
        rc.insert(0, "horizon", h)
        rc.insert(0, "model", m)
        parts.append(rc)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def backtest(
    panel: Any,
    models: Mapping[str, Any],
    *,
    label: str = "material_conflict",
    horizons: int | Sequence[int] = DEFAULT_HORIZONS,
    origins: SplitPlan | Sequence[Any] | None = None,
    label_params: Mapping[str, Any] | None = None,
    partitions: Sequence[str] = ("calibration", "validation"),
    source: Any = None,
    panel_kwargs: Mapping[str, Any] | None = None,
    baselines: Sequence[str] | None = None,
    seeds: Sequence[int] = DEFAULT_SEEDS,
    onset_window: int = 12,
    alpha: float = 0.05,
    top_k: int | None = 10,
    n_boot: int = 1000,
    n_boot_aupr: int = 200,
    block: int | None = None,
    ledger: str | Path | None = None,
    allow_holdout_rerun: bool = False,
    on_error: str = "raise",
    random_state: int = 0,
    progress: bool = False,
    n_jobs: int | None = 1,
) -> BacktestResult:
    """Run every model at every origin and score the forecasts.

    Parameters
    ----------
    panel : DyadPanel
        The full panel (outcomes are read from it).
    models : dict of name -> model
        Models following the :mod:`riskmodel.models` interface (``fit(panel, label=, horizon=,
        origin=, **label_params)``, ``predict_proba(panel, origin=)``; count models also
        ``predict_counts``). Each is cloned for every origin, horizon and seed.
    label : str, default "material_conflict"
        Escalation definition (:mod:`riskmodel.labels`).
    horizons : int or sequence of int, default (1, 3, 6, 12)
        Horizons in periods (ignored when ``origins`` is a plan or a list of splits).
    origins : SplitPlan, list of Split, sequence of dates, or None
        Where to forecast. ``None`` builds :func:`rolling_origin_splits` with its defaults.
        Plain dates are scored as the ``validation`` partition.
    label_params : dict, optional
        Parameters of the label (e.g. ``{"threshold": 3}``).
    partitions : sequence of str, default ("calibration", "validation")
        Partitions of the plan to run. The ``holdout`` partition is the held-out future: ask
        for it explicitly, once, after choosing the model.
    source : EventStore or DataFrame, optional
        The events the panel was built from; when given, the panel at each origin is rebuilt
        from the events available (``available_at``) by the end of the origin period.
    panel_kwargs : dict, optional
        Extra arguments for :func:`riskmodel.panel.build_panel` when ``source`` is given.
    baselines : sequence of str, optional
        Names (keys of ``models``) to treat as baselines; default: models whose class name ends
        in ``Baseline`` or whose tags say ``baseline=True``.
    seeds : sequence of int, default (0, 1, 2)
        Seeds for models tagged ``stochastic`` (set as ``random_state``).
    onset_window : int, default 12
        A forecast is an *onset* case when the label did not fire in the ``onset_window``
        periods up to the origin, else a *continuation* case.
    alpha : float, default 0.05
        Count models: central ``1 - alpha`` prediction interval.
    top_k : int, optional, default 10
        Watchlist length for ``top_k_precision`` (per origin, averaged).
    n_boot, n_boot_aupr : int
        Bootstrap replicates for the Brier/log-loss skill and for the AUPR difference.
    block : int, optional
        Bootstrap block length in origins (default ``ceil(n_origins ** (1/3))``).
    ledger : path, optional
        Append the forecasts to this ledger file (``.parquet`` or ``.csv``).
    allow_holdout_rerun : bool, default False
        Allow scoring the holdout partition again although ``ledger`` already holds holdout
        forecasts of this label.
    on_error : {"raise", "warn"}
        What to do when a model fails at an origin: raise, or warn, record it in
        ``meta["failures"]`` and go on.
    random_state : int, default 0
        Seed of the bootstrap.
    progress : bool, default False
        Print one line per origin to stderr.
    n_jobs : int or None, default 1
        Origins run in parallel on this many workers (joblib; ``-1`` = all cores). The ledger
        is the same as with one worker. Worker processes receive a copy of the panel; with an
        event store as ``source`` the workers are threads sharing its connection.

    Returns
    -------
    BacktestResult

    Raises
    ------
    ConfigurationError
        On a bad parameter, an unknown partition or baseline, or a second look at the holdout.
    """
    if not models:
        raise ConfigurationError("backtest needs at least one model in 'models'.")
    if on_error not in ("raise", "warn"):
        S._unknown("on_error", on_error, ("raise", "warn"))
    label_params = dict(label_params or {})
    hs = (horizons,) if isinstance(horizons, (int, np.integer)) else tuple(horizons)
    for p in partitions:
        if p not in PARTITIONS:
            S._unknown("partitions", p, PARTITIONS)
    if not isinstance(onset_window, (int, np.integer)) or onset_window < 1:
        raise ConfigurationError(f"The 'onset_window' parameter must be an int >= 1. Got "
                                 f"{onset_window!r} instead.")
    if baselines is None:
        baselines = tuple(n for n, m in models.items() if _is_baseline(n, m))
    else:
        baselines = tuple(baselines)
        for b in baselines:
            if b not in models:
                import difflib  # noqa: PLC0415

                near = difflib.get_close_matches(b, list(models), n=1)
                hint = f" Did you mean {near[0]!r}?" if near else ""
                raise ConfigurationError(f"Baseline {b!r} is not one of the models "
                                         f"{list(models)}.{hint}")
    plan = _resolve_plan(panel, origins, hs)
    splits = plan.select(partition=tuple(partitions)) if isinstance(plan, SplitPlan) else \
        [s for s in plan if s.partition in partitions]
    if not splits:
        raise ConfigurationError(f"The plan has no splits in partitions {list(partitions)}; "
                                 "check 'origins', 'horizons' and the partition sizes.")
    if "holdout" in partitions and ledger is not None and Path(ledger).is_file() \
            and not allow_holdout_rerun:
        old = read_ledger(ledger)
        seen = old[(old["partition"] == "holdout") & (old["label"] == label)]
        if not seen.empty:
            raise ConfigurationError(
                f"The ledger {ledger} already holds {len(seen)} holdout forecasts of label "
                f"{label!r} (models {sorted(seen['model'].unique())}): the held-out future is "
                "scored once. Score the validation partition instead, or pass "
                "allow_holdout_rerun=True and report that the holdout was reused.")

    t0 = time.perf_counter()
    truth = _Truth(panel, label, label_params)
    periods = truth.periods
    quiet = truth.quiet(onset_window)
    full_hash = panel_hash(panel)
    run_id = hashlib.sha256(json.dumps(
        [full_hash, label, sorted(map(str, label_params.items())), sorted(models),
         [(str(s.origin), s.horizon) for s in splits]], default=str).encode()).hexdigest()[:12]

    by_origin: dict[int, list[Split]] = {}
    for s in splits:
        by_origin.setdefault(s.origin_index, []).append(s)
    for h in {s.horizon for s in splits}:
        truth.labels(h)  # computed once here, not in every worker
    job = _OriginJob(panel=panel, truth=truth, source=source, panel_kwargs=panel_kwargs,
                     models=dict(models), label=label, label_params=label_params,
                     seeds=tuple(seeds), on_error=on_error, alpha=alpha, run_id=run_id,
                     quiet=quiet)
    order = sorted(by_origin)
    workers = _n_workers(n_jobs, len(order))
    if workers == 1:
        results = []
        for oi, i in enumerate(order):
            if progress:
                print(f"backtest: origin {periods[i].date()} ({oi + 1}/{len(order)})",
                      file=sys.stderr)
            results.append(job.run(i, by_origin[i]))
    else:
        from joblib import Parallel, delayed  # noqa: PLC0415

        # An event store's DuckDB connection cannot travel to another process.
        prefer = "threads" if source is not None and not isinstance(source, pd.DataFrame) \
            else "processes"
        results = Parallel(n_jobs=workers, prefer=prefer, verbose=10 if progress else 0)(
            delayed(job.run)(i, by_origin[i]) for i in order)
    frames: list[pd.DataFrame] = []
    failures: list[dict[str, Any]] = []
    timings: dict[str, float] = {name: 0.0 for name in models}
    for part_frames, part_failures, part_timings in results:
        frames += part_frames
        failures += part_failures
        for name, seconds in part_timings.items():
            timings[name] += seconds
        for f in part_failures:
            warnings.warn(f"backtest: {f['model']} failed at {f['origin']} h={f['horizon']}: "
                          f"{f['error']}", RuntimeWarning, stacklevel=2)
    forecasts = validate_ledger(pd.concat(frames, ignore_index=True)) if frames else empty_ledger()
    forecasts = forecasts[list(LEDGER_COLUMNS)]
    if forecasts.empty:
        raise ConfigurationError(f"The backtest produced no forecasts ({len(failures)} model "
                                 f"failures: {failures[:3]}).")
    scores = score_ledger(forecasts, top_k=top_k)
    skill = skill_scores(forecasts, baselines, n_boot=n_boot, n_boot_aupr=n_boot_aupr,
                         block=block, random_state=random_state) if baselines else \
        pd.DataFrame()
    reliability = _reliability_frame(forecasts)
    if ledger is not None:
        append_ledger(ledger, forecasts)
    meta = {
        "label": label, "label_params": {k: v for k, v in label_params.items()
                                         if k != "ground_truth"},
        "horizons": sorted({s.horizon for s in splits}), "partitions": list(partitions),
        "n_origins": len(by_origin), "n_forecasts": len(forecasts), "seeds": list(seeds),
        "onset_window": int(onset_window), "panel_hash": full_hash, "run_id": run_id,
        "as_of_rebuild": source is not None, "seconds": time.perf_counter() - t0,
        "model_seconds": timings, "failures": failures,
        "models": {n: type(m).__name__ for n, m in models.items()},
        "baselines": list(baselines),
    }
    return BacktestResult(forecasts=forecasts, scores=scores, skill=skill,
                          reliability=reliability,
                          plan=plan if isinstance(plan, SplitPlan) else None,
                          baselines=tuple(baselines), meta=meta)


def _n_workers(n_jobs: int | None, n_tasks: int) -> int:
    import os  # noqa: PLC0415

    if n_jobs is None or n_jobs == 1:
        return 1
    if not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0 or n_jobs < -1:
        raise ConfigurationError(f"The 'n_jobs' parameter must be a positive int, -1 or None. "
                                 f"Got {n_jobs!r} instead.")
    cores = os.cpu_count() or 1
    return max(1, min(n_tasks, cores if n_jobs == -1 else int(n_jobs)))


@dataclass
class _OriginJob:
    """Everything one origin's forecasts need; :meth:`run` is what a worker executes."""

    panel: Any
    truth: _Truth
    source: Any
    panel_kwargs: Mapping[str, Any] | None
    models: dict[str, Any]
    label: str
    label_params: dict[str, Any]
    seeds: tuple[int, ...]
    on_error: str
    alpha: float
    run_id: str
    quiet: np.ndarray

    def run(self, i: int, splits: list[Split]
            ) -> tuple[list[pd.DataFrame], list[dict[str, Any]], dict[str, float]]:
        """Ledger rows, failures and model seconds of every model and split at origin ``i``."""
        truth, periods, dyads = self.truth, self.truth.periods, self.truth.dyads
        origin = periods[i]
        view = _view_at(self.panel, origin, i, periods, self.source, self.panel_kwargs)
        vhash = panel_hash(view)
        subgroup = np.where(self.quiet[:, i], "onset", "continuation")
        frames: list[pd.DataFrame] = []
        failures: list[dict[str, Any]] = []
        timings: dict[str, float] = {name: 0.0 for name in self.models}
        for s in splits:
            y_all = truth.labels(s.horizon)[:, i]
            for name, proto in self.models.items():
                tags = _tags(proto)
                seed_list: list[int | None] = list(self.seeds) if tags.get("stochastic") \
                    else [None]
                for seed in seed_list:
                    tm = time.perf_counter()
                    try:
                        model = _clone(proto, seed)
                        model.fit(view, label=self.label, horizon=s.horizon, origin=origin,
                                  **self.label_params)
                        proba = model.predict_proba(view, origin=origin)
                        counts = None
                        if tags.get("predicts_counts") and hasattr(model, "predict_counts"):
                            counts = model.predict_counts(view, origin=origin,
                                                          horizon=s.horizon)
                    except Exception as exc:  # noqa: BLE001 - reported or re-raised
                        if self.on_error == "raise":
                            raise
                        failures.append({"model": name, "origin": str(origin.date()),
                                         "horizon": s.horizon, "seed": seed,
                                         "error": f"{type(exc).__name__}: {exc}"})
                        continue
                    finally:
                        timings[name] += time.perf_counter() - tm
                    proba = pd.Series(proba).reindex(dyads)
                    ok = np.isfinite(y_all) & proba.notna().to_numpy()
                    if not ok.any():
                        continue
                    rows = np.nonzero(ok)[0]
                    rec: dict[str, Any] = {
                        "dyad": dyads[rows].astype(str),
                        "origin": origin,
                        "horizon": s.horizon,
                        "label": self.label,
                        "model": name,
                        "seed": seed,
                        "partition": s.partition,
                        "subgroup": subgroup[rows],
                        "probability": np.clip(proba.to_numpy(float)[rows], 0.0, 1.0),
                        "outcome": y_all[rows],
                        "data_hash": vhash,
                        "run_id": self.run_id,
                    }
                    if counts is not None:
                        target = getattr(model, "target_", None) or getattr(counts, "target", None)
                        cf_rows = pd.Index(counts.dyads).get_indexer(dyads[rows])
                        tc = None
                        if target is not None and i + s.horizon < len(periods):
                            tc = truth.column(target)[rows, i + s.horizon]
                            tc = np.where(cf_rows >= 0, tc, np.nan)
                        cc = _count_columns(model, _SubForecast(counts, cf_rows), s.horizon, tc,
                                            rows, self.alpha)
                        rec.update(target=target, count_outcome=tc, **cc)
                    frames.append(pd.DataFrame(rec))
        return frames, failures, timings


class _SubForecast:
    """Rows of a CountForecast selected by position (``-1``: dyad unknown to the model)."""

    def __init__(self, fc: Any, rows: np.ndarray) -> None:
        self._fc = fc
        self._rows = rows
        self._valid = rows >= 0
        r = np.where(self._valid, rows, 0)
        self.mean_ = np.where(self._valid[:, None], fc.mean_[r], np.nan)
        self.pmf_ = None if fc.pmf_ is None else fc.pmf_[r]
        self.samples_ = None if getattr(fc, "samples_", None) is None else fc.samples_[r]

    def interval(self, alpha: float) -> tuple[pd.DataFrame, pd.DataFrame]:
        lo, hi = self._fc.interval(alpha)
        r = np.where(self._valid, self._rows, 0)
        lo = lo.to_numpy()[r]
        hi = hi.to_numpy()[r]
        lo[~self._valid] = np.nan
        hi[~self._valid] = np.nan
        return pd.DataFrame(lo), pd.DataFrame(hi)


# --------------------------------------------------------------------------------------------
# model choice on validation, then one look at the held-out future
# --------------------------------------------------------------------------------------------
@dataclass
class HoldoutReport:
    """A model chosen on the validation partition and then scored once on the holdout.

    Attributes
    ----------
    chosen : str
        Name of the chosen model.
    validation : BacktestResult
        Every candidate and baseline on the calibration and validation partitions.
    holdout : BacktestResult
        The chosen model and the baselines on the holdout partition.
    comparison : DataFrame
        Per horizon: the chosen model's holdout Brier and AUPR, the best baseline value of
        each, and whether the model beats *every* baseline on each.
    reliability : DataFrame
        The chosen model's holdout reliability bins holding at least ``min_count`` cases, with
        ``within`` (``|observed - mean_predicted| <= tol``).
    """

    chosen: str
    validation: BacktestResult
    holdout: BacktestResult
    comparison: pd.DataFrame
    reliability: pd.DataFrame

    @property
    def beats_every_baseline(self) -> bool:
        """True when the chosen model beats each baseline on Brier and AUPR at every horizon."""
        c = self.comparison
        return bool(len(c) and c["beats_all_brier"].all() and c["beats_all_aupr"].all())

    @property
    def reliable(self) -> bool:
        """True when every well-filled reliability bin is within the tolerance."""
        r = self.reliability
        return bool(len(r) and r["within"].all())

    def summary(self) -> str:
        """Text report: the choice, the holdout comparison and the reliability check."""
        with pd.option_context("display.width", 160, "display.float_format",
                               "{:.4f}".format):
            return "\n".join([
                f"chosen on validation: {self.chosen}",
                "holdout, chosen model vs the best baseline per metric:",
                self.comparison.to_string(index=False),
                f"beats every baseline on Brier and AUPR at every horizon: "
                f"{self.beats_every_baseline}",
                "holdout reliability bins with enough cases:",
                self.reliability.to_string(index=False) if len(self.reliability) else "(none)",
                f"all within tolerance: {self.reliable}",
            ])


def select_then_holdout(panel: Any, candidates: Mapping[str, Any],
                        baselines: Mapping[str, Any], *, plan: SplitPlan,
                        metric: str = "brier", tol: float = 0.05, min_count: int = 50,
                        ledger: str | Path | None = None, **kwargs: Any) -> HoldoutReport:
    """Choose a model on the validation partition, then score it once on the holdout.

    Parameters
    ----------
    panel : DyadPanel
        The panel.
    candidates, baselines : dict of name -> model
        Models to choose from, and the baselines every model faces.
    plan : SplitPlan
        The rolling-origin plan (with non-empty validation and holdout blocks).
    metric : str, default "brier"
        Choice criterion: the mean over horizons of this score on the validation partition.
    tol, min_count : float, int
        Reliability check on the holdout: bins with at least ``min_count`` cases must have
        ``|observed - mean_predicted| <= tol``.
    ledger : path, optional
        Ledger file for both runs (the holdout guard applies).
    **kwargs
        Passed to :func:`backtest` (``label``, ``label_params``, ``n_boot`` ...).

    Returns
    -------
    HoldoutReport
    """
    names = list(baselines)
    val = backtest(panel, {**candidates, **baselines}, origins=plan,
                   partitions=("calibration", "validation"), baselines=names, ledger=ledger,
                   **kwargs)
    chosen = val.best_model(metric=metric, partition="validation")
    hold = backtest(panel, {chosen: candidates[chosen], **baselines}, origins=plan,
                    partitions=("holdout",), baselines=names, ledger=ledger, **kwargs)
    s = hold.scores[(hold.scores["subgroup"] == "all") & (hold.scores["partition"] == "holdout")]
    rows = []
    for h, g in s.groupby("horizon"):
        m = g[g["model"] == chosen].iloc[0]
        b = g[g["model"].isin(names)]
        rows.append({
            "horizon": h, "n": int(m["n"]), "prevalence": m["prevalence"],
            "brier": m["brier"], "best_baseline_brier": b["brier"].min(),
            "best_baseline_brier_model": b.loc[b["brier"].idxmin(), "model"],
            "aupr": m["aupr"], "best_baseline_aupr": b["aupr"].max(),
            "best_baseline_aupr_model": b.loc[b["aupr"].idxmax(), "model"],
            "auroc": m["auroc"],
            "beats_all_brier": bool((m["brier"] < b["brier"]).all()),
            "beats_all_aupr": bool((m["aupr"] > b["aupr"]).all()),
        })
    rel = hold.reliability
    rel = rel[(rel["model"] == chosen) & (rel["count"] >= min_count)].copy()
    rel["within"] = rel["gap"].abs() <= tol
    return HoldoutReport(chosen=chosen, validation=val, holdout=hold,
                         comparison=pd.DataFrame(rows),
                         reliability=rel.reset_index(drop=True))
