"""riskmodel: escalation risk between pairs of states, from event data and news articles.

Data flows one way::

    sources / coding  ->  events  ->  store  ->  panel  ->  labels / features  ->  models
                      ->  evaluation  ->  plotting / reporting

This module is the supported import path; everything public is listed in ``__all__``. Names
are imported on first use, so ``import riskmodel`` stays quick and pulls in neither the
modelling libraries nor matplotlib until they are needed.

Examples
--------
>>> import riskmodel as rm
>>> store = rm.EventStore("events.duckdb")  # doctest: +SKIP
>>> store.ingest("gdelt2", ["20180326044500.export.CSV"]).counts()  # doctest: +SKIP
>>> panel = rm.build_panel(store, freq="W")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name -> module that defines it.
_EXPORTS: dict[str, str] = {
    # events and errors
    "EVENT_COLUMNS": "riskmodel.events",
    "SOURCES": "riskmodel.events",
    "check_events": "riskmodel.events",
    "validate_events": "riskmodel.events",
    "ConfigurationError": "riskmodel.exceptions",
    "DataQualityWarning": "riskmodel.exceptions",
    "DownloadError": "riskmodel.exceptions",
    "NotFittedError": "riskmodel.exceptions",
    "RiskmodelError": "riskmodel.exceptions",
    "SchemaError": "riskmodel.exceptions",
    "SourceFormatError": "riskmodel.exceptions",
    "StoreError": "riskmodel.exceptions",
    # codes
    "cameo_table": "riskmodel.codes.cameo",
    "to_iso3": "riskmodel.codes.states",
    "from_iso3": "riskmodel.codes.states",
    "state_name": "riskmodel.codes.states",
    # store and sources
    "EventStore": "riskmodel.store",
    "IngestReport": "riskmodel.store",
    "reader_kinds": "riskmodel.sources.base",
    "fetch_gdelt1": "riskmodel.sources.download",
    "fetch_gdelt2": "riskmodel.sources.download",
    "fetch_ucdp_ged": "riskmodel.sources.download",
    "fetch_acled": "riskmodel.sources.download",
    "FetchResult": "riskmodel.sources.download",
    # article coder
    "ArticleCoder": "riskmodel.coding",
    "ActorTable": "riskmodel.coding",
    "code_article": "riskmodel.coding",
    "read_articles": "riskmodel.coding",
    # panels, labels, features
    "DyadPanel": "riskmodel.panel",
    "build_panel": "riskmodel.panel",
    "export_parquet": "riskmodel.engines.dask_engine",
    "LABELS": "riskmodel.labels",
    "LabelDefinition": "riskmodel.labels",
    "get_label": "riskmodel.labels",
    "make_labels": "riskmodel.labels",
    "LagFeatures": "riskmodel.features",
    "RollingFeatures": "riskmodel.features",
    "EWMFeatures": "riskmodel.features",
    "TrendFeatures": "riskmodel.features",
    "ReciprocityFeatures": "riskmodel.features",
    "SpilloverFeatures": "riskmodel.features",
    "ShareFeatures": "riskmodel.features",
    "TimeSinceFeatures": "riskmodel.features",
    "make_feature_pipeline": "riskmodel.features",
    # models
    "ZeroBaseline": "riskmodel.models",
    "BaseRateBaseline": "riskmodel.models",
    "LastValueBaseline": "riskmodel.models",
    "TrailingMeanBaseline": "riskmodel.models",
    "ConflictologyBaseline": "riskmodel.models",
    "LaggedLogitBaseline": "riskmodel.models",
    "NegBinModel": "riskmodel.models",
    "ZINBModel": "riskmodel.models",
    "SarimaxModel": "riskmodel.models",
    "VarModel": "riskmodel.models",
    "HawkesModel": "riskmodel.models",
    "EscalationClassifier": "riskmodel.models",
    "load_model": "riskmodel.models",
    # evaluation
    **{name: "riskmodel.evaluation" for name in (
        "rolling_origin_splits", "SplitPlan", "Split", "backtest", "BacktestResult",
        "select_then_holdout", "HoldoutReport", "skill_scores", "score_ledger", "read_ledger",
        "append_ledger", "LEDGER_COLUMNS", "brier_score", "brier_decomposition", "log_loss",
        "roc_auc", "average_precision", "reliability_curve", "top_k_precision", "crps_pmf",
        "crps_samples", "interval_score", "interval_coverage", "ignorance_score")},
    # reporting and the main job
    "ReportInputs": "riskmodel.reporting",
    "build_reports": "riskmodel.reporting",
    "write_dyad_report": "riskmodel.reporting",
    "write_watchlist": "riskmodel.reporting",
    "save_report_inputs": "riskmodel.reporting",
    "load_report_inputs": "riskmodel.reporting",
    "TimelineDisplay": "riskmodel.plotting",
    "RiskDisplay": "riskmodel.plotting",
    "ReliabilityDisplay": "riskmodel.plotting",
    "RecentEventsTable": "riskmodel.plotting",
    "PipelineConfig": "riskmodel.pipeline",
    "run_pipeline": "riskmodel.pipeline",
    "run_default": "riskmodel.pipeline",
    # bundled data
    **{name: "riskmodel.datasets" for name in (
        "simulate_world", "load_default_world", "default_world_path", "load_world",
        "load_ground_truth", "episode_indicator", "DEFAULT_WORLD", "WorldParams", "World")},
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'riskmodel' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
