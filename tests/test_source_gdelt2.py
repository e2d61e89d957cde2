"""The official GDELT 2.0 export, read exactly."""

from __future__ import annotations

import pytest

from riskmodel.store import EventStore

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def store_2018(request):
    shared = request.getfixturevalue("shared_data")
    store = EventStore(":memory:")
    report = store.ingest("gdelt2", [shared / "gdelt_v2_raw_export" / "20180326044500.export.CSV"])
    return store, report


def test_real_export_accounting(store_2018):
    _, report = store_2018
    assert report.read == 1540
    assert report.read == report.stored + report.duplicates + report.rejected
    assert report.counts() == {"read": 1540, "stored": 1540, "duplicates": 0, "rejected": 0}


def test_real_export_known_values(store_2018):
    store, _ = store_2018
    dyads = store.connection.execute(
        "SELECT least(actor1_state, actor2_state) || '-' || greatest(actor1_state, actor2_state)"
        " AS d, count(*) FROM events WHERE actor1_state IS NOT NULL AND actor2_state IS NOT NULL"
        " AND actor1_state <> actor2_state GROUP BY d").fetchall()
    counts = dict(dyads)
    assert counts["ISR-PSE"] == 10
    assert counts["RUS-USA"] == 12
    assert counts["SOM-USA"] == 13
    first = store.events(columns=["event_id", "cameo_code", "goldstein", "available_at",
                                  "actor2_state", "weight"]).set_index("event_id")
    row = first.loc["gdelt2:741917022"]
    assert row["cameo_code"] == "071"
    assert row["goldstein"] == 7.4
    assert row["actor2_state"] == "USA"
    assert str(row["available_at"]) == "2018-03-26 04:45:00"
    assert row["weight"] == 5.0
    # CAMEO codes stay strings with their leading zeros.
    codes = store.connection.execute("SELECT DISTINCT cameo_code FROM events").fetchall()
    assert any(c[0].startswith("0") for c in codes)
