"""State-code normalisation: every scheme to ISO3 and back."""

from __future__ import annotations

import pandas as pd
import pytest

from riskmodel.codes.states import (
    SCHEMES,
    from_iso3,
    is_group_code,
    state_codes_table,
    state_name,
    to_iso3,
)
from riskmodel.exceptions import ConfigurationError


@pytest.mark.parametrize(
    ("value", "scheme", "expected"),
    [
        ("PAK", "iso3", "PAK"),
        ("pak", "iso3", "PAK"),
        ("XKX", "iso3", "XKX"),
        ("SUN", "iso3", "RUS"),
        ("ZZZ", "iso3", None),
        ("PK", "iso2", "PAK"),
        (4, "iso_numeric", "AFG"),
        ("004", "iso_numeric", "AFG"),
        (586.0, "iso_numeric", "PAK"),
        (2, "cow", "USA"),
        ("770", "cow", "PAK"),
        ("UKG", "cow", "GBR"),
        ("AUS", "cow", "AUT"),  # CoW letters are CoW's: Austria, not Australia
        ("SWZ", "cow", "CHE"),
        (315, "cow", "CSK"),
        (316, "cow", "CZE"),
        (679, "cow", "YEM"),
        (970, "cow", "NRU"),
        (260, "gw", "DEU"),
        (340, "gw", "SRB"),
        (345, "gw", "SRB"),
        (678, "gw", "YEM"),
        (970, "gw", "KIR"),
        (666, "gw", "ISR"),
        (817, "gw", None),
        ("AF", "fips", "AFG"),
        ("PK", "fips", "PAK"),
        ("IN", "fips", "IND"),
        ("RS", "fips", "RUS"),
        ("UP", "fips", "UKR"),
        ("IS", "fips", "ISR"),
        ("GZ", "fips", "PSE"),
        ("WE", "fips", "PSE"),
        ("UK", "fips", "GBR"),
        ("SF", "fips", "ZAF"),
        ("KV", "fips", "XKX"),
        ("OS", "fips", None),
        ("ISR", "cameo", "ISR"),
        ("PSE", "cameo", "PSE"),
        ("KSV", "cameo", "XKX"),
        ("ROM", "cameo", "ROU"),
        ("TMP", "cameo", "TLS"),
        ("EUR", "cameo", None),
        ("AFR", "cameo", None),
        ("MEA", "cameo", None),
        ("WST", "cameo", None),
        ("SAS", "cameo", None),
        ("Russia (Soviet Union)", "name", "RUS"),
        ("Yemen (North Yemen)", "name", "YEM"),
        ("Myanmar (Burma)", "name", "MMR"),
        ("DR Congo (Zaire)", "name", "COD"),
        ("Occupied Palestinian Territory", "name", "PSE"),
        ("Ivory Coast", "name", "CIV"),
        ("Côte d'Ivoire", "name", "CIV"),
        ("Bosnia-Herzegovina", "name", "BIH"),
        ("Serbia (Yugoslavia)", "name", "SRB"),
        ("Cambodia (Kampuchea)", "name", "KHM"),
        ("the Gambia", "name", "GMB"),
        ("St. Lucia", "name", "LCA"),
        ("Democratic Republic of Congo", "name", "COD"),
        ("Republic of Congo", "name", "COG"),
        ("eSwatini", "name", "SWZ"),
        ("Iran, Islamic Republic of", "name", "IRN"),
        ("Pakistan", "name", "PAK"),
        ("Atlantis", "name", None),
        ("", "name", None),
        (None, "fips", None),
        (float("nan"), "gw", None),
    ],
)
def test_to_iso3_scalar(value, scheme, expected):
    assert to_iso3(value, scheme) == expected


def test_to_iso3_series_keeps_index_and_nulls():
    s = pd.Series(["ISR", "EUR", None, "PSE", "ISR"], index=[10, 11, 12, 13, 14], name="c")
    out = to_iso3(s, "cameo")
    assert out.dtype == "string"
    assert list(out.index) == [10, 11, 12, 13, 14]
    assert out.name == "c"
    assert out.tolist() == ["ISR", pd.NA, pd.NA, "PSE", "ISR"]


def test_to_iso3_series_numeric():
    s = pd.Series([770.0, 750.0, float("nan")])
    assert to_iso3(s, "gw").tolist() == ["PAK", "IND", pd.NA]


def test_unknown_scheme_suggests_nearest():
    with pytest.raises(ConfigurationError, match="Did you mean 'fips'"):
        to_iso3("UP", "fip")
    with pytest.raises(ConfigurationError):
        from_iso3("UKR", "nope")


@pytest.mark.parametrize(
    ("iso3", "scheme", "expected"),
    [
        ("UKR", "fips", "UP"),
        ("PSE", "fips", "WE"),
        ("DEU", "gw", "260"),
        ("SRB", "gw", "340"),
        ("PAK", "cow", "770"),
        ("XKX", "cameo", "KSV"),
        ("ISR", "cameo", "ISR"),
        ("AFG", "iso_numeric", "004"),
        ("AFG", "iso2", "AF"),
        ("RUS", "name", "Russia"),
        ("ZZZ", "fips", None),
    ],
)
def test_from_iso3(iso3, scheme, expected):
    assert from_iso3(iso3, scheme) == expected


@pytest.mark.parametrize("scheme", ["cow", "gw", "fips"])
def test_round_trip_through_table(scheme):
    table = state_codes_table()
    for iso3 in table.loc[(table["scheme"] == scheme) & table["iso3"].notna(), "iso3"].unique():
        code = from_iso3(iso3, scheme)
        assert to_iso3(code, scheme) == iso3, (scheme, iso3, code)


def test_every_table_target_is_iso3_shaped_and_known():
    table = state_codes_table()
    targets = set(table["iso3"].dropna())
    assert all(len(t) == 3 and t.isupper() for t in targets)
    assert all(to_iso3(t, "iso3") is not None for t in targets)
    assert set(table["scheme"]) <= {"cow", "cow_abb", "gw", "fips", "cameo", "iso3"}
    assert not table.duplicated(["scheme", "code"]).any()


def test_state_name_and_group_codes():
    assert state_name("IRN") == "Iran"
    assert state_name("XKX") == "Kosovo"
    assert state_name("CSK") == "Czechoslovakia"
    assert state_name("ZZZ") is None
    assert is_group_code("EUR")
    assert not is_group_code("ISR")
    assert is_group_code("OS", "fips")
    assert set(SCHEMES) == {"iso3", "iso2", "iso_numeric", "cow", "gw", "fips", "cameo", "name"}


def test_alias_table_targets_are_known_and_unambiguous():
    from importlib import resources

    path = resources.files("riskmodel.codes") / "data" / "state_aliases.tsv"
    with path.open("r", encoding="utf-8") as fh:
        aliases = pd.read_csv(fh, sep="\t", comment="#", dtype=str, keep_default_na=False)
    targets = set(aliases.loc[aliases.iso3 != "", "iso3"])
    assert all(to_iso3(t, "iso3") == t for t in targets)
    assert not aliases.alias.str.casefold().duplicated().any()
    for alias, iso3 in aliases.itertuples(index=False):
        assert to_iso3(alias, "name") == (iso3 or None), alias


@pytest.mark.parametrize("name", [
    "Democratic Republic of Congo", "eSwatini", "Palestine", "Kosovo", "North Macedonia",
    "Caribbean Netherlands", "Saint-Barthelemy", "Somaliland", "Lao PDR", "Korea, DPR",
    "Kingdom of eSwatini (Swaziland)", "Madagascar (Malagasy)", "Zimbabwe (Rhodesia)",
    "Burkina Faso (Upper Volta)", "Vietnam (North Vietnam)", "Türkiye", "Viet Nam",
])
def test_names_used_by_ucdp_and_acled(name):
    assert to_iso3(name, "name") is not None


def test_fips_of_states_with_dependencies_is_the_mainland_code():
    from riskmodel.codes.states import from_iso3

    assert from_iso3("FRA", "fips") == "FR"
    assert from_iso3("AUS", "fips") == "AS"
    assert from_iso3("GBR", "fips") == "UK"
    assert from_iso3("RUS", "fips") == "RS"
