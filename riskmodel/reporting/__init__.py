"""Reports from results: per-dyad HTML/PDF reports and the ranked watchlist.

Reporting consumes what the pipeline computed (a :class:`ReportInputs`: panel, forecast ledger,
scores, recent events, metadata) and never recomputes. The on-disk results folder the ``report``
verb reads is described in :mod:`riskmodel.reporting.inputs`. matplotlib is imported only when a
report is written.
"""

from riskmodel.reporting.inputs import (
    RESULTS_FORMAT,
    ReportInputs,
    load_report_inputs,
    save_report_inputs,
)
from riskmodel.reporting.report import (
    build_reports,
    dyad_filename,
    figure_to_data_uri,
    write_dyad_report,
    write_watchlist,
)

__all__ = [
    "RESULTS_FORMAT",
    "ReportInputs",
    "build_reports",
    "dyad_filename",
    "figure_to_data_uri",
    "load_report_inputs",
    "save_report_inputs",
    "write_dyad_report",
    "write_watchlist",
]
