"""State codes: one normalisation layer from any code scheme or name to ISO 3166-1 alpha-3.

Every reader maps the state codes of its source to ISO3 through :func:`to_iso3`, so that a dyad
means the same pair of states whatever source it came from.

Schemes
-------
``"iso3"``
    ISO 3166-1 alpha-3, plus a few three-letter codes in common use that ISO does not (or no
    longer) assign: Kosovo ``XKX``, and ISO 3166-3 codes of former states (see Conventions).
``"iso2"``
    ISO 3166-1 alpha-2.
``"iso_numeric"``
    ISO 3166-1 numeric (ACLED's ``iso`` column): ``4``, ``"004"`` and ``4.0`` all give ``AFG``.
``"cow"``
    Correlates of War state numbers (``2``, ``"770"``) and three-letter CoW abbreviations
    (``"UKG"``, ``"GFR"``). CoW abbreviations are read as CoW, not ISO: ``"AUS"`` is Austria and
    ``"SWZ"`` Switzerland under this scheme.
``"gw"``
    Gleditsch-Ward state numbers (UCDP ``gwnoa``/``gwnob``). GW differs from CoW for Germany
    (260), Serbia (340), Yemen (678) and the Pacific microstates (970-973).
``"fips"``
    FIPS 10-4 country codes, the two-letter codes of GDELT's geography fields (``"UP"`` Ukraine,
    ``"RS"`` Russia, ``"GZ"`` Gaza Strip and ``"WE"`` West Bank both give ``PSE``). Oceans and
    disputed islands give null.
``"cameo"``
    CAMEO country codes: ISO3 where CAMEO uses it, with CAMEO's own exceptions (``KSV`` Kosovo,
    ``ROM``, ``TMP``, ``ZAR``, ``USR``, ...). CAMEO regional and group codes (``EUR``, ``AFR``,
    ``MEA``, ``WST``, ``SAS``, ...) give null: callers keep the raw code in ``actorN_code``.
``"name"``
    Country names: ISO short, official and common names (from pycountry), plus aliases and the
    forms UCDP, ICEWS and ACLED use (``"Russia (Soviet Union)"``, ``"DR Congo (Zaire)"``,
    ``"Occupied Palestinian Territory"``, ``"Ivory Coast"``). Matching ignores case, accents,
    punctuation and a leading "the". A name with a parenthesis that is not known as a whole is
    tried without it, then as the text inside it.

Sources of truth
----------------
ISO codes and names come from :mod:`pycountry` (ISO 3166-1 and 3166-3). Only what no maintained
library provides is kept as project tables under ``riskmodel/codes/data``:
``state_codes.tsv`` (CoW, GW, FIPS 10-4, CAMEO exceptions and extra ISO3-shaped codes) and
``state_aliases.tsv`` (names).

Conventions
-----------
A state that continued under a new name, or as the recognised successor, maps to its successor
(USSR -> RUS, Yugoslavia and Serbia and Montenegro -> SRB, Zaire -> COD, East Timor -> TLS,
North Yemen -> YEM, West Germany -> DEU). States that dissolved or merged into another keep their
ISO 3166-3 code (Czechoslovakia ``CSK``, German Democratic Republic ``DDR``, South Yemen
``YMD``). The Republic of Vietnam (CoW/GW 817) has no ISO code and gives null.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import pycountry

from riskmodel.exceptions import ConfigurationError

__all__ = ["SCHEMES", "to_iso3", "from_iso3", "state_name", "is_group_code", "state_codes_table"]

#: Code schemes understood by :func:`to_iso3` and :func:`from_iso3`.
SCHEMES: tuple[str, ...] = ("iso3", "iso2", "iso_numeric", "cow", "gw", "fips", "cameo", "name")


def _check_scheme(scheme: str) -> None:
    if scheme not in SCHEMES:
        import difflib

        near = difflib.get_close_matches(str(scheme), SCHEMES, n=1)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise ConfigurationError(
            f"The 'scheme' parameter must be one of {list(SCHEMES)}. Got {scheme!r} instead.{hint}"
        )


@lru_cache(maxsize=1)
def state_codes_table() -> pd.DataFrame:
    """The project table of state codes that no library provides.

    Returns
    -------
    pandas.DataFrame
        Columns ``scheme`` (``cow``, ``cow_abb``, ``gw``, ``fips``, ``cameo``, ``iso3``), ``code``,
        ``iso3`` (null where the code names no state) and ``name``.
    """
    path = resources.files("riskmodel.codes") / "data" / "state_codes.tsv"
    with path.open("r", encoding="utf-8") as fh:
        table = pd.read_csv(fh, sep="\t", comment="#", dtype=str, keep_default_na=False)
    table["iso3"] = pd.Series([v or None for v in table["iso3"]], index=table.index, dtype=object)
    return table


def _norm_name(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ")
    text = re.sub(r"\bst\b\.?", "saint", text)
    text = re.sub(r"[^a-z0-9()]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\( ", "(", re.sub(r" \)", ")", text))
    if text.startswith("the "):
        text = text[4:]
    return text


@lru_cache(maxsize=1)
def _lookups() -> dict[str, dict[str, str | None]]:
    iso3: dict[str, str | None] = {}
    iso2: dict[str, str | None] = {}
    numeric: dict[str, str | None] = {}
    names: dict[str, str | None] = {}
    for c in pycountry.countries:
        iso3[c.alpha_3] = c.alpha_3
        iso2[c.alpha_2] = c.alpha_3
        numeric[str(int(c.numeric))] = c.alpha_3
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                names.setdefault(_norm_name(value), c.alpha_3)
    table = state_codes_table()
    by_scheme: dict[str, dict[str, str | None]] = {
        "cow": {}, "cow_abb": {}, "gw": {}, "fips": {}, "cameo": {}}
    for scheme, code, target, name in table[["scheme", "code", "iso3", "name"]].itertuples(
            index=False):
        if scheme == "iso3":
            iso3[code] = target
            continue
        by_scheme[scheme].setdefault(code, target)
    path = resources.files("riskmodel.codes") / "data" / "state_aliases.tsv"
    with path.open("r", encoding="utf-8") as fh:
        aliases = pd.read_csv(fh, sep="\t", comment="#", dtype=str, keep_default_na=False)
    for alias, target in aliases[["alias", "iso3"]].itertuples(index=False):
        names[_norm_name(alias)] = target or None
    # CAMEO: ISO3 where CAMEO uses it, CAMEO's exceptions and group codes on top.
    cameo = {k: v for k, v in iso3.items()}
    cameo.update(by_scheme["cameo"])
    cow = dict(by_scheme["cow"])
    cow.update(by_scheme["cow_abb"])
    return {"iso3": iso3, "iso2": iso2, "iso_numeric": numeric, "cow": cow,
            "gw": by_scheme["gw"], "fips": by_scheme["fips"], "cameo": cameo, "name": names}


def _clean_numeric(text: str) -> str:
    if text.endswith(".0"):
        text = text[:-2]
    return (text.lstrip("0") or "0") if text.isdigit() else text


def _one(value: object, scheme: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer():
            value = int(value)
    if value is pd.NA:
        return None
    text = str(value).strip()
    if not text:
        return None
    return _one_text(text, scheme)


@lru_cache(maxsize=1 << 16)
def _one_text(text: str, scheme: str) -> str | None:
    table = _lookups()[scheme]
    if scheme == "name":
        key = _norm_name(text)
        if key in table:
            return table[key]
        m = re.fullmatch(r"(.*?)\s*\((.*)\)\s*", key)
        if m:
            for part in (m.group(1), m.group(2)):
                if part and part in table:
                    return table[part]
        return None
    if scheme in ("iso_numeric", "gw") or (scheme == "cow" and text[:1].isdigit()):
        return table.get(_clean_numeric(text))
    return table.get(text.upper())


def to_iso3(values: pd.Series | object, scheme: str = "iso3") -> pd.Series | str | None:
    """Map state codes or names of ``scheme`` to ISO 3166-1 alpha-3.

    Parameters
    ----------
    values : pandas.Series or scalar
        Codes or names. Numbers may come as ints, floats (``4.0``) or zero-padded strings.
    scheme : str
        One of :data:`SCHEMES` (see the module docstring).

    Returns
    -------
    pandas.Series of string dtype, or str or None
        ISO3 codes (same index as ``values`` for a Series); null where the value is missing,
        unknown, or a known code that names no single state (e.g. CAMEO ``"EUR"``).

    Raises
    ------
    ConfigurationError
        If ``scheme`` is not one of :data:`SCHEMES`.

    Examples
    --------
    >>> to_iso3("UP", "fips")
    'UKR'
    >>> to_iso3("Russia (Soviet Union)", "name")
    'RUS'
    >>> to_iso3(pd.Series(["ISR", "EUR", None]), "cameo").tolist()
    ['ISR', <NA>, <NA>]
    """
    _check_scheme(scheme)
    if isinstance(values, pd.Series):
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        mapped = np.array([_one(u, scheme) for u in uniques] + [None], dtype=object)
        out = mapped[codes]  # the sentinel -1 picks the trailing None
        return pd.Series(out, index=values.index, dtype="string", name=values.name)
    return _one(values, scheme)


@lru_cache(maxsize=1)
def _reverse() -> dict[str, dict[str, str]]:
    rev: dict[str, dict[str, str]] = {"cow": {}, "cow_abb": {}, "gw": {}, "fips": {}, "cameo": {}}
    for scheme, code, target in state_codes_table()[["scheme", "code", "iso3"]].itertuples(
            index=False):
        if scheme in rev and target is not None:
            rev[scheme].setdefault(target, code)
    return rev


def from_iso3(iso3: str | None, scheme: str) -> str | None:
    """The code (or name) of an ISO3 state in another scheme.

    Parameters
    ----------
    iso3 : str or None
        ISO 3166-1 alpha-3 code (or one of the extra codes :func:`to_iso3` returns).
    scheme : str
        One of :data:`SCHEMES`. ``"cow"`` returns the CoW number as a string (use the CoW
        abbreviation table, :func:`state_codes_table`, for the letters); ``"cameo"`` returns
        CAMEO's own code where it differs from ISO3; ``"name"`` returns :func:`state_name`.

    Returns
    -------
    str or None
        ``None`` when the state has no code in that scheme.

    Examples
    --------
    >>> from_iso3("UKR", "fips")
    'UP'
    >>> from_iso3("DEU", "gw")
    '260'
    """
    _check_scheme(scheme)
    if iso3 is None or (isinstance(iso3, float) and iso3 != iso3):
        return None
    code = str(iso3).strip().upper()
    if scheme == "name":
        return state_name(code)
    country = pycountry.countries.get(alpha_3=code)
    if scheme == "iso3":
        return code if (country is not None or code in _lookups()["iso3"].values()) else None
    if scheme == "iso2":
        return country.alpha_2 if country is not None else None
    if scheme == "iso_numeric":
        return country.numeric if country is not None else None
    if scheme == "cameo":
        exception = _reverse()["cameo"].get(code)
        if exception is not None:
            return exception
        return code if country is not None else None
    return _reverse()[scheme].get(code)


def state_name(iso3: str | None) -> str | None:
    """A short English name of an ISO3 state (``"Russia"``, ``"Iran"``), or ``None``."""
    if iso3 is None:
        return None
    code = str(iso3).strip().upper()
    country = pycountry.countries.get(alpha_3=code)
    if country is not None:
        short = _SHORT_NAMES.get(code)
        return short or getattr(country, "common_name", None) or country.name
    rows = state_codes_table()
    hit = rows[(rows["scheme"] == "iso3") & (rows["code"] == code) & (rows["iso3"] == code)]
    if len(hit):
        return str(hit["name"].iloc[0]).split(" (")[0]
    return None


#: Short names where pycountry's ISO name is long or formal.
_SHORT_NAMES: dict[str, str] = {
    "RUS": "Russia", "COD": "DR Congo", "COG": "Congo", "PSE": "Palestine", "VAT": "Vatican",
    "FSM": "Micronesia", "BRN": "Brunei", "GBR": "United Kingdom", "USA": "United States",
    "TUR": "Turkey", "CZE": "Czech Republic",
}


def is_group_code(code: str | None, scheme: str = "cameo") -> bool:
    """Whether ``code`` is a known code of ``scheme`` that names no single state.

    CAMEO regional and group codes (``EUR``, ``AFR``, ``MEA``, ``WST``, ...) and FIPS codes of
    oceans or disputed islands are such codes: they are valid input, not errors, and map to null.
    """
    _check_scheme(scheme)
    if code is None:
        return False
    table = state_codes_table()
    hit = table[(table["scheme"] == scheme) & (table["code"] == str(code).strip().upper())]
    return bool(len(hit)) and hit["iso3"].isna().all()
