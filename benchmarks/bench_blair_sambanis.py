"""A published table: the Blair & Sambanis (2020) escalation model, refitted by riskmodel.

Data: the Blair & Sambanis escalation frames under ``$RISKMODEL_SHARED_DATA/blair_sambanis``
(ICEWS-derived country-month counts of 10 government/opposition/rebel interactions; train
2001-2007, test 2008-2015; civil-war onset in the next period; 9 training and 11 test
positives at one month). The project's :class:`~riskmodel.models.EscalationClassifier`
(logistic, logistic on log1p counts and gradient boosting) is fitted on the complete-case
training rows (sorted by period, so that later rows are later months) and scored on the
evaluable test rows with the empirical AUROC (no smoothing), AUPR and Brier score, three ways:

* ``calibrated``: the default calibration. The last 20% of the training rows hold too few onsets
  for isotonic regression, so calibration is cross-fitted in time order and, with fewer than 30
  onsets out of fold, falls back to Platt scaling (the ``calibration`` column says what was
  fitted);
* ``tail only``: ``calibration_cv=None``: the base classifier is fitted on the first 80% of the
  training rows and calibrated on the last 20% alone; those hold one onset at either horizon, too
  few for any calibrator, so the scores stay raw (an isotonic fit on that one onset, the earlier
  behaviour, collapsed the scores into ties);
* ``uncalibrated``: the base classifier fitted on all training rows.

Reported next to:

* the published empirical AUROC (Beger, Morgan & Ward's re-scoring of B&S: 0.78 at one month,
  0.77 at six months);
* the saved test predictions of B&S's own random-forest code, scored here on the same rows
  (the reference measured in this run; ratios are against it);
* a scikit-learn random forest with B&S's settings (regression-style leaves: 5 terminal nodes,
  100-row subsamples; fewer trees than their 100,000);
* the training base rate (AUROC 0.5, AUPR = prevalence).

With 11 positives, one positive moving by 1,000 ranks shifts the AUROC by about 0.007: read the
differences with that in mind. ``--small`` uses fewer trees (for the test suite).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PREDICTORS = [
    "gov_opp_low_level", "gov_reb_low_level", "opp_gov_low_level", "reb_gov_low_level",
    "gov_opp_nonviol_repression", "gov_reb_nonviol_repression", "gov_opp_accommodations",
    "gov_reb_accommodations", "reb_gov_demands", "opp_gov_demands",
]
PUBLISHED_EMPIRICAL_AUROC = {"1mo": 0.7831, "6mo": 0.77}
PUBLISHED_SMOOTHED_AUROC = {"1mo": 0.85, "6mo": 0.82}


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _data_dir(arg: str | None) -> Path:
    base = arg or os.environ.get("RISKMODEL_SHARED_DATA")
    if not base:
        raise SystemExit("Set RISKMODEL_SHARED_DATA (the folder of public samples) or pass "
                         "--data DIR.")
    path = Path(base)
    if (path / "blair_sambanis").is_dir():
        path = path / "blair_sambanis"
    if not (path / "frames").is_dir():
        raise SystemExit(f"{path} holds no Blair & Sambanis frames/ folder.")
    return path


def load_frames(path: Path, horizon: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Train (complete cases, sorted by period), test (evaluable rows) and the saved predictions."""
    pre = "escalation_6mo_" if horizon == "6mo" else "escalation_"
    train = pd.read_csv(path / "frames" / f"{pre}train_frame_civil_ns.csv.gz")
    test = pd.read_csv(path / "frames" / f"{pre}test_frame_civil_ns.csv.gz")
    saved = pd.read_csv(path / "predictions" / f"{horizon}_predictions_escalation.csv.gz")
    train = train.dropna(subset=["train_DV_civil_ns", *PREDICTORS])
    train = train.sort_values(["period", "country_iso3"], kind="mergesort")
    ok = test[["test_DV_civil_ns", *PREDICTORS]].notna().all(axis=1).to_numpy().copy()
    if len(saved) != len(test):
        raise SystemExit(f"saved predictions ({len(saved)}) do not align with the test frame "
                         f"({len(test)})")
    ok = ok & saved["prediction"].notna().to_numpy()
    return train, test[ok].reset_index(drop=True), saved[ok].reset_index(drop=True)


def _scores(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    from riskmodel.evaluation import average_precision, brier_score, roc_auc

    p = np.clip(np.asarray(p, float), 0.0, 1.0)
    return {"auroc": roc_auc(y, p), "aupr": average_precision(y, p), "brier": brier_score(y, p)}


def run_horizon(path: Path, horizon: str, *, n_trees: int, seed: int = 0) -> pd.DataFrame:
    from sklearn.ensemble import RandomForestRegressor

    from riskmodel.models.classify import EscalationClassifier

    train, test, saved = load_frames(path, horizon)
    x_tr = train[PREDICTORS].to_numpy(float)
    y_tr = train["train_DV_civil_ns"].to_numpy(float)
    x_te = test[PREDICTORS].to_numpy(float)
    y_te = test["test_DV_civil_ns"].to_numpy(float)
    rows: list[dict[str, Any]] = []

    def add(name: str, p: np.ndarray, kind: str, seconds: float = float("nan"),
            calibration: str = "") -> None:
        rows.append({"horizon": horizon, "model": name, "kind": kind, **_scores(y_te, p),
                     "calibration": calibration, "seconds": seconds})

    add("B&S random forest (saved predictions)", saved["prediction"].to_numpy(float),
        "reference")
    add("training base rate", np.full(len(y_te), y_tr.mean()), "reference")
    t = time.perf_counter()
    rf = RandomForestRegressor(n_estimators=n_trees, max_leaf_nodes=5, max_features=3,
                               max_samples=100, bootstrap=True, min_samples_split=6,
                               random_state=seed, n_jobs=2).fit(x_tr, y_tr)
    add(f"sklearn forest, B&S settings ({n_trees} trees)", rf.predict(x_te), "reference",
        time.perf_counter() - t)
    bases = [
        ("logistic", dict(estimator="logistic"), False),
        ("logistic on log1p", dict(estimator="logistic"), True),
        ("gbm", dict(estimator="gbm", max_iter=100, max_leaf_nodes=5, learning_rate=0.05), False),
        ("gbm balanced", dict(estimator="gbm", max_iter=100, max_leaf_nodes=5,
                              learning_rate=0.05, class_weight="balanced",
                              calibration="sigmoid"), False),
    ]
    calibrations = [
        ("calibrated", {}),
        ("tail only", dict(calibration_cv=None)),
        ("uncalibrated", dict(calibration=None)),
    ]
    import warnings

    for base, kw, logx in bases:
        for how, ckw in calibrations[:1] if "balanced" in base else calibrations:
            t = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                clf = EscalationClassifier(random_state=seed, **{**kw, **ckw})
                xa, xb = (np.log1p(x_tr), np.log1p(x_te)) if logx else (x_tr, x_te)
                clf.fit(xa, y_tr)
                p = np.asarray(clf.predict_proba(xb))[:, 1]
            used = "none" if clf.calibration_method_ is None else \
                f"{clf.calibration_method_} ({clf.calibration_partition_})"
            add(f"EscalationClassifier {base}, {how}", p, "riskmodel", time.perf_counter() - t,
                used)
    out = pd.DataFrame(rows)
    out["n_test"] = len(y_te)
    out["positives"] = int(y_te.sum())
    out["prevalence"] = y_te.mean()
    out["n_train"] = len(y_tr)
    out["train_positives"] = int(y_tr.sum())
    ref = out[out["model"] == "B&S random forest (saved predictions)"].iloc[0]
    out["auroc_ratio_vs_bs"] = out["auroc"] / ref["auroc"]
    out["brier_ratio_vs_bs"] = out["brier"] / ref["brier"]
    out["published_empirical_auroc"] = PUBLISHED_EMPIRICAL_AUROC[horizon]
    return out


def main(argv: list[str] | None = None) -> pd.DataFrame:
    """Run the benchmark and print the table; returns it (for tests)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="fewer forest trees")
    ap.add_argument("--data", default=None, help="the blair_sambanis folder (or its parent)")
    args = ap.parse_args(argv)
    path = _data_dir(args.data)
    t0 = time.perf_counter()
    n_trees = 300 if args.small else 5000
    table = pd.concat([run_horizon(path, h, n_trees=n_trees) for h in ("1mo", "6mo")],
                      ignore_index=True)
    with pd.option_context("display.width", 200, "display.max_colwidth", 60,
                           "display.float_format", "{:.4f}".format):
        for h, g in table.groupby("horizon", sort=False):
            r = g.iloc[0]
            print(f"\nBlair & Sambanis escalation model, {h}: train {r['n_train']} rows "
                  f"({r['train_positives']} positives), test {r['n_test']} rows "
                  f"({r['positives']} positives, prevalence {r['prevalence']:.5f}); published "
                  f"empirical AUROC {PUBLISHED_EMPIRICAL_AUROC[h]:.2f} (smoothed, as B&S "
                  f"reported: {PUBLISHED_SMOOTHED_AUROC[h]:.2f})")
            print(g[["model", "calibration", "auroc", "aupr", "brier", "auroc_ratio_vs_bs",
                     "brier_ratio_vs_bs", "seconds"]].to_string(index=False))
    print(f"\ntotal {time.perf_counter() - t0:.1f} s, peak memory {_peak_mb():.0f} MB",
          file=sys.stderr)
    print(json.dumps({"rows": len(table), "peak_memory_mb": _peak_mb()}))
    return table


if __name__ == "__main__":
    main()
