"""The canonical event schema and its validator."""

from __future__ import annotations

import pandas as pd
import pytest

from riskmodel.events import (
    EVENT_COLUMNS,
    check_events,
    conform_events,
    empty_events,
    make_event_id,
    validate_events,
)
from riskmodel.exceptions import SchemaError


def _rows(**over: object) -> pd.DataFrame:
    base = {
        "source": ["gdelt2", "gdelt2", "article"],
        "source_event_id": ["1", "2", "3"],
        "date": ["2024-03-18", "2024-03-16", "2024-03-18"],
        "available_at": ["2024-03-19", "2024-03-17", "2024-03-23"],
        "actor1_state": ["PAK", None, "AFG"],
        "actor2_state": ["AFG", "PAK", "PAK"],
        "cameo_code": ["195", "190", "112"],
        "cameo_root": [19, 19, 11],
        "quad_class": [4, 4, 3],
        "goldstein": [-10.0, -10.0, -2.0],
        "fatalities": [8, 7, None],
        "weight": [3.0, 1.0, 1.0],
    }
    base.update(over)
    return pd.DataFrame(base)


def test_valid_rows_pass_in_canonical_order_and_dtypes():
    out = check_events(_rows())
    assert tuple(out.columns) == EVENT_COLUMNS
    assert out["cameo_code"].tolist() == ["195", "190", "112"]
    assert out["event_id"].tolist() == ["gdelt2:1", "gdelt2:2", "article:3"]
    assert str(out["fatalities"].dtype) == "Int64"
    assert out["date"].dtype.kind == "M"


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("goldstein", 12.0, "[-10, 10]"),
        ("cameo_code", "43", "not a CAMEO event code"),
        ("cameo_root", 18, "first two digits"),
        ("quad_class", 2, "does not match the CAMEO root"),
        ("actor1_state", "pak", "ISO 3166-1 alpha-3"),
        ("fatalities", -1, "negative"),
        ("source", "twitter", "unknown source"),
        ("date", "not a date", "expected a date"),
        ("weight", 0.0, "positive"),
    ],
)
def test_bad_value_is_rejected_with_column_row_and_reason(column, value, reason):
    frame = _rows()
    frame[column] = frame[column].astype(object)
    frame.loc[1, column] = value
    result = validate_events(frame)
    assert len(result.valid) == 2
    assert len(result.rejects) == 1
    rej = result.rejects.iloc[0]
    assert rej["line"] == 1
    assert rej["column"] == column
    assert reason in rej["reason"]
    with pytest.raises(SchemaError) as info:
        check_events(frame)
    message = str(info.value)
    assert f"Row 1, column {column!r}" in message
    assert info.value.column == column


def test_missing_required_column_names_it():
    with pytest.raises(SchemaError, match="cameo_code"):
        validate_events(_rows().drop(columns="cameo_code"))


def test_available_before_date_is_rejected():
    result = validate_events(_rows(available_at=["2024-03-01", "2024-03-17", "2024-03-23"]))
    assert result.rejects["column"].tolist() == ["available_at"]


def test_duplicate_ids_within_a_frame():
    frame = _rows(source_event_id=["1", "1", "3"])
    assert validate_events(frame).rejects["reason"].str.contains("duplicated").all()
    assert len(validate_events(frame, allow_duplicate_ids=True).valid) == 3


def test_fatality_bounds_are_checked():
    frame = _rows(fatalities_low=[9, None, None])
    assert validate_events(frame).rejects["column"].tolist() == ["fatalities_low"]


def test_helpers():
    assert make_event_id("ucdp", "42") == "ucdp:42"
    assert list(empty_events().columns) == list(EVENT_COLUMNS)
    conformed = conform_events(_rows())
    assert list(conformed.columns) == list(EVENT_COLUMNS)
    assert conformed["url"].isna().all()


def test_frames_with_any_index_keep_rows_aligned():
    frame = _rows()
    frame.index = [10, 20, 30]
    result = validate_events(frame)
    assert result.valid["source_event_id"].tolist() == ["1", "2", "3"]
    assert list(result.valid.index) == [10, 20, 30]
    bad = _rows(goldstein=[-10.0, 50.0, -2.0])
    bad.index = [7, 8, 9]
    rejects = validate_events(bad).rejects
    assert rejects["line"].tolist() == [8]
    assert rejects["source_event_id"].tolist() == ["2"]


def test_codebook_has_every_code():
    from riskmodel.codes.cameo import cameo_table

    table = cameo_table()
    assert len(table) == 311
    assert table.loc["106", "goldstein"] == -5.0
    assert table.loc["195", "quad_class"] == 4
    assert table.loc["043", "root"] == 4
