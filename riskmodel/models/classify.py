"""Escalation classifiers: regularised logistic regression and gradient boosting, calibrated.

:class:`EscalationClassifier` has two faces:

* the panel interface shared by every riskmodel model, ``fit(panel, *, label, horizon,
  origin)`` / ``predict_proba(panel, *, origin)``: features are built from the panel at every
  dyad and period (history up to that period only), the training rows are the (dyad, origin)
  pairs whose label is fully observed by the fit origin, and the last labelled origins form the
  *calibration partition*;
* the plain scikit-learn interface ``fit(X, y)`` / ``predict_proba(X)`` on a feature matrix
  (rows in time order; the last ``calibration_fraction`` of the rows are the calibration
  partition), so that the estimator can be cloned, grid-searched and checked with scikit-learn's
  common estimator checks.

Calibration
-----------
The base classifier is fitted on the training partition only; the calibrator (isotonic
regression or Platt's sigmoid) maps its scores to probabilities and is fitted on the calibration
partition only, which lies after the training partition in time. On panels the training
origins end ``horizon`` periods before the first calibration origin, so that no training label
looks into the calibration periods. Test data is never touched by either fit.

Features
--------
By default (``features=None``) the classifier uses :func:`history_features`: a compact set of
about twenty history summaries of the dyad (and its reverse direction), computed in one pass of
array operations so that it scales to millions of dyad-periods. Any scikit-learn transformer on
panel frames (e.g. ``riskmodel.features.make_feature_pipeline()``) can be given instead; its
output rows must follow the panel frame's rows.

Explanations
------------
:meth:`EscalationClassifier.explain` reports, per forecast, the features that moved the
probability most: for each feature, the change in the calibrated probability when that feature
alone is set to its training median ("what if this signal were typical").
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder, StandardScaler
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from riskmodel.exceptions import ConfigurationError, DataQualityWarning
from riskmodel.models.base import (
    ForecastModel,
    PanelArrays,
    check_float,
    check_int,
    check_option,
    fires_array,
    trailing_mean,
    trailing_sum,
)

__all__ = ["EscalationClassifier", "history_features"]

#: Below this many rows, fits and predictions run on one OpenMP thread.
_SMALL_FIT_ROWS = 50_000


def history_features(arrays: PanelArrays, fires: np.ndarray, *, last_only: bool = False
                     ) -> tuple[np.ndarray, list[str]]:
    """History summaries at every dyad and period, shape ``(n_dyads, n_periods, p)``.

    Every feature at period ``t`` uses panel values of periods ``<= t`` only. Columns absent from
    the panel are skipped.

    Parameters
    ----------
    arrays : PanelArrays
        The panel.
    fires : ndarray of shape (n_dyads, n_periods)
        Per-period indicator of the label's event.
    last_only : bool, default False
        Keep only the last period (shape ``(n_dyads, 1, p)``), as forecasts need.

    Returns
    -------
    X : ndarray of float32
    names : list of str
    """
    n, t = arrays.shape
    cols: list[np.ndarray] = []
    names: list[str] = []

    def add(name: str, value: np.ndarray) -> None:
        value = np.asarray(value)
        cols.append((value[:, -1:] if last_only else value).astype(np.float32))
        names.append(name)

    have = set(arrays.columns)
    f = (fires > 0).astype(float)
    add("fired", f)
    add("fired_sum3", trailing_sum(f, 3))
    add("fired_share12", trailing_mean(f, 12))
    idx = np.broadcast_to(np.arange(t), (n, t))
    last = np.maximum.accumulate(np.where(f > 0, idx, -1), axis=1)
    since = np.where(last >= 0, idx - last, np.minimum(idx + 1, 120) + 120)
    add("log_periods_since_fired", np.log1p(since))
    add("never_fired", (last < 0).astype(float))
    if "n_events" in have:
        ne = np.clip(arrays.column("n_events"), 0, None)
        m3, m12 = np.log1p(trailing_mean(ne, 3)), np.log1p(trailing_mean(ne, 12))
        add("log1p_n_events", np.log1p(ne))
        add("log1p_n_events_mean3", m3)
        add("log1p_n_events_mean12", m12)
        add("n_events_trend", m3 - m12)
    for q in ("quad3", "quad4"):
        if q in have:
            v = np.clip(arrays.column(q), 0, None)
            add(f"log1p_{q}", np.log1p(v))
            add(f"log1p_{q}_mean3", np.log1p(trailing_mean(v, 3)))
            add(f"log1p_{q}_mean12", np.log1p(trailing_mean(v, 12)))
    if "goldstein_mean" in have:
        add("goldstein_mean", arrays.column("goldstein_mean"))
    if "goldstein_min" in have:
        add("goldstein_min_mean3", trailing_mean(arrays.column("goldstein_min"), 3))
    if "fatalities" in have:
        add("log1p_fatalities_sum12",
            np.log1p(trailing_sum(np.clip(arrays.column("fatalities"), 0, None), 12)))
    if "share" in have:
        add("log1p_share_mean3", np.log1p(1e4 * trailing_mean(arrays.column("share"), 3)))
    if arrays.directed:
        rev = arrays.reverse_labels()
        ok = (rev >= 0)[:, None]
        r = np.clip(rev, 0, None)
        add("reverse_fired_share12", np.where(ok, trailing_mean(f, 12)[r], 0.0))
        if "quad4" in have:
            add("reverse_log1p_quad4", np.where(ok, np.log1p(np.clip(
                arrays.column("quad4"), 0, None))[r], 0.0))
    return np.stack(cols, axis=2), names


def _is_panel(x: Any) -> bool:
    if isinstance(x, pd.DataFrame):
        return isinstance(x.index, pd.MultiIndex) and list(x.index.names) == ["dyad", "period"]
    return hasattr(x, "data") and isinstance(getattr(x, "data"), pd.DataFrame)


class EscalationClassifier(ClassifierMixin, ForecastModel):
    """Calibrated classifier of "escalation within h periods" (see the module docstring).

    Parameters
    ----------
    estimator : {"logistic", "gbm"}, default "logistic"
        L2-regularised logistic regression on standardised features, or histogram gradient
        boosting.
    C : float, default 1.0
        Inverse regularisation strength of the logistic regression (> 0).
    learning_rate : float, default 0.1
        Gradient boosting learning rate (> 0).
    max_iter : int, default 200
        Boosting iterations, or the logistic solver's iteration limit (>= 1).
    max_leaf_nodes : int, default 31
        Leaves per boosting tree (>= 2).
    l2_regularization : float, default 0.0
        Boosting L2 penalty (>= 0).
    class_weight : {"balanced", None} or dict, default None
        Class weights in training (probabilities are recalibrated afterwards).
    calibration : {"isotonic", "sigmoid", None}, default "isotonic"
        Calibrator fitted on the calibration partition; ``None`` keeps the raw scores.
    calibration_fraction : float, default 0.2
        Share of the labelled origins (panel) or rows (arrays), at the end, used for calibration.
    features : transformer, optional
        Panel-frame transformer producing the features; ``None`` uses :func:`history_features`.
    max_train_rows : int, optional
        Fit the base classifier on a uniform random subsample of at most this many training rows.
    random_state : int, optional
        Seed of boosting and of the subsample.

    Attributes
    ----------
    classes_ : ndarray
        Class labels (array interface); ``[0.0, 1.0]`` on panels.
    estimator_ : estimator
        The fitted base classifier.
    calibrator_ : IsotonicRegression, LogisticRegression or None
        The fitted calibrator.
    feature_names_ : list of str
        Feature names (panel interface).
    feature_reference_ : ndarray
        Training medians of the features, used by :meth:`explain`.
    n_features_in_ : int
        Number of features.

    Examples
    --------
    >>> clf = EscalationClassifier(estimator="gbm").fit(panel, horizon=3)  # doctest: +SKIP
    >>> clf.predict_proba(panel, origin="2019-12-01").nlargest(10)  # doctest: +SKIP
    >>> clf.explain(panel, origin="2019-12-01", top=3)  # doctest: +SKIP
    """

    _tags: ClassVar[dict[str, Any]] = {"predicts_counts": False, "stochastic": False,
                                       "has_results": False}

    def __init__(self, estimator: str = "logistic", *, C: float = 1.0,
                 learning_rate: float = 0.1, max_iter: int = 200, max_leaf_nodes: int = 31,
                 l2_regularization: float = 0.0, class_weight: str | dict | None = None,
                 calibration: str | None = "isotonic", calibration_fraction: float = 0.2,
                 features: Any = None, max_train_rows: int | None = None,
                 random_state: int | None = None) -> None:
        self.estimator = estimator
        self.C = C
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.l2_regularization = l2_regularization
        self.class_weight = class_weight
        self.calibration = calibration
        self.calibration_fraction = calibration_fraction
        self.features = features
        self.max_train_rows = max_train_rows
        self.random_state = random_state

    def __sklearn_tags__(self):  # noqa: ANN204 - sklearn Tags
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    # ------------------------------------------------------------------ parameters
    def _validate_params(self) -> None:
        check_option(self.estimator, "estimator", self, ("logistic", "gbm"))
        check_float(self.C, "C", self, min_value=0.0, min_inclusive=False)
        check_float(self.learning_rate, "learning_rate", self, min_value=0.0,
                    min_inclusive=False)
        check_int(self.max_iter, "max_iter", self, min_value=1)
        check_int(self.max_leaf_nodes, "max_leaf_nodes", self, min_value=2)
        check_float(self.l2_regularization, "l2_regularization", self, min_value=0.0)
        if not isinstance(self.class_weight, dict):
            check_option(self.class_weight, "class_weight", self, ("balanced", None))
        check_option(self.calibration, "calibration", self, ("isotonic", "sigmoid", None))
        check_float(self.calibration_fraction, "calibration_fraction", self, min_value=0.0,
                    max_value=0.9)
        check_int(self.max_train_rows, "max_train_rows", self, min_value=10, allow_none=True)
        if self.features is not None and not hasattr(self.features, "transform"):
            raise ConfigurationError(
                f"The 'features' parameter of EscalationClassifier must be a transformer with "
                f"fit/transform (e.g. riskmodel.features.make_feature_pipeline()) or None. Got "
                f"{self.features!r} instead.")

    def _make_estimator(self) -> Any:
        if self.estimator == "logistic":
            return make_pipeline(
                StandardScaler(),
                LogisticRegression(C=self.C, class_weight=self.class_weight,
                                   max_iter=max(self.max_iter, 100)))
        return HistGradientBoostingClassifier(
            learning_rate=self.learning_rate, max_iter=self.max_iter,
            max_leaf_nodes=self.max_leaf_nodes, l2_regularization=self.l2_regularization,
            class_weight=self.class_weight, early_stopping=False,
            random_state=self.random_state)

    # ------------------------------------------------------------------ core fitting
    def _fit_core(self, x_train: np.ndarray, y_train: np.ndarray, x_cal: np.ndarray,
                  y_cal: np.ndarray, w_train: np.ndarray | None = None) -> None:
        if len(np.unique(y_train)) < 2:
            raise ConfigurationError(
                "EscalationClassifier: the training partition holds a single class "
                f"({np.unique(y_train).tolist()}); a classifier needs both escalations and "
                "non-escalations. Use a longer panel, a later origin or another label.")
        rng = np.random.default_rng(self.random_state)
        if self.max_train_rows is not None and len(y_train) > self.max_train_rows:
            keep = np.sort(rng.choice(len(y_train), self.max_train_rows, replace=False))
            x_train, y_train = x_train[keep], y_train[keep]
            w_train = None if w_train is None else w_train[keep]
        est = self._make_estimator()
        kwargs = {}
        if w_train is not None:
            step = "logisticregression__sample_weight" if self.estimator == "logistic" \
                else "sample_weight"
            kwargs[step] = w_train
        # On small training sets the OpenMP thread start-up and spin-waiting of the boosting
        # code dominate (and degrade badly on a loaded machine): use one thread there.
        limit = 1 if len(y_train) < _SMALL_FIT_ROWS else None
        with threadpool_limits(limits=limit, user_api="openmp"):
            est.fit(x_train, y_train, **kwargs)
        self.estimator_ = est
        n_iter = getattr(est, "n_iter_", None)
        if n_iter is None and hasattr(est, "steps"):
            n_iter = getattr(est.steps[-1][1], "n_iter_", None)
        self.n_iter_ = int(np.max(n_iter)) if n_iter is not None else 1
        self.calibrator_ = None
        if self.calibration is not None:
            if len(y_cal) == 0 or len(np.unique(y_cal)) < 2:
                warnings.warn(
                    "EscalationClassifier: the calibration partition is empty or holds a single "
                    "class; probabilities are left uncalibrated. Use a longer panel or a larger "
                    "calibration_fraction.", DataQualityWarning, stacklevel=3)
            else:
                raw = est.predict_proba(x_cal)[:, 1]
                if self.calibration == "isotonic":
                    cal = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
                    cal.fit(raw, y_cal)
                else:
                    cal = LogisticRegression(C=1e6).fit(_logit(raw).reshape(-1, 1), y_cal)
                self.calibrator_ = cal
        self.feature_reference_ = np.median(x_train, axis=0)

    def _proba1(self, x: np.ndarray) -> np.ndarray:
        limit = 1 if len(x) < _SMALL_FIT_ROWS else None
        with threadpool_limits(limits=limit, user_api="openmp"):
            raw = self.estimator_.predict_proba(x)[:, 1]
        if self.calibrator_ is None:
            return raw
        if isinstance(self.calibrator_, IsotonicRegression):
            return np.clip(self.calibrator_.predict(raw), 0.0, 1.0)
        return self.calibrator_.predict_proba(_logit(raw).reshape(-1, 1))[:, 1]

    # ------------------------------------------------------------------ panel path
    def _features(self, arrays: PanelArrays, fit: bool) -> tuple[np.ndarray, list[str]]:
        if self.features is None:
            return history_features(arrays, fires_array(arrays, self.label_),
                                    last_only=not fit)
        transformer = self.features_ if not fit else clone(self.features)
        frame = arrays.frame
        out = transformer.fit_transform(frame) if fit else transformer.transform(frame)
        if fit:
            self.features_ = transformer
        if isinstance(out, pd.DataFrame):
            names = [str(c) for c in out.columns]
            if isinstance(out.index, pd.MultiIndex) and not out.index.equals(frame.index):
                out = out.reindex(frame.index)
            values = out.to_numpy(dtype=np.float32, na_value=np.nan)
        else:
            values = np.asarray(out, dtype=np.float32)
            names = [f"x{i}" for i in range(values.shape[1])]
            if hasattr(transformer, "get_feature_names_out"):
                try:
                    names = [str(c) for c in transformer.get_feature_names_out()]
                except (AttributeError, ValueError, TypeError):
                    pass
        if len(values) != len(frame):
            raise ConfigurationError(
                f"The features transformer returned {len(values)} rows for a panel frame of "
                f"{len(frame)} rows; it must return one row per (dyad, period).")
        values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
        return values.reshape(arrays.shape + (values.shape[1],)), names

    def _fit(self, arrays: PanelArrays, labels: np.ndarray, fires: np.ndarray) -> None:
        x_all, names = self._features(arrays, fit=True)
        observed = np.isfinite(labels)
        origins = np.nonzero(observed.any(axis=0))[0]
        n_cal = int(round(self.calibration_fraction * len(origins))) if self.calibration else 0
        if self.calibration and self.calibration_fraction > 0:
            n_cal = max(n_cal, 1)
        cal_origins = origins[len(origins) - n_cal:] if n_cal else origins[:0]
        if n_cal:
            last_train = cal_origins[0] - self.horizon_
            train_origins = origins[origins <= last_train]
        else:
            train_origins = origins
        if len(train_origins) == 0:
            raise ConfigurationError(
                f"EscalationClassifier: {len(origins)} labelled origins are too few for a "
                f"calibration partition of {n_cal} origins plus a gap of horizon="
                f"{self.horizon_}; use a longer panel, a later origin or a smaller "
                "calibration_fraction.")

        def rows(sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            x = x_all[:, sel, :].reshape(-1, x_all.shape[2])
            y = labels[:, sel].reshape(-1)
            ok = np.isfinite(y)
            return x[ok], y[ok].astype(int)

        x_tr, y_tr = rows(train_origins)
        x_cal, y_cal = rows(cal_origins)
        self.classes_ = np.array([0.0, 1.0])
        self.feature_names_ = names
        self.n_features_in_ = len(names)
        self.n_train_rows_ = len(y_tr)
        self.n_calibration_rows_ = len(y_cal)
        self.calibration_origins_ = arrays.periods[cal_origins]
        self._fit_core(x_tr, y_tr, x_cal, y_cal)

    def _predict_proba(self, arrays: PanelArrays) -> np.ndarray:
        x_all, _ = self._features(arrays, fit=False)
        return self._proba1(x_all[:, -1, :].astype(float))

    # ------------------------------------------------------------------ dual interface
    def fit(self, X: Any, y: Any = None, *, label: str = "material_conflict",  # noqa: N803
            horizon: int = 4, origin: Any = None, sample_weight: Any = None,
            **label_params: Any) -> EscalationClassifier:
        """Fit on a panel (``y=None``) or on a feature matrix ``X`` with targets ``y``.

        Parameters
        ----------
        X : DyadPanel, panel DataFrame, or array-like of shape (n_samples, n_features)
            A panel (see :meth:`ForecastModel.fit`), or features with rows in time order.
        y : array-like of shape (n_samples,), optional
            Binary targets (array interface only).
        label, horizon, origin, **label_params
            Panel interface: see :meth:`ForecastModel.fit`.
        sample_weight : array-like, optional
            Array interface: weights of the training rows.

        Returns
        -------
        self
        """
        if y is None and _is_panel(X):
            return ForecastModel.fit(self, X, label=label, horizon=horizon, origin=origin,
                                     **label_params)
        self._validate_params()
        if y is None:
            raise ValueError(
                "EscalationClassifier requires y to be passed, but the target y is None. Pass "
                "a DyadPanel to fit on a panel, or X and y to fit on a feature matrix.")
        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type not in ("binary",) and len(np.unique(y)) > 2:
            raise ValueError(
                "Only binary classification is supported. The type of the target is "
                f"{y_type}. EscalationClassifier forecasts escalation (1) / no escalation (0).")
        enc = LabelEncoder().fit(y)
        self.classes_ = enc.classes_
        yy = enc.transform(y)
        w = None
        if sample_weight is not None:
            w = _check_sample_weight(sample_weight, X)
        n = len(yy)
        n_cal = int(round(self.calibration_fraction * n)) if self.calibration else 0
        if len(self.classes_) < 2:
            raise ValueError(
                "EscalationClassifier needs samples of at least 2 classes in the data; got 1 "
                f"class ({self.classes_[0]!r}).")
        x_tr, y_tr = X[: n - n_cal], yy[: n - n_cal]
        x_cal, y_cal = X[n - n_cal:], yy[n - n_cal:]
        w_tr = None if w is None else w[: n - n_cal]
        if len(np.unique(y_tr)) < 2:  # too few rows to split: train on everything
            x_tr, y_tr, w_tr = X, yy, w
        self._fit_core(x_tr, y_tr, x_cal, y_cal, w_tr)
        self.feature_names_ = [f"x{i}" for i in range(X.shape[1])]
        return self

    def predict_proba(self, X: Any, *, origin: Any = None) -> Any:  # noqa: N803
        """Probabilities for a panel at ``origin`` (a Series by dyad) or for a feature matrix
        (an array of shape ``(n_samples, 2)``)."""
        if _is_panel(X):
            return ForecastModel.predict_proba(self, X, origin=origin)
        check_is_fitted(self, "estimator_")
        X = validate_data(self, X, reset=False)
        p = self._proba1(X)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:  # noqa: N803
        """Class labels of a feature matrix (probability > 0.5)."""
        proba = self.predict_proba(X)
        return self.classes_[(proba[:, 1] > 0.5).astype(int)]

    def decision_function(self, X: Any) -> np.ndarray:  # noqa: N803
        """Log-odds of the calibrated probability of the positive class."""
        return _logit(self.predict_proba(X)[:, 1])

    # ------------------------------------------------------------------ explanations
    def explain(self, panel: Any, *, origin: Any, top: int = 3,
                dyads: Any = None) -> pd.DataFrame:
        """The features that moved each forecast's probability most.

        For each dyad and feature, ``contribution`` is the calibrated probability minus the
        probability with that feature alone set to its training median; the ``top`` features by
        absolute contribution are listed (ties, frequent under isotonic calibration, are broken
        by the change of the uncalibrated score).

        Parameters
        ----------
        panel : DyadPanel or DataFrame
            The panel (rows up to ``origin`` are read).
        origin : timestamp-like
            The forecast origin.
        top : int, default 3
            Features per dyad.
        dyads : sequence of str, optional
            Restrict to these dyads.

        Returns
        -------
        DataFrame
            Columns ``dyad, probability, rank, feature, value, reference, contribution``.
        """
        top = check_int(top, "top", self, min_value=1)
        arrays = self._prepare_predict(panel, origin)
        x_all, names = self._features(arrays, fit=False)
        x = x_all[:, -1, :].astype(float)
        index = arrays.dyads
        if dyads is not None:
            wanted = pd.Index(dyads)
            missing = wanted.difference(index)
            if len(missing):
                raise ConfigurationError(f"Dyads {list(missing)[:5]} are not in the panel.")
            pos = index.get_indexer(wanted)
            x, index = x[pos], index[pos]
        base = self._proba1(x)
        n, p = x.shape
        ref = self.feature_reference_
        stacked = np.repeat(x[None, :, :], p, axis=0)
        stacked[np.arange(p), :, np.arange(p)] = ref[:, None]
        flat = stacked.reshape(-1, p)
        moved = self._proba1(flat).reshape(p, n).T
        contrib = base[:, None] - moved
        # isotonic calibration is a step function, so several features can move the calibrated
        # probability by the same amount: break ties by the change of the raw score
        raw_base = self.estimator_.predict_proba(x)[:, 1]
        raw_moved = self.estimator_.predict_proba(flat)[:, 1].reshape(p, n).T
        raw = np.abs(raw_base[:, None] - raw_moved)
        k = min(top, p)
        order = np.lexsort((-raw, -np.abs(contrib)), axis=1)[:, :k]
        rows = np.repeat(np.arange(n), k)
        cols = order.ravel()
        return pd.DataFrame({
            "dyad": index.to_numpy()[rows],
            "probability": base[rows],
            "rank": np.tile(np.arange(1, k + 1), n),
            "feature": np.asarray(names, dtype=object)[cols],
            "value": x[rows, cols],
            "reference": ref[cols],
            "contribution": contrib[rows, cols],
        })


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    return np.log(p) - np.log1p(-p)
