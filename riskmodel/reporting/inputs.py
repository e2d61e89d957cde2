"""What a report is built from, and the on-disk results folder the ``report`` verb reads.

Reporting never recomputes: no panel building, no label computation, no model fitting. The
pipeline fills a :class:`ReportInputs` with what it already has and reporting only selects,
formats and draws.

Results folder layout (written by :func:`save_report_inputs`, read by
:func:`load_report_inputs`)
------------------------------------------------------------------------------------------
``meta.json`` (required)
    ``{"format": "riskmodel-results", "version": 1, "model": str, "baseline": str | null,
    "horizon": int | null, "label": str | null, "as_of": "YYYY-MM-DD" | null,
    "data_hash": str | null, "title": str, "synthetic": bool, "panel": {"freq": "W",
    "directed": true}, ...}``; any further keys are shown in the report's provenance block.
``forecasts.parquet`` or ``forecasts.csv`` (required)
    The forecast ledger (:mod:`riskmodel.evaluation.ledger` columns; at least ``dyad``,
    ``origin``, ``horizon``, ``model``, ``probability``). Rows of the live origin may have a
    null ``outcome``. The current risk of a dyad is the model's probability at the latest origin
    for the chosen horizon.
``panel.parquet`` or ``panel.csv`` (required)
    The dyad panel as :meth:`DyadPanel.to_frame` writes it (``dyad``, ``period`` and the panel
    columns; at least ``quad1``..``quad4`` and ``n_events``).
``scores.csv`` (optional)
    Backtest scores (``model``, ``horizon``, ``partition``, ``subgroup`` and metric columns).
``events.parquet`` or ``events.csv`` (optional)
    Recent canonical events for the "recent events" tables.
``fired.csv`` (optional)
    ``dyad, period, fired``: periods in which the escalation definition fired (marked on the
    risk plots).
``episodes.csv`` (optional)
    Known episodes shaded on the risk plots (``start``, ``end``, ``initiator``, ``target`` or
    ``dyad``), e.g. the SYNTHETIC world's ``ground_truth.csv``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskmodel.exceptions import ConfigurationError, SchemaError

__all__ = [
    "RESULTS_FORMAT",
    "ReportInputs",
    "save_report_inputs",
    "load_report_inputs",
]

#: Value of ``meta.json["format"]`` in a results folder.
RESULTS_FORMAT = "riskmodel-results"
_FORECAST_REQUIRED = ("dyad", "origin", "horizon", "model", "probability")


@dataclass
class ReportInputs:
    """Everything a report shows, as computed by the pipeline.

    Parameters
    ----------
    panel : DyadPanel or pandas.DataFrame
        The dyad panel (or its frame, indexed ``(dyad, period)`` or flat).
    forecasts : pandas.DataFrame
        Forecast ledger rows (``dyad``, ``origin``, ``horizon``, ``model``, ``probability``;
        ``label``, ``outcome``, ``partition``, ``data_hash`` where available), including the
        live origin.
    model : str
        Name of the model whose risk is reported (a value of ``forecasts["model"]``).
    baseline : str, optional
        Name of the baseline shown next to it.
    horizon : int, optional
        Horizon reported; default the smallest in ``forecasts``.
    label : str, optional
        Escalation definition reported (filters ``forecasts["label"]`` where present).
    scores : pandas.DataFrame, optional
        Backtest scores.
    events : pandas.DataFrame, optional
        Recent canonical events.
    fired : pandas.Series, optional
        0/1 indexed by ``(dyad, period)``: when the escalation definition fired.
    meta : dict
        Provenance shown in reports: ``as_of``, ``data_hash``, ``title``, ``synthetic``,
        ``source`` and anything else worth printing.
    episodes : pandas.DataFrame, optional
        Known episodes shaded on the risk plots (e.g. the SYNTHETIC world's ground truth:
        ``start``, ``end``, ``initiator``, ``target``).
    """

    panel: Any
    forecasts: pd.DataFrame
    model: str
    baseline: str | None = None
    horizon: int | None = None
    label: str | None = None
    scores: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    fired: pd.Series | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    episodes: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        f = self.forecasts
        if not isinstance(f, pd.DataFrame):
            raise ConfigurationError(
                f"ReportInputs.forecasts must be a pandas DataFrame; got {type(f).__name__}.")
        missing = [c for c in _FORECAST_REQUIRED if c not in f.columns]
        if missing:
            raise SchemaError(
                f"ReportInputs.forecasts lacks column(s) {missing}; a forecast ledger needs "
                f"{list(_FORECAST_REQUIRED)} (see riskmodel.evaluation.ledger).",
                column=missing[0])
        models = sorted(f["model"].astype(str).unique())
        for what, name in (("model", self.model), ("baseline", self.baseline)):
            if name is not None and name not in models:
                import difflib

                near = difflib.get_close_matches(str(name), models, n=1)
                raise ConfigurationError(
                    f"ReportInputs.{what} {name!r} has no forecasts in the ledger (models: "
                    f"{models})." + (f" Did you mean {near[0]!r}?" if near else ""))
        if self.horizon is None and len(f):
            self.horizon = int(f["horizon"].min())

    # ----------------------------------------------------------------------------- selection
    def model_forecasts(self, model: str | None = None) -> pd.DataFrame:
        """Ledger rows of a model (default :attr:`model`) at :attr:`horizon` and :attr:`label`."""
        f = self.forecasts
        f = f[f["model"].astype(str) == (model or self.model)]
        if self.horizon is not None:
            f = f[f["horizon"].astype(int) == int(self.horizon)]
        if self.label is not None and "label" in f.columns:
            f = f[f["label"].astype(str) == self.label]
        out = f.copy()
        out["origin"] = pd.to_datetime(out["origin"])
        return out

    def as_of(self) -> pd.Timestamp | None:
        """The as-of date: ``meta["as_of"]``, else the latest forecast origin."""
        if self.meta.get("as_of"):
            return pd.Timestamp(self.meta["as_of"])
        f = self.model_forecasts()
        return pd.Timestamp(f["origin"].max()) if len(f) else None

    def watchlist(self) -> pd.DataFrame:
        """Dyads ranked by current risk.

        Returns
        -------
        pandas.DataFrame
            Columns ``rank``, ``dyad``, ``risk`` (the model's probability at the latest origin),
            ``previous`` (at the origin before), ``change``, ``baseline`` (the baseline's
            probability at the latest origin), ``origin``; sorted by ``risk`` descending.
        """
        f = self.model_forecasts()
        cols = ["rank", "dyad", "risk", "previous", "change", "baseline", "origin"]
        if f.empty:
            return pd.DataFrame(columns=cols)
        per = (f.groupby(["dyad", "origin"], observed=True)["probability"].mean()
               .reset_index().sort_values(["dyad", "origin"]))
        last = per.groupby("dyad", observed=True).tail(1).set_index("dyad")
        prev = per.groupby("dyad", observed=True).nth(-2)
        prev = prev.set_index("dyad")["probability"] if len(prev) else pd.Series(dtype=float)
        out = pd.DataFrame({"dyad": last.index.astype(str), "risk": last["probability"].values,
                            "origin": last["origin"].values})
        out["previous"] = out["dyad"].map(prev).astype(float)
        out["change"] = out["risk"] - out["previous"]
        if self.baseline is not None:
            b = self.model_forecasts(self.baseline)
            bl = b.sort_values("origin").groupby("dyad", observed=True).tail(1)
            key = dict(zip(bl["dyad"].astype(str), bl["probability"].astype(float)))
            out["baseline"] = out["dyad"].map(key).astype(float)
        else:
            out["baseline"] = np.nan
        out = out.sort_values(["risk", "dyad"], ascending=[False, True], kind="stable")
        out.insert(0, "rank", np.arange(1, len(out) + 1))
        return out[cols].reset_index(drop=True)


def _write_frame(frame: pd.DataFrame, path_base: Path, fmt: str) -> Path:
    if fmt == "parquet":
        p = path_base.with_suffix(".parquet")
        frame.to_parquet(p, index=False)
    else:
        p = path_base.with_suffix(".csv")
        frame.to_csv(p, index=False)
    return p


def save_report_inputs(inputs: ReportInputs, directory: str | os.PathLike[str], *,
                       fmt: str = "parquet") -> dict[str, Path]:
    """Write a results folder (layout in the module docstring) that ``riskmodel report`` reads.

    Parameters
    ----------
    inputs : ReportInputs
    directory : path-like
        Created if missing.
    fmt : {"parquet", "csv"}
        Format of the ledger, panel and events files.

    Returns
    -------
    dict
        Name -> path written.
    """
    if fmt not in ("parquet", "csv"):
        raise ConfigurationError(f"The 'fmt' parameter must be 'parquet' or 'csv'. Got {fmt!r}.")
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    from riskmodel.plotting.displays import panel_frame

    out["forecasts"] = _write_frame(inputs.forecasts, d / "forecasts", fmt)
    out["panel"] = _write_frame(panel_frame(inputs.panel).reset_index(), d / "panel", fmt)
    if inputs.scores is not None:
        out["scores"] = d / "scores.csv"
        inputs.scores.to_csv(out["scores"], index=False)
    if inputs.events is not None:
        out["events"] = _write_frame(inputs.events, d / "events", fmt)
    if inputs.episodes is not None:
        out["episodes"] = d / "episodes.csv"
        inputs.episodes.to_csv(out["episodes"], index=False)
    if inputs.fired is not None:
        fired = inputs.fired.rename("fired").reset_index()
        fired.columns = ["dyad", "period", "fired"]
        out["fired"] = d / "fired.csv"
        fired.to_csv(out["fired"], index=False)
    meta = {k: v for k, v in inputs.meta.items()}
    meta.update({"format": RESULTS_FORMAT, "version": 1, "model": inputs.model,
                 "baseline": inputs.baseline, "horizon": inputs.horizon,
                 "label": inputs.label})
    panel = inputs.panel
    meta.setdefault("panel", {"freq": getattr(panel, "freq", None),
                              "directed": getattr(panel, "directed", None)})
    out["meta"] = d / "meta.json"
    out["meta"].write_text(json.dumps(meta, indent=1, default=str), encoding="utf-8")
    return out


def _read_frame(d: Path, stem: str, required: bool) -> pd.DataFrame | None:
    for suffix in (".parquet", ".csv"):
        p = d / f"{stem}{suffix}"
        if p.is_file():
            return pd.read_parquet(p) if suffix == ".parquet" else pd.read_csv(p)
    if required:
        raise FileNotFoundError(
            f"{d}: no {stem}.parquet or {stem}.csv. A results folder holds meta.json, "
            "forecasts.*, panel.* and optionally scores.csv, events.*, fired.csv (see "
            "riskmodel.reporting.inputs).")
    return None


def load_report_inputs(directory: str | os.PathLike[str]) -> ReportInputs:
    """Read a results folder written by the pipeline (see the module docstring).

    Raises
    ------
    FileNotFoundError
        If ``meta.json``, the forecasts or the panel are missing.
    ConfigurationError
        If ``meta.json`` is not a riskmodel results description.
    """
    d = Path(directory)
    meta_path = d / "meta.json"
    if not meta_path.is_file():
        raise FileNotFoundError(
            f"{d}: no meta.json; expected a results folder written by the pipeline "
            "(riskmodel run) or riskmodel.reporting.save_report_inputs().")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigurationError(f"{meta_path}: not valid JSON ({exc}).") from exc
    if meta.get("format") != RESULTS_FORMAT or "model" not in meta:
        raise ConfigurationError(
            f"{meta_path}: not a riskmodel results description (expected \"format\": "
            f"\"{RESULTS_FORMAT}\" and a \"model\" key).")
    forecasts = _read_frame(d, "forecasts", True)
    panel_flat = _read_frame(d, "panel", True)
    panel_flat["period"] = pd.to_datetime(panel_flat["period"])
    panel: Any = panel_flat.set_index(["dyad", "period"]).sort_index()
    pinfo = meta.get("panel") or {}
    if pinfo.get("freq"):
        try:
            from riskmodel.panel import DyadPanel

            panel = DyadPanel(panel, freq=pinfo["freq"], directed=bool(pinfo.get("directed")),
                              meta={"loaded_from": str(d)})
        except (ImportError, SchemaError, ConfigurationError):
            pass
    scores = pd.read_csv(d / "scores.csv") if (d / "scores.csv").is_file() else None
    events = _read_frame(d, "events", False)
    if events is not None:
        for c in ("date", "available_at"):
            if c in events.columns:
                events[c] = pd.to_datetime(events[c])
    fired = None
    if (d / "fired.csv").is_file():
        fr = pd.read_csv(d / "fired.csv", parse_dates=["period"])
        fired = fr.set_index(["dyad", "period"])["fired"]
    forecasts["origin"] = pd.to_datetime(forecasts["origin"])
    episodes = (pd.read_csv(d / "episodes.csv", parse_dates=["start", "end"])
                if (d / "episodes.csv").is_file() else None)
    return ReportInputs(panel=panel, forecasts=forecasts, model=meta["model"],
                        baseline=meta.get("baseline"), horizon=meta.get("horizon"),
                        label=meta.get("label"), scores=scores, events=events, fired=fired,
                        meta=meta, episodes=episodes)
