"""scikit-learn's common estimator checks over the scikit-learn style estimators.

The classifiers run on plain feature matrices (their array interface). The panel feature
transformers of :mod:`riskmodel.features` take panel frames indexed ``(dyad, period)``, not
arbitrary 2-D arrays, so the checks that feed them random arrays cannot hold by design; those
are skipped by scikit-learn itself: their tags declare that they take no plain 2-D arrays.
Checks that cannot hold for the classifier by design are marked as expected failures with the
reason.
"""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from riskmodel.models import EscalationClassifier

#: Checks that cannot hold for the calibrated classifier, with the reason.
CLASSIFIER_XFAIL = {
    "check_sample_weight_equivalence_on_dense_data": (
        "the last rows form the calibration partition, so repeating a row (instead of "
        "weighting it) moves the partition boundary and changes the fit"),
    "check_sample_weight_equivalence_on_sparse_data": (
        "the last rows form the calibration partition (see the dense check)"),
}

_CLASSIFIERS = [
    EscalationClassifier(),
    EscalationClassifier(estimator="gbm", max_iter=20, calibration="sigmoid", random_state=0),
]


def _expected_failed(estimator):
    # Only the logistic configuration fails them on the checks' data; the gradient-boosting
    # configuration checked here passes them, so it is held to them.
    if isinstance(estimator, EscalationClassifier) and estimator.estimator == "logistic":
        return CLASSIFIER_XFAIL
    # The panel transformers declare (through their tags) that they do not take plain 2-D
    # arrays, so scikit-learn skips the array-based checks for them instead of failing.
    return {}


def _transformers():
    try:
        from riskmodel import features
    except ImportError:  # pragma: no cover - features not built
        return []
    out = []
    for name in ("LagFeatures", "RollingFeatures", "EWMFeatures", "TrendFeatures",
                 "ReciprocityFeatures", "SpilloverFeatures", "ShareFeatures",
                 "TimeSinceFeatures"):
        cls = getattr(features, name, None)
        if cls is not None:
            out.append(cls())
    return out


@parametrize_with_checks(_CLASSIFIERS + _transformers(), expected_failed_checks=_expected_failed)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_classifier_params_round_trip():
    from sklearn.base import clone

    clf = EscalationClassifier(estimator="gbm", C=0.5, calibration="sigmoid")
    twin = clone(clf)
    assert twin.get_params() == clf.get_params()
    assert twin is not clf


@pytest.mark.parametrize("bad, match", [
    ({"estimator": "forest"}, "must be one of 'logistic', 'gbm'"),
    ({"calibration_fraction": 0.95}, "calibration_fraction"),
    ({"max_iter": 0}, "max_iter"),
])
def test_classifier_array_interface_rejects_bad_params(bad, match):
    import numpy as np

    from riskmodel.exceptions import ConfigurationError

    x = np.random.default_rng(0).normal(size=(50, 3))
    y = (x[:, 0] > 0).astype(int)
    with pytest.raises(ConfigurationError, match=match):
        EscalationClassifier(**bad).fit(x, y)
