"""Small hand-made results (panel frame, forecast ledger, events) for plotting/reporting tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

HOSTILE = '<script>alert("x")</script>&"\'<img src=http://evil.example/x.png> $\\frac{1}{$'
DYADS = ("AFG>PAK", "IND>PAK", "PAK>AFG", "PAK>IND")


def panel_frame(n_periods: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    periods = pd.date_range("2023-01-02", periods=n_periods, freq="W-MON")
    rows = []
    for d in DYADS:
        a, b = d.split(">")
        for p in periods:
            q = rng.poisson([8, 2, 5, 0.4])
            rows.append({"dyad": d, "period": p, "state_a": a, "state_b": b,
                         "n_events": int(q.sum()), "quad1": q[0], "quad2": q[1],
                         "quad3": q[2], "quad4": q[3]})
    return pd.DataFrame(rows).set_index(["dyad", "period"]).sort_index()


def ledger(panel: pd.DataFrame, seed: int = 1, horizon: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    periods = panel.index.get_level_values("period").unique()
    origins = periods[10:-horizon].append(periods[-1:])
    rows = []
    for d in DYADS:
        for i, o in enumerate(origins):
            live = o == periods[-1]
            for model, scale in (("logit", 1.0), ("base_rate", 0.0)):
                p = 0.2 + 0.1 * scale * np.sin(i / 3 + len(d)) + (0.05 if d == "PAK>AFG" else 0)
                rows.append({"dyad": d, "origin": o, "horizon": horizon,
                             "label": "material_conflict", "model": model,
                             "probability": float(np.clip(p, 0.01, 0.99)),
                             "outcome": np.nan if live else float(rng.random() < p),
                             "partition": "validation", "data_hash": "abc123"})
    return pd.DataFrame(rows)


def events(n: int = 30, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    codes = ["195", "190", "111", "043", "0256"]
    quad = {"195": 4, "190": 4, "111": 3, "043": 1, "0256": 1}
    gold = {"195": -10.0, "190": -10.0, "111": -2.0, "043": 2.8, "0256": -0.3}
    rows = []
    for i in range(n):
        c = codes[i % len(codes)]
        fwd = i % 2 == 0
        rows.append({
            "event_id": f"gdelt2:{i}", "source": "gdelt2",
            "date": pd.Timestamp("2023-09-01") + pd.Timedelta(days=int(rng.integers(0, 60))),
            "actor1_name": HOSTILE if i == 0 else "PAKISTAN", "actor1_code": "PAKMIL",
            "actor1_state": "PAK" if fwd else "AFG",
            "actor2_name": "AFGHANISTAN", "actor2_code": "AFGREB",
            "actor2_state": "AFG" if fwd else "PAK",
            "cameo_code": c, "quad_class": quad[c], "goldstein": gold[c], "weight": 3.0,
            "url": ("javascript:alert(1)" if i == 1 else
                    f"https://synthetic.example.org/news/{i}?a=1&b=<2>"),
            "quote": HOSTILE if i == 2 else None,
        })
    return pd.DataFrame(rows)
