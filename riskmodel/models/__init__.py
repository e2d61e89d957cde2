"""Escalation models behind one interface (see :mod:`riskmodel.models.base`).

=========================  ==================================================================
Baselines                  :class:`ZeroBaseline`, :class:`BaseRateBaseline`,
                           :class:`LastValueBaseline`, :class:`TrailingMeanBaseline`,
                           :class:`ConflictologyBaseline`, :class:`LaggedLogitBaseline`
Count models               :class:`NegBinModel`, :class:`ZINBModel` (pooled GLMs on lagged
                           counts), :class:`SarimaxModel` (per dyad), :class:`VarModel` (per
                           state pair), :class:`HawkesModel` (self-exciting, discrete time)
Classifiers                :class:`EscalationClassifier` (logistic / gradient boosting,
                           calibrated, with per-forecast explanations)
=========================  ==================================================================

Every model is fitted with ``fit(panel, *, label, horizon, origin)`` and forecasts with
``predict_proba(panel, *, origin)``; count models add ``predict_counts`` returning a
:class:`CountForecast`. Fitted models are saved with ``model.save(path)`` and read with
``Model.load(path)`` or :func:`load_model`.
"""

from riskmodel.models.arima import DyadResults, SarimaxModel
from riskmodel.models.base import CountForecast, ForecastModel, LabelSpec, load_model
from riskmodel.models.baselines import (
    BaseRateBaseline,
    ConflictologyBaseline,
    LaggedLogitBaseline,
    LastValueBaseline,
    TrailingMeanBaseline,
    ZeroBaseline,
)
from riskmodel.models.classify import EscalationClassifier, history_features
from riskmodel.models.counts import NegBinModel, ZINBModel
from riskmodel.models.hawkes import HawkesModel, HawkesResults, fit_hawkes
from riskmodel.models.var import VarModel

__all__ = [
    "ForecastModel",
    "CountForecast",
    "LabelSpec",
    "load_model",
    "ZeroBaseline",
    "BaseRateBaseline",
    "LastValueBaseline",
    "TrailingMeanBaseline",
    "ConflictologyBaseline",
    "LaggedLogitBaseline",
    "NegBinModel",
    "ZINBModel",
    "SarimaxModel",
    "VarModel",
    "HawkesModel",
    "HawkesResults",
    "fit_hawkes",
    "DyadResults",
    "EscalationClassifier",
    "history_features",
]

#: Every model class, by name (for configuration files and the command line).
MODELS = {name: obj for name, obj in globals().items()
          if isinstance(obj, type) and issubclass(obj, ForecastModel) and obj is not ForecastModel}
__all__.append("MODELS")
