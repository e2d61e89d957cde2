"""Display objects: computing never imports matplotlib; plot() draws and returns the axes."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from _report_fixtures import HOSTILE, events, ledger, panel_frame
from riskmodel.exceptions import ConfigurationError
from riskmodel.plotting import (
    RecentEventsTable,
    ReliabilityDisplay,
    RiskDisplay,
    TimelineDisplay,
)


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_import_riskmodel_does_not_import_matplotlib() -> None:
    out = _run("""
        import sys
        import riskmodel, riskmodel.plotting, riskmodel.reporting, riskmodel.datasets
        print('matplotlib' in sys.modules)
    """)
    assert out == "False"


def test_displays_compute_without_matplotlib() -> None:
    out = _run("""
        import sys
        sys.path.insert(0, "tests")
        from _report_fixtures import events, ledger, panel_frame
        from riskmodel.plotting import (RecentEventsTable, ReliabilityDisplay, RiskDisplay,
                                        TimelineDisplay)
        panel = panel_frame()
        led = ledger(panel)
        TimelineDisplay.from_panel(panel, "PAK>AFG")
        TimelineDisplay.from_events(events(), "PAK>AFG")
        RiskDisplay.from_ledger(led, "PAK>AFG", model="logit", baseline="base_rate")
        ReliabilityDisplay.from_ledger(led.dropna(subset=["outcome"]), model="logit")
        RecentEventsTable.from_events(events(), "PAK>AFG").to_html()
        print('matplotlib' in sys.modules)
    """)
    assert out == "False"


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return panel_frame()


def test_timeline_from_panel_both_directions(panel) -> None:
    disp = TimelineDisplay.from_panel(panel, "PAK>AFG")
    assert list(disp.counts.columns) == ["quad1", "quad2", "quad3", "quad4"]
    assert disp.reverse_dyad == "AFG>PAK"
    pd.testing.assert_frame_equal(
        disp.reverse_counts, panel.loc["AFG>PAK", ["quad1", "quad2", "quad3", "quad4"]]
        .astype(float))
    ax = disp.plot()
    import matplotlib.axes

    assert isinstance(ax, matplotlib.axes.Axes)
    assert ax.get_title() == "Events by QuadClass: PAK>AFG"
    assert ax.get_ylim()[0] < 0 < ax.get_ylim()[1]  # reverse direction mirrored below zero
    with pytest.raises(ConfigurationError, match="Did you mean 'PAK>AFG'"):
        TimelineDisplay.from_panel(panel, "PAK>AFF")


def test_timeline_from_events_counts_per_week() -> None:
    ev = events()
    disp = TimelineDisplay.from_events(ev, "PAK>AFG", freq="W")
    fwd = ev[(ev["actor1_state"] == "PAK") & (ev["actor2_state"] == "AFG")]
    assert disp.counts.to_numpy().sum() == len(fwd)
    assert disp.reverse_counts.to_numpy().sum() == len(ev) - len(fwd)
    assert (disp.counts.index.day_of_week == 0).all()
    undirected = TimelineDisplay.from_events(ev, "AFG-PAK", freq="M")
    assert undirected.counts.to_numpy().sum() == len(ev)
    assert undirected.reverse_counts is None
    with pytest.raises(ConfigurationError, match="freq"):
        TimelineDisplay.from_events(ev, "PAK>AFG", freq="Q")


def test_risk_display(panel) -> None:
    led = ledger(panel)
    fired = (panel["quad4"] > 0).astype(float)
    disp = RiskDisplay.from_ledger(led, "PAK>AFG", model="logit", baseline="base_rate",
                                   fired=fired)
    expected = led[(led["dyad"] == "PAK>AFG") & (led["model"] == "logit")]
    assert len(disp.risk) == len(expected)
    assert np.allclose(disp.risk["model"].to_numpy(), expected["probability"].to_numpy())
    assert "baseline" in disp.risk.columns
    assert len(disp.events) == int(fired.loc["PAK>AFG"].sum())
    ax = disp.plot()
    assert ax.get_ylim()[0] == 0
    assert "PAK>AFG" in ax.get_title()
    with pytest.raises(ConfigurationError, match="Did you mean 'logit'"):
        RiskDisplay.from_ledger(led, "PAK>AFG", model="logti")
    with pytest.raises(ConfigurationError, match="Horizon 9"):
        RiskDisplay.from_ledger(led, "PAK>AFG", model="logit", horizon=9)


def test_reliability_display_counts(panel) -> None:
    led = ledger(panel).dropna(subset=["outcome"])
    disp = ReliabilityDisplay.from_ledger(led, model="logit")
    assert disp.curve["count"].sum() == (led["model"] == "logit").sum()
    assert 0 <= disp.prevalence <= 1
    ax = disp.plot()
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("n=") for t in texts)
    with pytest.raises(ConfigurationError):
        ReliabilityDisplay.from_predictions([], [])


def test_recent_events_table_escapes() -> None:
    table = RecentEventsTable.from_events(events(), "PAK>AFG", n=50)
    assert list(table.frame.columns) == list(RecentEventsTable.COLUMNS)
    dates = pd.to_datetime(table.frame["date"])
    assert dates.is_monotonic_decreasing
    assert (table.frame["event"] != "").all()
    html = table.to_html()
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    one_way = RecentEventsTable.from_events(events(), "PAK>AFG", both_directions=False)
    assert len(one_way) == 15
    conflict = RecentEventsTable.from_events(events(), None, min_quad_class=4)
    assert (conflict.frame["quad_class"] == 4).all()
    assert HOSTILE in table.frame["actor1"].iloc[:].str.cat()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def test_recent_events_html_escapes_any_text() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    base = events(3)

    @settings(max_examples=60, deadline=None)
    @given(st.text(min_size=1, max_size=60), st.text(max_size=60))
    def check(name: str, quote: str) -> None:
        ev = base.copy()
        ev["actor1_name"] = name
        ev["quote"] = quote
        html = RecentEventsTable.from_events(ev, None).to_html()
        stripped = re.sub(r"</?(table|tr|th|td|q|br|a)( [^<>]*)?>", "", html)
        assert "<" not in stripped and ">" not in stripped

    check()


def test_undirected_timeline_and_plot_without_events() -> None:
    panel = panel_frame().reset_index()
    panel["dyad"] = panel["dyad"].map({"AFG>PAK": "AFG-PAK", "PAK>AFG": "AFG-PAK",
                                       "IND>PAK": "IND-PAK", "PAK>IND": "IND-PAK"})
    und = panel.groupby(["dyad", "period"])[["quad1", "quad2", "quad3", "quad4"]].sum()
    disp = TimelineDisplay.from_panel(und, "AFG-PAK")
    assert disp.reverse_counts is None
    ax = disp.plot()
    assert ax.get_ylim()[0] >= 0
    empty = RecentEventsTable.from_events(events().iloc[:0], "AFG-PAK")
    assert len(empty) == 0 and "no events" in empty.to_html()


def test_risk_display_shades_known_episodes(panel) -> None:
    led = ledger(panel)
    episodes = pd.DataFrame({
        "kind": ["cross_border_strike", "quiet", "escalation"],
        "initiator": ["PAK", "PAK", "IND"], "target": ["AFG", "AFG", "PAK"],
        "start": pd.to_datetime(["2023-05-01", "2023-06-01", "2023-05-01"]),
        "end": pd.to_datetime(["2023-05-03", "2023-07-01", "2023-05-09"]),
    })
    disp = RiskDisplay.from_ledger(led, "AFG>PAK", model="logit", episodes=episodes)
    assert len(disp.episodes) == 1  # the strike (either direction), not the quiet spell
    ax = disp.plot()
    assert "ground-truth episode" in [t.get_text() for t in ax.get_legend().get_texts()]
    with pytest.raises(ConfigurationError, match="initiator"):
        RiskDisplay.from_ledger(led, "AFG>PAK", model="logit",
                                episodes=episodes.drop(columns=["initiator", "target"]))
