"""The forecast ledger: append (Parquet and CSV), read, validate, re-score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss

from riskmodel.evaluation import LEDGER_COLUMNS, append_ledger, read_ledger, score_ledger
from riskmodel.exceptions import ConfigurationError, SchemaError


def make_ledger(n_origins: int = 6, n_dyads: int = 20, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for o in pd.date_range("2020-01-01", periods=n_origins, freq="MS"):
        for m in ("a", "b"):
            p = rng.uniform(0, 1, n_dyads)
            y = (rng.uniform(0, 1, n_dyads) < p).astype(float)
            rows.append(pd.DataFrame({
                "dyad": [f"X{i}>Y{i}" for i in range(n_dyads)], "origin": o, "horizon": 1,
                "label": "material_conflict", "model": m, "probability": p, "outcome": y,
                "data_hash": f"h{o.month}", "partition": "validation",
                "subgroup": np.where(rng.uniform(size=n_dyads) < 0.5, "onset", "continuation"),
            }))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_append_read_roundtrip(tmp_path, suffix):
    led = make_ledger()
    path = tmp_path / f"ledger.{suffix}"
    append_ledger(path, led.iloc[:100])
    append_ledger(path, led.iloc[100:])
    back = read_ledger(path)
    assert list(back.columns) == list(LEDGER_COLUMNS)
    assert len(back) == len(led)
    np.testing.assert_allclose(back["probability"], led["probability"])
    assert back["origin"].dtype.kind == "M"
    # the same forecasts again replace rather than duplicate
    append_ledger(path, led)
    assert len(read_ledger(path)) == len(led)


def test_rescore_equals_direct_scores():
    led = make_ledger()
    s = score_ledger(led)
    a = s[(s["model"] == "a") & (s["subgroup"] == "all")].iloc[0]
    sel = led["model"] == "a"
    assert a["brier"] == pytest.approx(brier_score_loss(led.loc[sel, "outcome"],
                                                        led.loc[sel, "probability"]))
    assert a["aupr"] == pytest.approx(average_precision_score(led.loc[sel, "outcome"],
                                                              led.loc[sel, "probability"]))
    onset = s[(s["model"] == "a") & (s["subgroup"] == "onset")].iloc[0]
    assert onset["n"] == ((led["model"] == "a") & (led["subgroup"] == "onset")).sum()
    assert a["n_origins"] == 6


def test_validation_errors(tmp_path):
    led = make_ledger()
    with pytest.raises(SchemaError, match="probability"):
        bad = led.copy()
        bad.loc[3, "probability"] = 1.5
        append_ledger(tmp_path / "x.parquet", bad)
    with pytest.raises(SchemaError, match="outcome"):
        bad = led.copy()
        bad.loc[3, "outcome"] = 2
        score_ledger(bad)
    with pytest.raises(SchemaError, match="data_hash"):
        score_ledger(led.drop(columns="data_hash"))
    with pytest.raises(ConfigurationError, match=r"\.parquet or \.csv"):
        append_ledger(tmp_path / "x.json", led)
    with pytest.raises(ConfigurationError, match="does not exist"):
        read_ledger(tmp_path / "missing.parquet")
    with pytest.raises(ConfigurationError, match="Did you mean 'horizon'"):
        score_ledger(led, by=("model", "horizn"))
