"""Plots as Display objects: compute once from results, draw many times.

``from_*`` class methods compute only what a plot needs (from a panel, a forecast ledger or an
events frame); ``.plot(ax=None)`` draws with matplotlib, imported lazily inside ``plot`` (Agg
backend unless another was chosen), so importing this package never imports matplotlib.
"""

from riskmodel.plotting.displays import (
    QUAD_COLORS,
    QUAD_NAMES,
    RecentEventsTable,
    ReliabilityDisplay,
    RiskDisplay,
    TimelineDisplay,
    panel_frame,
)

__all__ = [
    "QUAD_COLORS",
    "QUAD_NAMES",
    "RecentEventsTable",
    "ReliabilityDisplay",
    "RiskDisplay",
    "TimelineDisplay",
    "panel_frame",
]
