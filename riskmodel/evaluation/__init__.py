"""Evaluation: rolling-origin splits, scores, backtests and the forecast ledger.

* :mod:`~riskmodel.evaluation.splits`: :func:`rolling_origin_splits` (expanding window on the
  period index; calibration / validation / held-out blocks).
* :mod:`~riskmodel.evaluation.scores`: Brier and its decomposition, log loss, empirical AUROC,
  AUPR, reliability curves, top-k precision; CRPS, interval coverage and score, ignorance,
  MSE/MSLE for counts.
* :mod:`~riskmodel.evaluation.backtest`: :func:`backtest` -> :class:`BacktestResult` (ledger,
  scores by horizon and onset/continuation, skill against baselines with block-bootstrap
  intervals).
* :mod:`~riskmodel.evaluation.ledger`: append, read and re-score forecast ledgers.
"""

from riskmodel.evaluation.backtest import (
    BacktestResult,
    HoldoutReport,
    backtest,
    block_bootstrap_skill,
    diebold_mariano,
    panel_hash,
    select_then_holdout,
    skill_scores,
)
from riskmodel.evaluation.ledger import (
    LEDGER_COLUMNS,
    append_ledger,
    read_ledger,
    score_ledger,
    validate_ledger,
)
from riskmodel.evaluation.scores import (
    BrierDecomposition,
    average_precision,
    brier_decomposition,
    brier_score,
    count_scores,
    crps_pmf,
    crps_samples,
    ignorance_score,
    interval_coverage,
    interval_score,
    log_loss,
    mse,
    msle,
    prevalence,
    probability_scores,
    reliability_curve,
    roc_auc,
    top_k_precision,
)
from riskmodel.evaluation.splits import PARTITIONS, Split, SplitPlan, rolling_origin_splits

__all__ = [
    "BacktestResult",
    "HoldoutReport",
    "select_then_holdout",
    "backtest",
    "block_bootstrap_skill",
    "diebold_mariano",
    "panel_hash",
    "skill_scores",
    "LEDGER_COLUMNS",
    "append_ledger",
    "read_ledger",
    "score_ledger",
    "validate_ledger",
    "BrierDecomposition",
    "average_precision",
    "brier_decomposition",
    "brier_score",
    "count_scores",
    "crps_pmf",
    "crps_samples",
    "ignorance_score",
    "interval_coverage",
    "interval_score",
    "log_loss",
    "mse",
    "msle",
    "prevalence",
    "probability_scores",
    "reliability_curve",
    "roc_auc",
    "top_k_precision",
    "PARTITIONS",
    "Split",
    "SplitPlan",
    "rolling_origin_splits",
]
