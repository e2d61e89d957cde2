"""Rolling-origin splits on the period index of a dyad panel.

A forecast is made at an *origin* period ``t`` (everything up to and including ``t`` may be
used) for a *horizon* of ``h`` periods: the outcome window is ``(t, t + h]``. Training windows
expand: the model fitted at origin ``t`` sees every period up to ``t``. Splits are made on the
period index, never on rows (a panel has one row per dyad and period).

The periods after the first origin are cut into three consecutive blocks:

``calibration``
    the earliest block, for recalibrating probabilities and tuning;
``validation``
    for choosing between models;
``holdout``
    the held-out future, scored once, after the choice is made.

A split belongs to the block that holds its whole outcome window. Splits whose window straddles
two blocks are dropped (and counted in :attr:`SplitPlan.dropped`), so that no outcome of a later
block is seen while working on an earlier one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskmodel.exceptions import ConfigurationError

__all__ = ["PARTITIONS", "DEFAULT_HORIZONS", "Split", "SplitPlan", "rolling_origin_splits"]

#: Partitions in time order.
PARTITIONS: tuple[str, ...] = ("calibration", "validation", "holdout")
#: Horizons (in periods) used when none are given.
DEFAULT_HORIZONS: tuple[int, ...] = (1, 3, 6, 12)


@dataclass(frozen=True)
class Split:
    """One origin and horizon of a rolling-origin backtest.

    Attributes
    ----------
    origin : pandas.Timestamp
        Last period whose data may be used.
    origin_index : int
        Position of ``origin`` in the panel's periods.
    horizon : int
        Number of periods ahead; the outcome window is ``(origin, origin + horizon]``.
    partition : str
        One of :data:`PARTITIONS`.
    target_start, target_end : pandas.Timestamp
        First and last period of the outcome window.
    """

    origin: pd.Timestamp
    origin_index: int
    horizon: int
    partition: str
    target_start: pd.Timestamp
    target_end: pd.Timestamp

    @property
    def n_train_periods(self) -> int:
        """Periods available for training (the expanding window up to the origin)."""
        return self.origin_index + 1


@dataclass
class SplitPlan:
    """The splits of a rolling-origin backtest and the blocks they fall in.

    Iterating yields :class:`Split` objects ordered by origin, then horizon.

    Attributes
    ----------
    splits : list of Split
    periods : pandas.DatetimeIndex
        All periods of the panel.
    blocks : dict
        Partition name -> ``(first_period, last_period)`` of its block, or ``None`` when empty.
    dropped : int
        Splits left out because their outcome window straddles two blocks.
    """

    splits: list[Split]
    periods: pd.DatetimeIndex
    blocks: dict[str, tuple[pd.Timestamp, pd.Timestamp] | None]
    dropped: int = 0
    params: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Split]:
        return iter(self.splits)

    def __len__(self) -> int:
        return len(self.splits)

    @property
    def horizons(self) -> tuple[int, ...]:
        """Distinct horizons, ascending."""
        return tuple(sorted({s.horizon for s in self.splits}))

    def origins(self, partition: str | None = None, horizon: int | None = None
                ) -> pd.DatetimeIndex:
        """Distinct origins, optionally of one partition and/or horizon."""
        sel = self.select(partition=partition, horizon=horizon)
        return pd.DatetimeIndex(sorted({s.origin for s in sel}))

    def select(self, *, partition: str | Sequence[str] | None = None,
               horizon: int | Sequence[int] | None = None) -> list[Split]:
        """Splits of the given partition(s) and horizon(s)."""
        parts = _as_tuple(partition)
        if parts is not None:
            for p in parts:
                _check_partition(p)
        hs = _as_tuple(horizon)
        return [s for s in self.splits
                if (parts is None or s.partition in parts) and (hs is None or s.horizon in hs)]

    def to_frame(self) -> pd.DataFrame:
        """One row per split: origin, origin_index, horizon, partition, target_start/end."""
        return pd.DataFrame(
            [(s.origin, s.origin_index, s.horizon, s.partition, s.target_start, s.target_end)
             for s in self.splits],
            columns=["origin", "origin_index", "horizon", "partition", "target_start",
                     "target_end"],
        )

    def describe(self) -> str:
        """A short text summary of the blocks and the number of splits in each."""
        lines = [f"rolling-origin plan: {len(self.splits)} splits over {len(self.periods)} "
                 f"periods, horizons {list(self.horizons)}, {self.dropped} dropped at block "
                 "boundaries"]
        for p in PARTITIONS:
            b = self.blocks.get(p)
            n = len(self.select(partition=p))
            span = "empty" if b is None else f"{b[0].date()} .. {b[1].date()}"
            lines.append(f"  {p:<12} {span:<26} {n} splits")
        return "\n".join(lines)


def _as_tuple(value: Any) -> tuple | None:
    if value is None:
        return None
    if isinstance(value, (str, int, np.integer)):
        return (value,)
    return tuple(value)


def _check_partition(p: str) -> None:
    if p not in PARTITIONS:
        import difflib

        near = difflib.get_close_matches(str(p), PARTITIONS, n=1)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise ConfigurationError(f"Unknown partition {p!r}; expected one of {list(PARTITIONS)}."
                                 f"{hint}")


def _periods_of(panel: Any) -> pd.DatetimeIndex:
    if isinstance(panel, pd.DatetimeIndex):
        periods = panel
    elif hasattr(panel, "periods"):
        periods = pd.DatetimeIndex(panel.periods)
    elif isinstance(panel, pd.DataFrame) and "period" in (panel.index.names or []):
        periods = pd.DatetimeIndex(panel.index.get_level_values("period").unique()).sort_values()
    else:
        try:
            periods = pd.DatetimeIndex(panel)
        except Exception as exc:  # noqa: BLE001 - re-raised with context
            raise ConfigurationError(
                "rolling_origin_splits needs a DyadPanel (with .periods) or a sequence of "
                f"period timestamps; got {type(panel).__name__}.") from exc
    if not periods.is_monotonic_increasing or periods.has_duplicates:
        raise ConfigurationError("The panel's periods must be strictly increasing.")
    return periods


def _position(periods: pd.DatetimeIndex, value: Any, name: str) -> int:
    """Index of a period given as int position or timestamp-like (first period >= value)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        pos = int(value) if value >= 0 else len(periods) + int(value)
        if not 0 <= pos < len(periods):
            raise ConfigurationError(f"The {name!r} parameter {value!r} is outside the panel's "
                                     f"{len(periods)} periods.")
        return pos
    try:
        ts = pd.Timestamp(value)
    except Exception as exc:  # noqa: BLE001
        raise ConfigurationError(f"The {name!r} parameter must be a period position (int) or a "
                                 f"date. Got {value!r} instead.") from exc
    pos = int(periods.searchsorted(ts, side="left"))
    if pos >= len(periods):
        raise ConfigurationError(f"The {name!r} parameter {ts.date()} is after the panel's last "
                                 f"period {periods[-1].date()}.")
    return pos


def _block_size(value: Any, n_eval: int, name: str, periods: pd.DatetimeIndex) -> int | None:
    """Size in periods of a block given as int, fraction, or start date (None: date given)."""
    if isinstance(value, bool):
        raise ConfigurationError(f"The {name!r} parameter must be an int, a fraction or a date.")
    if isinstance(value, (int, np.integer)):
        if value < 0:
            raise ConfigurationError(f"The {name!r} parameter must be >= 0. Got {value}.")
        return int(value)
    if isinstance(value, float):
        if not 0.0 <= value < 1.0:
            raise ConfigurationError(f"The {name!r} parameter as a fraction must be in [0, 1). "
                                     f"Got {value!r} instead.")
        return int(round(value * n_eval))
    return None


def rolling_origin_splits(
    panel: Any,
    *,
    start: int | str | pd.Timestamp | None = None,
    step: int = 1,
    horizons: int | Sequence[int] = DEFAULT_HORIZONS,
    holdout: int | float | str | pd.Timestamp = 0.2,
    validation: int | float | str | pd.Timestamp = 0.3,
    min_train: int = 12,
) -> SplitPlan:
    """Rolling-origin splits with an expanding window, on the period index.

    Parameters
    ----------
    panel : DyadPanel, DataFrame indexed (dyad, period), or sequence of timestamps
        The panel whose ``periods`` are split (or the periods themselves).
    start : int, date or None
        First origin, as a period position or a date (the first period on or after it). ``None``:
        the period at position ``min_train - 1``.
    step : int, default 1
        Periods between consecutive origins.
    horizons : int or sequence of int, default (1, 3, 6, 12)
        Forecast horizons in periods.
    holdout, validation : int, float or date
        Size of the held-out and the validation block: a number of periods (int), a fraction of
        the periods after the first origin (float), or the date of the block's first period.
        The calibration block is what remains between the first origin and the validation
        block.
    min_train : int, default 12
        Smallest number of periods in a training window (used when ``start`` is None and
        checked otherwise).

    Returns
    -------
    SplitPlan

    Raises
    ------
    ConfigurationError
        On a bad parameter, or when the blocks do not fit in the panel.
    """
    periods = _periods_of(panel)
    n = len(periods)
    hs = _as_tuple(horizons)
    if not hs or any(not isinstance(h, (int, np.integer)) or isinstance(h, bool) or h < 1
                     for h in hs):
        raise ConfigurationError(f"The 'horizons' parameter must hold ints >= 1. Got "
                                 f"{horizons!r} instead.")
    hs = tuple(sorted({int(h) for h in hs}))
    if not isinstance(step, (int, np.integer)) or step < 1:
        raise ConfigurationError(f"The 'step' parameter must be an int >= 1. Got {step!r} "
                                 "instead.")
    if not isinstance(min_train, (int, np.integer)) or min_train < 1:
        raise ConfigurationError(f"The 'min_train' parameter must be an int >= 1. Got "
                                 f"{min_train!r} instead.")
    if n < 2:
        raise ConfigurationError(f"A rolling-origin backtest needs at least 2 periods; the panel "
                                 f"has {n}.")
    first = min_train - 1 if start is None else _position(periods, start, "start")
    if first + 1 < min_train:
        raise ConfigurationError(
            f"The first origin {periods[min(first, n - 1)].date()} leaves {first + 1} training "
            f"periods, fewer than min_train={min_train}; move 'start' later or lower "
            "'min_train'.")
    if first >= n - 1:
        raise ConfigurationError(
            f"The first origin (position {first}) leaves no period to forecast; the panel has "
            f"{n} periods. Move 'start' earlier or lower 'min_train'.")
    n_eval = n - 1 - first  # periods after the first origin
    n_hold = _block_size(holdout, n_eval, "holdout", periods)
    if n_hold is None:
        n_hold = n - _position(periods, holdout, "holdout")
    n_val = _block_size(validation, n_eval, "validation", periods)
    if n_val is None:
        val_start = _position(periods, validation, "validation")
        n_val = (n - n_hold) - val_start
        if n_val < 0:
            raise ConfigurationError("The validation block must start before the holdout block.")
    if n_hold + n_val > n_eval:
        raise ConfigurationError(
            f"holdout ({n_hold}) and validation ({n_val}) periods exceed the {n_eval} periods "
            f"after the first origin {periods[first].date()}; shrink them or start earlier.")
    hold_start = n - n_hold
    val_start = hold_start - n_val
    cal_start = first + 1
    bounds = {
        "calibration": (cal_start, val_start - 1),
        "validation": (val_start, hold_start - 1),
        "holdout": (hold_start, n - 1),
    }
    blocks: dict[str, tuple[pd.Timestamp, pd.Timestamp] | None] = {
        k: (periods[a], periods[b]) if b >= a else None for k, (a, b) in bounds.items()
    }

    def block_of(pos: int) -> str | None:
        for k, (a, b) in bounds.items():
            if a <= pos <= b:
                return k
        return None

    splits: list[Split] = []
    dropped = 0
    for i in range(first, n - 1, step):
        for h in hs:
            if i + h > n - 1:
                continue
            b1, b2 = block_of(i + 1), block_of(i + h)
            if b1 is None or b1 != b2:
                dropped += 1
                continue
            splits.append(Split(periods[i], i, h, b1, periods[i + 1], periods[i + h]))
    params = {"start": periods[first], "step": int(step), "horizons": hs, "holdout": n_hold,
              "validation": n_val, "min_train": int(min_train)}
    return SplitPlan(splits=splits, periods=periods, blocks=blocks, dropped=dropped,
                     params=params)
