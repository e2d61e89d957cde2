"""The forecast ledger: every forecast a backtest made, so any reported number can be re-scored.

One row per model, seed, dyad, origin and horizon. Columns (:data:`LEDGER_COLUMNS`):

``dyad``, ``origin``, ``horizon``, ``label``, ``model``, ``seed``
    What was forecast, when, by which model (``seed`` is null for deterministic models).
``partition``, ``subgroup``
    The backtest block (calibration / validation / holdout) and ``"onset"`` (the dyad's label
    did not fire in the ``k`` periods up to the origin) or ``"continuation"``.
``probability``, ``outcome``
    The forecast probability that the label fires in ``(origin, origin + horizon]`` and what
    happened (1.0 / 0.0).
``data_hash``
    Hash of the panel rows the model saw at that origin (identical inputs, identical hash).
``target``, ``count_outcome``, ``mean``, ``lower``, ``upper``, ``crps``, ``ignorance``
    Count models only (null otherwise): the count column forecast, the observed count in period
    ``origin + horizon``, the predictive mean, the central 95% interval, and the CRPS and
    ignorance of that forecast.
``run_id``
    Identifies the backtest run that wrote the row.

:func:`append_ledger` writes (Parquet or CSV, chosen by suffix), :func:`read_ledger` reads and
validates, and :func:`score_ledger` recomputes the score table from a ledger alone: backtests
compute their own scores through it, so a report's numbers and a re-score agree by construction.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from riskmodel.evaluation import scores as S
from riskmodel.exceptions import ConfigurationError, SchemaError

__all__ = [
    "LEDGER_COLUMNS",
    "LEDGER_KEY",
    "empty_ledger",
    "validate_ledger",
    "append_ledger",
    "read_ledger",
    "score_ledger",
    "SCORE_GROUPS",
]

#: Column -> dtype of the ledger.
LEDGER_DTYPES: dict[str, str] = {
    "dyad": "string",
    "origin": "datetime64[ns]",
    "horizon": "int64",
    "label": "string",
    "model": "string",
    "seed": "Int64",
    "partition": "string",
    "subgroup": "string",
    "probability": "float64",
    "outcome": "float64",
    "data_hash": "string",
    "target": "string",
    "count_outcome": "float64",
    "mean": "float64",
    "lower": "float64",
    "upper": "float64",
    "crps": "float64",
    "ignorance": "float64",
    "run_id": "string",
}
LEDGER_COLUMNS: tuple[str, ...] = tuple(LEDGER_DTYPES)
#: Columns that identify one forecast; appending a row with the same key replaces the old one.
LEDGER_KEY: tuple[str, ...] = ("dyad", "origin", "horizon", "label", "model", "seed",
                               "data_hash")
#: Default grouping of :func:`score_ledger`.
SCORE_GROUPS: tuple[str, ...] = ("model", "horizon", "partition", "subgroup")
_REQUIRED = ("dyad", "origin", "horizon", "label", "model", "probability", "outcome",
             "data_hash")


def empty_ledger() -> pd.DataFrame:
    """An empty ledger with the columns and dtypes of :data:`LEDGER_COLUMNS`."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in LEDGER_DTYPES.items()})


def validate_ledger(frame: pd.DataFrame, *, where: str = "ledger") -> pd.DataFrame:
    """Check a ledger frame and return it with the canonical columns and dtypes.

    Missing optional columns are added as nulls; unknown columns are kept after the canonical
    ones.

    Raises
    ------
    SchemaError
        When a required column is missing, a probability is outside [0, 1], or an outcome is not
        0/1.
    """
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise SchemaError(f"{where}: missing column(s) {missing}; a forecast ledger needs "
                          f"{list(_REQUIRED)}.", column=missing[0])
    out = frame.copy()
    for col, dtype in LEDGER_DTYPES.items():
        if col not in out.columns:
            out[col] = pd.Series(pd.NA if dtype in ("string", "Int64") else np.nan,
                                 index=out.index, dtype=dtype)
        else:
            try:
                out[col] = out[col].astype(dtype)
            except (TypeError, ValueError) as exc:
                raise SchemaError(f"{where}: column {col!r} cannot be read as {dtype}: {exc}",
                                  column=col) from exc
    p = out["probability"].to_numpy(dtype=float)
    bad = np.isnan(p) | (p < 0) | (p > 1)
    if bad.any():
        i = int(np.argmax(bad))
        raise SchemaError(f"{where}: row {i}: probability {p[i]!r} is not in [0, 1].",
                          column="probability", row=i, value=p[i])
    y = out["outcome"].to_numpy(dtype=float)
    bad = ~np.isin(y, (0.0, 1.0))
    if bad.any():
        i = int(np.argmax(bad))
        raise SchemaError(f"{where}: row {i}: outcome {y[i]!r} is not 0 or 1.",
                          column="outcome", row=i, value=y[i])
    extra = [c for c in out.columns if c not in LEDGER_DTYPES]
    return out[list(LEDGER_COLUMNS) + extra].reset_index(drop=True)


def _format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".parquet") or name.endswith(".pq"):
        return "parquet"
    if name.endswith(".csv") or name.endswith(".csv.gz"):
        return "csv"
    raise ConfigurationError(f"Ledger file {path} must end in .parquet or .csv (or .csv.gz); "
                             f"got {path.suffix!r}.")


def read_ledger(path: str | Path) -> pd.DataFrame:
    """Read and validate a ledger written by :func:`append_ledger`.

    Raises
    ------
    ConfigurationError
        When the file does not exist or has an unknown suffix.
    SchemaError
        When the content is not a valid ledger.
    """
    path = Path(path)
    fmt = _format(path)
    if not path.is_file():
        raise ConfigurationError(f"No ledger at {path}: the file does not exist.")
    if fmt == "parquet":
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path, dtype={"dyad": "string", "label": "string",
                                         "model": "string", "data_hash": "string"},
                            parse_dates=["origin"])
    return validate_ledger(frame, where=str(path))


def append_ledger(path: str | Path, forecasts: pd.DataFrame) -> Path:
    """Append forecasts to the ledger file at ``path`` (created when absent).

    Rows whose :data:`LEDGER_KEY` already exists in the file replace the old rows (re-running
    the same forecast on the same data does not duplicate it). The file is rewritten atomically.

    Returns
    -------
    Path
        The ledger file.
    """
    path = Path(path)
    fmt = _format(path)
    new = validate_ledger(forecasts, where="forecasts to append")
    if path.is_file():
        old = read_ledger(path)
        frame = pd.concat([old, new], ignore_index=True)
        frame = frame.drop_duplicates(list(LEDGER_KEY), keep="last").reset_index(drop=True)
    else:
        frame = new
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ledger-", suffix=path.name)
    os.close(fd)
    try:
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def _score_group(g: pd.DataFrame, *, top_k: int | None, bins: int | None) -> dict[str, float]:
    y = g["outcome"].to_numpy(dtype=float)
    p = g["probability"].to_numpy(dtype=float)
    out = S.probability_scores(y, p, bins=bins)
    if top_k is not None and len(y):
        # a watchlist per origin: mean precision of the top k over origins
        vals = [S.top_k_precision(gg["outcome"].to_numpy(float), gg["probability"].to_numpy(float),
                                  min(top_k, len(gg)))
                for _, gg in g.groupby("origin", sort=False)]
        out["top_k_precision"] = float(np.mean(vals))
    if g["count_outcome"].notna().any():
        c = g[g["count_outcome"].notna()]
        out.update(S.count_scores(
            c["count_outcome"].to_numpy(float), mean=c["mean"].to_numpy(float),
            lower=c["lower"].to_numpy(float), upper=c["upper"].to_numpy(float),
            crps=c["crps"].to_numpy(float), ignorance=c["ignorance"].to_numpy(float)))
    out["n_origins"] = float(g["origin"].nunique())
    return out


def score_ledger(ledger: pd.DataFrame, *, by: Sequence[str] = SCORE_GROUPS,
                 subgroups: bool = True, top_k: int | None = None, bins: int | None = 10,
                 average_seeds: bool = True) -> pd.DataFrame:
    """Score a ledger: one row per group with every probability (and count) score.

    Parameters
    ----------
    ledger : DataFrame
        A forecast ledger (see the module docstring).
    by : sequence of str, default ("model", "horizon", "partition", "subgroup")
        Grouping columns. When ``subgroups`` is true and ``"subgroup"`` is in ``by``, each group
        is also scored over all its rows under subgroup ``"all"``.
    subgroups : bool, default True
        Add the ``"all"`` rows described above.
    top_k : int, optional
        Length of a per-origin watchlist for ``top_k_precision``.
    bins : int or None, default 10
        Forecast bins of the Brier decomposition.
    average_seeds : bool, default True
        Score every seed of a stochastic model separately, then average the scores over seeds
        (``n_seeds`` says how many). Otherwise ``seed`` must be in ``by`` to keep seeds apart.

    Returns
    -------
    DataFrame
        Columns: the ``by`` columns, then ``n``, ``positives``, ``prevalence``, ``brier``,
        ``reliability``, ``resolution``, ``uncertainty``, ``log_loss``, ``auroc``, ``aupr``,
        ``n_origins`` and, where available, ``top_k_precision``, ``mse``, ``msle``,
        ``coverage``, ``interval_score``, ``crps``, ``ignorance``, ``n_seeds``.
    """
    frame = validate_ledger(ledger)
    by = list(by)
    for c in by:
        if c not in frame.columns:
            import difflib

            near = difflib.get_close_matches(c, frame.columns, n=1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise ConfigurationError(f"Cannot group the ledger by {c!r}: no such column.{hint}")
    parts = [frame]
    if subgroups and "subgroup" in by:
        allrows = frame.copy()
        allrows["subgroup"] = "all"
        parts = [allrows, frame]
    data = pd.concat(parts, ignore_index=True)
    seed_key = "seed" if "seed" not in by else None
    keys = by + ([seed_key] if seed_key and average_seeds else [])
    data["seed"] = data["seed"].fillna(-1)
    rows = []
    for key, g in data.groupby(keys, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        rec = dict(zip(keys, key))
        rec.update(_score_group(g, top_k=top_k, bins=bins))
        rows.append(rec)
    if not rows:
        return pd.DataFrame(columns=by)
    out = pd.DataFrame(rows)
    if seed_key and average_seeds:
        num = [c for c in out.columns if c not in keys]
        agg = out.groupby(by, sort=True, dropna=False)[num].mean().reset_index()
        agg["n_seeds"] = out.groupby(by, sort=True, dropna=False)["seed"].nunique().to_numpy()
        out = agg
    order = {"all": 0, "onset": 1, "continuation": 2}
    if "subgroup" in out.columns:
        out["_o"] = out["subgroup"].map(order).fillna(9)
        out = out.sort_values([c for c in by if c != "subgroup"] + ["_o"]).drop(columns="_o")
    return out.reset_index(drop=True)
