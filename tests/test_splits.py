"""Rolling-origin splits: expanding window on the period index, three disjoint blocks."""

from __future__ import annotations

import pandas as pd
import pytest

from riskmodel.evaluation import rolling_origin_splits
from riskmodel.exceptions import ConfigurationError

PERIODS = pd.date_range("2010-01-01", periods=100, freq="MS")


def test_blocks_are_disjoint_and_ordered():
    plan = rolling_origin_splits(PERIODS, horizons=(1, 3, 6, 12), holdout=20, validation=20,
                                 min_train=24)
    cal, val, hold = (plan.blocks[k] for k in ("calibration", "validation", "holdout"))
    assert cal[1] < val[0] and val[1] < hold[0]
    assert hold == (PERIODS[80], PERIODS[99])
    assert val == (PERIODS[60], PERIODS[79])
    assert cal[0] == PERIODS[24]
    for s in plan:
        a, b = plan.blocks[s.partition]
        # the whole outcome window lies in the split's block
        assert a <= s.target_start <= s.target_end <= b
        assert s.target_start == PERIODS[s.origin_index + 1]
        assert s.target_end == PERIODS[s.origin_index + s.horizon]
        assert s.origin == PERIODS[s.origin_index]
        assert s.n_train_periods == s.origin_index + 1 >= 24
    assert plan.horizons == (1, 3, 6, 12)
    # straddling windows dropped: (h - 1) per boundary and horizon
    assert plan.dropped == 2 * (0 + 2 + 5 + 11)


def test_holdout_origins_see_no_holdout_data_before_them():
    plan = rolling_origin_splits(PERIODS, horizons=(3,), holdout=12, validation=12)
    hold_start = plan.blocks["holdout"][0]
    for s in plan.select(partition=("calibration", "validation")):
        assert s.target_end < hold_start
    first_hold = min(s.origin for s in plan.select(partition="holdout"))
    assert first_hold == PERIODS[PERIODS.get_loc(hold_start) - 1]


def test_step_and_start_and_fractions():
    plan = rolling_origin_splits(PERIODS, start="2013-01-01", step=3, horizons=1,
                                 holdout=0.25, validation=0.25, min_train=12)
    origins = plan.origins()
    assert origins[0] == pd.Timestamp("2013-01-01")
    assert (origins.to_series().diff().dropna().dt.days > 80).all()
    n_eval = 100 - 1 - PERIODS.get_loc(pd.Timestamp("2013-01-01"))
    assert plan.params["holdout"] == round(0.25 * n_eval)
    frame = plan.to_frame()
    assert set(frame["partition"]) == {"calibration", "validation", "holdout"}
    assert "holdout" in plan.describe()


def test_dates_as_block_starts():
    plan = rolling_origin_splits(PERIODS, horizons=1, holdout="2017-01-01",
                                 validation="2015-01-01")
    assert plan.blocks["holdout"][0] == pd.Timestamp("2017-01-01")
    assert plan.blocks["validation"] == (pd.Timestamp("2015-01-01"), pd.Timestamp("2016-12-01"))


def test_accepts_panel_like_objects():
    class P:
        periods = PERIODS

    assert len(rolling_origin_splits(P(), horizons=1)) > 0


@pytest.mark.parametrize("kwargs, match", [
    ({"horizons": 0}, "horizons"),
    ({"step": 0}, "step"),
    ({"holdout": 60, "validation": 60}, "exceed"),
    ({"start": 2, "min_train": 12}, "min_train"),
    ({"holdout": 1.5}, "fraction"),
])
def test_bad_parameters(kwargs, match):
    with pytest.raises(ConfigurationError, match=match):
        rolling_origin_splits(PERIODS, **kwargs)


def test_unknown_partition_suggests():
    plan = rolling_origin_splits(PERIODS, horizons=1)
    with pytest.raises(ConfigurationError, match="holdout"):
        plan.select(partition="holdot")
