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
The calibrator (isotonic regression or Platt's sigmoid) maps the base classifier's scores to
probabilities. It is fitted on scores of rows the base classifier was not fitted on, and those
rows always lie after the base classifier's training rows in time:

* **tail partition** (the default when it is large enough): the base classifier is fitted on the
  training partition only and the calibrator on the last ``calibration_fraction`` of the
  labelled origins (or rows). On panels the training origins end ``horizon`` periods before the
  first calibration origin, so that no training label looks into the calibration periods.
* **cross-fitted in time order**, when the tail partition holds fewer than
  ``min_calibration_positives`` escalations (or non-escalations), as happens with rare events
  on short panels: the labelled origins are cut into ``calibration_cv + 1`` consecutive blocks;
  each block after the first is scored by a base classifier fitted on the origins before it
  (again ending ``horizon`` periods before the block); the calibrator is fitted on the pooled
  out-of-fold scores, and the base classifier is then refitted on all labelled origins. The
  pooled set holds most of the training escalations instead of the few in the tail.

If the calibration set still holds fewer than ``min_calibration_positives`` escalations or
non-escalations, isotonic regression (a step function with about one step per escalation) gives
way to Platt's two-parameter sigmoid, and with fewer than three of either class the scores are
left uncalibrated; both fallbacks raise a :class:`~riskmodel.exceptions.DataQualityWarning`
and are recorded in ``calibration_method_`` and ``calibration_partition_``. Like isotonic
regression, Platt's map is kept non-decreasing: when higher scores go with fewer escalations on
the calibration set, the best such map is flat, and every probability is the set's escalation
rate (with a warning). Test data is never touched by any of these fits.

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
from collections.abc import Callable
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

#: Fewest escalations and non-escalations a calibration set needs for Platt scaling.
_MIN_PLATT_CASES = 3

#: ``take(mask) -> (x, y, sample_weight)``: the labelled rows of the time keys selected by mask.
_RowTaker = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, "np.ndarray | None"]]


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
        Share of the labelled origins (panel) or rows (arrays), at the end, that form the tail
        calibration partition. ``0`` always cross-fits (when ``calibration_cv`` is set).
    calibration_cv : int or None, default 5
        Number of consecutive blocks scored out of fold by cross-fitted calibration in time
        order (>= 2), used when the tail partition holds too few escalations or
        non-escalations (see the module docstring). ``None`` never cross-fits: the tail
        partition is used whatever it holds.
    min_calibration_positives : int, default 30
        Fewest escalations, and fewest non-escalations, that the tail partition must hold to
        be used, and that any calibration set must hold for isotonic regression; below it,
        calibration is cross-fitted and isotonic regression gives way to Platt scaling. ``0``
        always uses the tail partition.
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
    calibration_method_ : {"isotonic", "sigmoid", None}
        The calibrator actually fitted (``None``: uncalibrated scores).
    calibration_partition_ : {"tail", "cross-fitted", None}
        Where the calibrator's data came from.
    n_calibration_rows_, n_calibration_positives_ : int
        Size and escalations of the calibration set.
    n_calibration_folds_ : int
        Blocks scored out of fold (0 unless cross-fitted).
    calibration_folds_ : list of tuple
        Per cross-fitted block: the last training origin, the first and the last scored
        origin (row positions on the array interface).
    n_train_rows_ : int
        Rows the (final) base classifier was fitted on.
    calibration_origins_ : DatetimeIndex
        Origins whose rows the calibrator was fitted on (panel interface).
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
                 calibration_cv: int | None = 5, min_calibration_positives: int = 30,
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
        self.calibration_cv = calibration_cv
        self.min_calibration_positives = min_calibration_positives
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
        check_int(self.calibration_cv, "calibration_cv", self, min_value=2, allow_none=True)
        check_int(self.min_calibration_positives, "min_calibration_positives", self,
                  min_value=0)
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
    def _fit_base(self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> Any:
        """Fit a fresh base classifier on rows ``x, y`` (weights ``w``)."""
        if len(np.unique(y)) < 2:
            raise ConfigurationError(
                "EscalationClassifier: the training partition holds a single class "
                f"({np.unique(y).tolist()}); a classifier needs both escalations and "
                "non-escalations. Use a longer panel, a later origin or another label.")
        rng = np.random.default_rng(self.random_state)
        if self.max_train_rows is not None and len(y) > self.max_train_rows:
            keep = np.sort(rng.choice(len(y), self.max_train_rows, replace=False))
            x, y = x[keep], y[keep]
            w = None if w is None else w[keep]
        est = self._make_estimator()
        kwargs = {}
        if w is not None:
            step = "logisticregression__sample_weight" if self.estimator == "logistic" \
                else "sample_weight"
            kwargs[step] = w
        # On small training sets the OpenMP thread start-up and spin-waiting of the boosting
        # code dominate (and degrade badly on a loaded machine): use one thread there.
        limit = 1 if len(y) < _SMALL_FIT_ROWS else None
        with threadpool_limits(limits=limit, user_api="openmp"):
            est.fit(x, y, **kwargs)
        return est

    @staticmethod
    def _raw_scores(est: Any, x: np.ndarray) -> np.ndarray:
        """Uncalibrated probability of the positive class from a fitted base classifier."""
        limit = 1 if len(x) < _SMALL_FIT_ROWS else None
        with threadpool_limits(limits=limit, user_api="openmp"):
            return est.predict_proba(x)[:, 1]

    def _fit_time_ordered(self, keys: np.ndarray, positives: np.ndarray, totals: np.ndarray,
                          take: _RowTaker, n_tail: int, reach: int) -> np.ndarray:
        """Fit the base classifier and the calibrator on labelled rows grouped in time.

        Parameters
        ----------
        keys : ndarray of int, shape (n_keys,)
            Increasing time keys: the labelled origins' period positions on a panel, the row
            positions of a matrix.
        positives, totals : ndarray of shape (n_keys,)
            Escalations and labelled rows at each key.
        take : callable
            ``take(mask) -> (x, y, w)``: the rows of the keys selected by a boolean mask.
        n_tail : int
            Keys at the end forming the tail calibration partition (0: none).
        reach : int
            Keys after its own that a row's label looks into (the horizon on panels, 1 for
            the rows of a matrix): rows of key ``k`` train a base classifier that scores keys
            ``>= k + reach`` only.

        Returns
        -------
        ndarray of bool, shape (n_keys,)
            The keys whose rows the calibrator was fitted on.
        """
        n_keys = len(keys)
        negatives = totals - positives
        need = self.min_calibration_positives

        def both_classes(mask: np.ndarray) -> bool:
            return min(positives[mask].sum(), negatives[mask].sum()) > 0

        fit_mask, used = np.ones(n_keys, dtype=bool), np.zeros(n_keys, dtype=bool)
        partition: str | None = None
        parts: list[tuple[np.ndarray, np.ndarray]] = []
        self.calibration_folds_: list[tuple[Any, Any, Any]] = []
        if self.calibration is not None:
            start = keys[n_keys - n_tail] if n_tail else keys[-1] + 1
            tail = keys >= start
            before = keys + reach <= start
            usable = n_tail > 0 and both_classes(before)
            if not self.calibration_cv or (usable and min(
                    positives[tail].sum(), negatives[tail].sum()) >= need):
                partition = "tail"
                if usable:  # else there is nothing to train on before the tail
                    fit_mask, used = before, tail
            else:
                partition = "cross-fitted"
                blocks = np.array_split(keys, min(self.calibration_cv + 1, n_keys))
                for block in blocks[1:]:
                    train = keys + reach <= block[0]
                    if not both_classes(train):
                        continue
                    held = (keys >= block[0]) & (keys <= block[-1])
                    est = self._fit_base(*take(train))
                    x_held, y_held, _ = take(held)
                    parts.append((self._raw_scores(est, x_held), y_held))
                    used |= held
                    self.calibration_folds_.append((keys[train][-1], block[0], block[-1]))
        x_tr, y_tr, w_tr = take(fit_mask)
        est = self._fit_base(x_tr, y_tr, w_tr)
        if parts:
            scores = np.concatenate([p[0] for p in parts])
            y_cal = np.concatenate([p[1] for p in parts])
        elif partition == "tail" and used.any():
            x_cal, y_cal, _ = take(used)
            scores = self._raw_scores(est, x_cal)
        else:
            scores, y_cal = np.empty(0), np.empty(0, dtype=int)
        self.estimator_ = est
        n_iter = getattr(est, "n_iter_", None)
        if n_iter is None and hasattr(est, "steps"):
            n_iter = getattr(est.steps[-1][1], "n_iter_", None)
        self.n_iter_ = int(np.max(n_iter)) if n_iter is not None else 1
        self.n_train_rows_ = len(y_tr)
        self.feature_reference_ = np.median(x_tr, axis=0)
        self.n_calibration_folds_ = len(self.calibration_folds_)
        self._fit_calibrator(scores, y_cal, partition)
        return used

    def _fit_calibrator(self, scores: np.ndarray, y: np.ndarray, partition: str | None) -> None:
        """Fit the calibrator on out-of-sample scores, falling back when the set is small."""
        pos = int(np.sum(y == 1))
        neg = len(y) - pos
        self.n_calibration_rows_ = len(y)
        self.n_calibration_positives_ = pos
        method = self.calibration
        if method is not None and min(pos, neg) < _MIN_PLATT_CASES:
            warnings.warn(
                f"EscalationClassifier: the {partition} calibration set holds fewer than "
                f"{_MIN_PLATT_CASES} escalations or non-escalations (n_calibration_positives_, "
                "n_calibration_rows_), too few to calibrate; probabilities are left "
                "uncalibrated. Use a longer panel, a larger calibration_fraction or cross-fitted "
                "calibration (calibration_cv).", DataQualityWarning, stacklevel=5)
            method = None
        elif method == "isotonic" and min(pos, neg) < self.min_calibration_positives:
            warnings.warn(
                f"EscalationClassifier: the {partition} calibration set holds fewer escalations "
                f"or non-escalations than min_calibration_positives="
                f"{self.min_calibration_positives} (n_calibration_positives_, "
                "n_calibration_rows_); Platt scaling is used instead of isotonic regression.",
                DataQualityWarning, stacklevel=5)
            method = "sigmoid"
        self.calibrator_ = None
        if method == "isotonic":
            self.calibrator_ = IsotonicRegression(y_min=0.0, y_max=1.0,
                                                  out_of_bounds="clip").fit(scores, y)
        elif method == "sigmoid":
            cal = LogisticRegression(C=1e6).fit(_logit(scores).reshape(-1, 1), y)
            if cal.coef_[0, 0] < 0:
                # a calibration map must not decrease; under that constraint the likelihood's
                # maximum lies at slope 0, the calibration set's escalation rate
                warnings.warn(
                    f"EscalationClassifier: higher scores go with fewer escalations on the "
                    f"{partition} calibration set; every probability is set to its escalation "
                    "rate.", DataQualityWarning, stacklevel=5)
                cal.coef_[:] = 0.0
                cal.intercept_[:] = _logit(np.array([pos / len(y)]))
            self.calibrator_ = cal
        self.calibration_method_ = method
        self.calibration_partition_ = partition if method is not None else None

    def _proba1(self, x: np.ndarray) -> np.ndarray:
        raw = self._raw_scores(self.estimator_, x)
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
        if len(origins) == 0:
            raise ConfigurationError(
                "EscalationClassifier: the panel holds no labelled origin; use a longer panel "
                "or a later origin.")
        n_cal = int(round(self.calibration_fraction * len(origins))) if self.calibration else 0
        if self.calibration and self.calibration_fraction > 0:
            n_cal = max(n_cal, 1)
        lab = labels[:, origins]
        totals = np.isfinite(lab).sum(axis=0)
        positives = np.nansum(lab, axis=0)

        def take(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, None]:
            sel = origins[mask]
            x = x_all[:, sel, :].reshape(-1, x_all.shape[2])
            y = labels[:, sel].reshape(-1)
            ok = np.isfinite(y)
            return x[ok], y[ok].astype(int), None

        self.classes_ = np.array([0.0, 1.0])
        self.feature_names_ = names
        self.n_features_in_ = len(names)
        used = self._fit_time_ordered(origins, positives, totals, take, n_cal, self.horizon_)
        self.calibration_origins_ = arrays.periods[origins[used]]
        self.calibration_folds_ = [tuple(arrays.periods[k] for k in fold)
                                   for fold in self.calibration_folds_]

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

        def take(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
            return X[mask], yy[mask], None if w is None else w[mask]

        keys = np.arange(n)
        self._fit_time_ordered(keys, yy, np.ones(n, dtype=int), take, n_cal, 1)
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
