"""Small synthetic dyad-period panels in the shape of ``riskmodel.panel.DyadPanel``.

Counts follow a discrete-time self-exciting process per directed dyad (with excitation from the
reverse direction), so that history carries signal for the models to find.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskmodel.panel import DyadPanel

STATES = ("AFG", "IND", "IRN", "PAK", "RUS", "UKR")




def make_panel(n_states: int = 4, n_periods: int = 48, seed: int = 0, freq: str = "M",
               directed: bool = True, quiet_dyads: int = 1) -> DyadPanel:
    """A balanced, zero-filled panel; the last ``quiet_dyads`` directed dyads are all zeros."""
    rng = np.random.default_rng(seed)
    states = STATES[:n_states]
    dyads = [f"{a}>{b}" for a in states for b in states if a != b] if directed else \
        [f"{a}-{b}" for i, a in enumerate(states) for b in states[i + 1:]]
    dyads = sorted(dyads)
    d = len(dyads)
    start = "2015-01-01" if freq == "M" else "2015-01-05"
    pandas_freq = {"M": "MS", "W": "W-MON", "D": "D"}[freq]
    periods = pd.date_range(start, periods=n_periods, freq=pandas_freq)
    mu = rng.gamma(0.5, 0.25, size=d)
    pos = {x: i for i, x in enumerate(dyads)}
    rev = np.array([pos.get(f"{x.split('>')[1]}>{x.split('>')[0]}", i) if directed else i
                    for i, x in enumerate(dyads)])
    q4 = np.zeros((d, n_periods))
    r = np.zeros(d)
    for t in range(n_periods):
        lam = mu + 0.3 * r + 0.1 * r[rev]
        q4[:, t] = rng.poisson(lam)
        r = q4[:, t] + 0.5 * r
    if quiet_dyads:
        q4[-quiet_dyads:] = 0
    q3 = rng.poisson(0.5 * q4 + 0.3)
    q1 = rng.poisson(1.0 + 0.2 * q4)
    q2 = rng.poisson(0.3, size=q4.shape)
    if quiet_dyads:
        for q in (q1, q2, q3):
            q[-quiet_dyads:] = 0
    n = q1 + q2 + q3 + q4
    fat = np.where(q4 > 0, rng.poisson(0.8 * q4), 0)
    gs = -8.0 * q4 - 4.0 * q3 + 3.0 * q1 + 6.0 * q2
    gmean = np.divide(gs, n, out=np.zeros_like(gs), where=n > 0)
    gmin = np.where(q4 > 0, -10.0, np.where(q3 > 0, -5.0, np.where(n > 0, 1.0, 0.0)))
    volume = np.broadcast_to(n.sum(axis=0), n.shape)
    index = pd.MultiIndex.from_product([dyads, periods], names=["dyad", "period"])
    cols = {
        "state_a": np.repeat([x[:3] for x in dyads], n_periods),
        "state_b": np.repeat([x[4:] for x in dyads], n_periods),
        "n_events": n.ravel(), "quad1": q1.ravel(), "quad2": q2.ravel(), "quad3": q3.ravel(),
        "quad4": q4.ravel(),
    }
    roots = np.zeros((20, d * n_periods))
    roots[0] = q1.ravel()
    roots[6] = q2.ravel()
    roots[10] = q3.ravel()
    roots[18] = q4.ravel()
    for k in range(20):
        cols[f"root{k + 1:02d}"] = roots[k]
    cols.update({
        "goldstein_sum": gs.ravel(), "goldstein_mean": gmean.ravel(), "goldstein_min": gmin.ravel(),
        "fatalities": fat.ravel().astype(float), "weight": (3.0 * n).ravel(),
        "volume": volume.ravel().astype(float),
    })
    frame = pd.DataFrame(cols, index=index)
    frame["share"] = np.divide(frame["n_events"], frame["volume"],
                               out=np.zeros(len(frame)), where=frame["volume"].to_numpy() > 0)
    for c in frame.columns[2:]:
        frame[c] = frame[c].astype("int64" if c == "n_events" or c.startswith(("quad", "root"))
                                   else "float64")
    return DyadPanel(frame, freq=freq, directed=directed, meta={"source": "synthetic"})


def with_future_changed(panel: DyadPanel, origin, seed: int = 99) -> DyadPanel:
    """A copy whose rows after ``origin`` are replaced by noise (for leakage tests)."""
    rng = np.random.default_rng(seed)
    data = panel.data.copy()
    after = data.index.get_level_values("period") > pd.Timestamp(origin)
    numeric = [c for c in data.columns if c not in ("state_a", "state_b")]
    for c in numeric:
        data.loc[after, c] = rng.poisson(5.0, size=int(after.sum())).astype(data[c].dtype)
    return DyadPanel(data, freq=panel.freq, directed=panel.directed, meta=dict(panel.meta))
