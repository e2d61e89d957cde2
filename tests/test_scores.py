"""Scores: cross-checks against scikit-learn and properscoring, and hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics

from riskmodel.evaluation import scores as S
from riskmodel.exceptions import ConfigurationError


@pytest.fixture
def binary_case():
    rng = np.random.default_rng(0)
    p = rng.beta(0.5, 4, size=2000)
    y = (rng.random(2000) < p).astype(float)
    # heavy ties, as in zero-inflated panels
    p[:500] = 0.0
    return y, p


def test_brier_equals_sklearn(binary_case):
    y, p = binary_case
    assert S.brier_score(y, p) == pytest.approx(metrics.brier_score_loss(y, p), abs=1e-14)


def test_auroc_equals_sklearn_with_ties(binary_case):
    y, p = binary_case
    assert S.roc_auc(y, p) == pytest.approx(metrics.roc_auc_score(y, p), abs=1e-12)
    q = np.round(p, 1)  # many ties
    assert S.roc_auc(y, q) == pytest.approx(metrics.roc_auc_score(y, q), abs=1e-12)


def test_aupr_equals_sklearn(binary_case):
    y, p = binary_case
    assert S.average_precision(y, p) == pytest.approx(
        metrics.average_precision_score(y, p), abs=1e-12)
    q = np.round(p, 1)
    assert S.average_precision(y, q) == pytest.approx(
        metrics.average_precision_score(y, q), abs=1e-12)


def test_log_loss_equals_sklearn(binary_case):
    y, p = binary_case
    q = np.clip(p, 0.01, 0.99)
    assert S.log_loss(y, q) == pytest.approx(metrics.log_loss(y, q), rel=1e-12)


def test_hand_computed_auroc_and_aupr():
    y = [0, 0, 1, 1]
    s = [0.1, 0.4, 0.35, 0.8]
    # pairs (pos, neg): (0.35>0.1) (0.35<0.4) (0.8>0.1) (0.8>0.4) -> 3/4
    assert S.roc_auc(y, s) == pytest.approx(0.75)
    # ranking 0.8(1) 0.4(0) 0.35(1) 0.1(0): AP = 0.5*1 + 0.5*(2/3)
    assert S.average_precision(y, s) == pytest.approx(0.5 + 1 / 3)
    assert S.roc_auc([1, 0], [0.5, 0.5]) == pytest.approx(0.5)
    assert np.isnan(S.roc_auc([0, 0], [0.1, 0.2]))


def test_brier_decomposition_identity(binary_case):
    y, p = binary_case
    for bins in (None, 10, 5, [0, 0.05, 0.2, 1.0]):
        d = S.brier_decomposition(y, p, bins=bins)
        total = (d.reliability - d.resolution + d.uncertainty + d.within_bin_variance
                 - d.within_bin_covariance)
        assert total == pytest.approx(d.brier, abs=1e-12)
        assert d.uncertainty == pytest.approx(y.mean() * (1 - y.mean()))
    d = S.brier_decomposition(y, p, bins=None)
    assert d.within_bin_variance == pytest.approx(0.0, abs=1e-15)


def test_brier_decomposition_hand_case():
    # two forecast values: 0.2 on four cases (one positive), 0.6 on two cases (two positives)
    y = [1, 0, 0, 0, 1, 1]
    p = [0.2, 0.2, 0.2, 0.2, 0.6, 0.6]
    d = S.brier_decomposition(y, p, bins=None)
    obar = 0.5
    rel = (4 * (0.2 - 0.25) ** 2 + 2 * (0.6 - 1.0) ** 2) / 6
    res = (4 * (0.25 - obar) ** 2 + 2 * (1.0 - obar) ** 2) / 6
    assert d.reliability == pytest.approx(rel)
    assert d.resolution == pytest.approx(res)
    assert d.uncertainty == pytest.approx(0.25)
    assert d.brier == pytest.approx(rel - res + 0.25)


def test_reliability_curve_matches_sklearn(binary_case):
    from sklearn.calibration import calibration_curve

    y, p = binary_case
    rc = S.reliability_curve(y, p, n_bins=10)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10)
    np.testing.assert_allclose(rc["observed"], prob_true, atol=1e-12)
    np.testing.assert_allclose(rc["mean_predicted"], prob_pred, atol=1e-12)
    assert rc["count"].sum() == len(y)
    assert ((rc["ci_low"] <= rc["observed"]) & (rc["observed"] <= rc["ci_high"])).all()


def test_top_k_precision_with_ties():
    y = [1, 0, 1, 0, 0]
    s = [0.9, 0.5, 0.5, 0.5, 0.1]
    assert S.top_k_precision(y, s, 1) == 1.0
    # 0.9 in the list, then one of three tied cases (one positive) -> (1 + 1/3) / 2
    assert S.top_k_precision(y, s, 2) == pytest.approx((1 + 1 / 3) / 2)
    assert S.top_k_precision(y, s, 5) == pytest.approx(0.4)


def test_crps_samples_equals_properscoring():
    ps = pytest.importorskip("properscoring")
    rng = np.random.default_rng(1)
    y = rng.poisson(3, size=200).astype(float)
    x = rng.negative_binomial(2, 0.4, size=(200, 150)).astype(float)
    np.testing.assert_allclose(S.crps_samples(y, x), ps.crps_ensemble(y, x), rtol=1e-10)


def test_crps_pmf_equals_properscoring_weighted_ensemble():
    ps = pytest.importorskip("properscoring")
    from scipy import stats

    rng = np.random.default_rng(2)
    n, K = 100, 60
    mu = rng.gamma(2, 2, size=n)
    k = np.arange(K + 1)
    pmf = stats.nbinom.pmf(k[None, :], 2, 2 / (2 + mu[:, None]))
    pmf = pmf / pmf.sum(axis=1, keepdims=True)
    y = rng.poisson(mu).astype(float)
    ours = S.crps_pmf(y, pmf)
    ref = ps.crps_ensemble(y, np.tile(k, (n, 1)).astype(float), weights=pmf)
    np.testing.assert_allclose(ours, ref, rtol=1e-8, atol=1e-10)
    sr = pytest.importorskip("scoringrules")
    ref2 = np.asarray(sr.crps_ensemble(y, np.tile(k, (n, 1)).astype(float), ens_w=pmf))
    np.testing.assert_allclose(ours, ref2, rtol=1e-6, atol=1e-8)


def test_crps_pmf_hand_cases():
    # point mass at 2, outcome 2 -> 0; outcome 0 -> F=0 at k=0,1 vs step 1 -> 2
    pmf = np.array([[0, 0, 1.0]])
    assert S.crps_pmf([2], pmf)[0] == pytest.approx(0.0)
    assert S.crps_pmf([0], pmf)[0] == pytest.approx(2.0)
    # outcome beyond the support: point mass at 0, outcome 3 -> |3 - 0| = 3
    assert S.crps_pmf([3], np.array([[1.0, 0.0]]))[0] == pytest.approx(3.0)


def test_interval_score_and_coverage_hand():
    y = np.array([0, 5, 12])
    lo = np.array([0, 2, 3])
    hi = np.array([4, 4, 10])
    assert S.interval_coverage(y, lo, hi) == pytest.approx(1 / 3)
    iscore = S.interval_score(y, lo, hi, alpha=0.05)
    np.testing.assert_allclose(iscore, [4, 2 + 40 * 1, 7 + 40 * 2])
    with pytest.raises(ConfigurationError):
        S.interval_score(y, hi, lo)


def test_ignorance_score():
    pmf = np.zeros((2, 8))
    pmf[:, 0] = 0.5
    pmf[:, 1] = 0.25
    pmf[:, 2] = 0.25
    ign = S.ignorance_score([0, 2], pmf)
    # bin {0}: 0.5 -> 1 bit; bin {1, 2}: 0.5 -> 1 bit
    np.testing.assert_allclose(ign, [1.0, 1.0])
    ign = S.ignorance_score([7], pmf[:1])
    assert ign[0] == pytest.approx(-np.log2(1e-6))


def test_mse_msle():
    assert S.mse([0, 2], [1, 1]) == 1.0
    assert S.msle([0, 0], [np.e - 1, 0]) == pytest.approx(0.5)
    assert S.msle([0, 3], [0, 3]) == 0.0


def test_input_errors_name_the_argument():
    with pytest.raises(ConfigurationError, match="y_true"):
        S.brier_score([0, 2], [0.1, 0.2])
    with pytest.raises(ConfigurationError, match="y_prob"):
        S.brier_score([0, 1], [0.1, 1.2])
    with pytest.raises(ConfigurationError, match="strategy"):
        S.reliability_curve([0, 1], [0.1, 0.2], strategy="unifrom")


def test_probability_scores_summary(binary_case):
    y, p = binary_case
    out = S.probability_scores(y, p, k=50)
    assert out["brier"] == pytest.approx(metrics.brier_score_loss(y, p))
    assert out["prevalence"] == pytest.approx(y.mean())
    assert 0 <= out["top_k_precision"] <= 1


def test_evaluation_does_not_import_matplotlib():
    import subprocess
    import sys

    code = ("import sys, riskmodel.evaluation, riskmodel.evaluation.backtest; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
