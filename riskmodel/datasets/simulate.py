"""A seeded simulator of a SYNTHETIC multi-dyad event world in the GDELT 2.0 Events layout.

The default world bundled with riskmodel is *generated*, not shipped: :func:`simulate_world`
writes it in a few seconds from the frozen parameters :data:`DEFAULT_WORLD` and a seed. Nothing in
it is real. Every file name, every URL and the ``README.txt`` written next to the data say so.

What the world contains
-----------------------
* **States and pairs.** 27 states (ISO 3166-1 alpha-3 actor codes, FIPS 10-4 geography codes)
  and 32 state pairs, each present in both directions (64 directed dyads). Every pair has a
  *salience* (events per day, both directions together, at the start) and a *hostility* level
  0-3 (friendly, tense, rival, conflict-prone).
* **Background chatter.** Every day and directed dyad draws Poisson counts of events per CAMEO
  QuadClass from a hostility-dependent mix: mostly verbal cooperation and verbal conflict, a
  little material cooperation, and very little material conflict (shows of force, sanctions), so
  that escalations stay rare. A share of the chatter names no second actor (as many GDELT rows
  do). Volume grows by :attr:`WorldParams.volume_growth` per year (GDELT's source universe grew
  too; normalise by period volume) and dips at weekends.
* **Quiet spells.** Periods of one to four months where a pair's whole volume drops to
  :attr:`WorldParams.quiet_factor` of its level.
* **Escalation episodes.** Random episodes on tense pairs (rate by hostility) plus a few
  scripted ones placed on well-known dates (all synthetic). Each has a *precursor* phase of
  rising verbal conflict (demands, accusations, threats) before it starts, then material conflict
  (CAMEO roots 15-20, mostly 19x "fight") with a rise-and-decay profile, strongest from the
  initiator, with appeals for ceasefire and mediation alongside.
* **Pakistan-Afghanistan.** Waves of militant attacks in Pakistan (actor ``PAKREB``, "TEHRIK-I-
  TALIBAN PAKISTAN", CAMEO 180/181/183/185/186/190 against ``PAKMIL``/``PAKCOP``/``PAKCVL``; a
  share by ``AFGREB`` militants from across the border) arrive more often after the 2021-08-15
  change of government in Kabul. After a wave, with a given probability, Pakistan answers with
  cross-border air strikes (``PAKMIL`` -> ``AFGREB``/``AFGCVL``, CAMEO 195, plus 190/194) one to
  ten days later, located in Afghan border provinces; Kabul protests (``AFGGOV`` -> ``PAKGOV``,
  CAMEO 111/112/114/138) and border guards sometimes clash (CAMEO 190/193).

Ground truth
------------
Every episode is written to ``ground_truth.csv`` (see :func:`load_ground_truth`) with columns
``episode_id, kind, dyad, initiator, target, start, end, precursor_start, intensity, cause``.
``kind`` is one of :data:`EPISODE_KINDS`; ``dyad`` is the undirected label ``"AFG-PAK"``
(alphabetical; ``"PAK-PAK"`` for attacks inside Pakistan); ``cause`` names the militant-attack
episode a cross-border strike answers.

Files written
-------------
``dest/gdelt2/SYNTHETIC_<YYYYMMDDHHMMSS>.export.CSV``
    The events in the official GDELT 2.0 Events export layout: 61 tab-separated columns in the
    order of :data:`GDELT2_EXPORT_COLUMNS`, no header, no quoting. By default one file per month
    of ``DATEADDED`` (``files="monthly"``; ``"daily"`` and ``"yearly"`` are available), named by
    the first ``DATEADDED`` stamp of the period. Rows are sorted by ``DATEADDED`` and numbered by
    ``GLOBALEVENTID`` in that order. ``DATEADDED`` lags ``SQLDATE`` by 0-2 days.
``dest/ground_truth.csv``
    The episodes.
``dest/world.json``
    Seed, parameters, file list and row counts.
``dest/README.txt``
    The SYNTHETIC notice.

Size and speed: the default world (2016-01-01 to 2024-06-30, 3,104 days) holds 1,450,562
events (seed 20160101) in 103 monthly files, 430 MB of text. It is generated with vectorised
numpy and written block by block with pyarrow: about 10 s on one idle core (measured 9-18 s),
peak memory about 0.9 GB. ``benchmarks/bench_simulate.py`` measures it.

Field conventions
-----------------
Actor codes are CAMEO country code + role (``PAKMIL``, ``AFGGOV``; the bare country code for
unspecified actors), names in capitals (country or capital city). ``EventCode``,
``EventBaseCode`` and ``EventRootCode`` are zero-padded strings; ``QuadClass`` and
``GoldsteinScale`` come from :func:`riskmodel.codes.cameo.cameo_table`. ``NumArticles`` >= 1,
``NumSources`` <= ``NumArticles`` <= ``NumMentions``; more for material conflict. Geography is
country-level (type 1, FIPS country code, country centroid) except the Pakistan-Afghanistan
episodes, which name places (type 4) in the border provinces. ``SOURCEURL`` points at
``https://synthetic.example.org/...``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskmodel.exceptions import ConfigurationError

__all__ = [
    "GDELT2_EXPORT_COLUMNS",
    "EPISODE_KINDS",
    "GROUND_TRUTH_COLUMNS",
    "StateInfo",
    "PairSpec",
    "ScriptedEpisode",
    "WorldParams",
    "DEFAULT_WORLD",
    "DEFAULT_SEED",
    "World",
    "simulate_world",
    "simulate_episodes",
    "load_ground_truth",
    "load_world",
    "episode_indicator",
]

#: The 61 columns of a GDELT 2.0 Events export, in file order (the export has no header).
GDELT2_EXPORT_COLUMNS: tuple[str, ...] = (
    "GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate",
    "Actor1Code", "Actor1Name", "Actor1CountryCode", "Actor1KnownGroupCode", "Actor1EthnicCode",
    "Actor1Religion1Code", "Actor1Religion2Code", "Actor1Type1Code", "Actor1Type2Code",
    "Actor1Type3Code",
    "Actor2Code", "Actor2Name", "Actor2CountryCode", "Actor2KnownGroupCode", "Actor2EthnicCode",
    "Actor2Religion1Code", "Actor2Religion2Code", "Actor2Type1Code", "Actor2Type2Code",
    "Actor2Type3Code",
    "IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale",
    "NumMentions", "NumSources", "NumArticles", "AvgTone",
    "Actor1Geo_Type", "Actor1Geo_FullName", "Actor1Geo_CountryCode", "Actor1Geo_ADM1Code",
    "Actor1Geo_ADM2Code", "Actor1Geo_Lat", "Actor1Geo_Long", "Actor1Geo_FeatureID",
    "Actor2Geo_Type", "Actor2Geo_FullName", "Actor2Geo_CountryCode", "Actor2Geo_ADM1Code",
    "Actor2Geo_ADM2Code", "Actor2Geo_Lat", "Actor2Geo_Long", "Actor2Geo_FeatureID",
    "ActionGeo_Type", "ActionGeo_FullName", "ActionGeo_CountryCode", "ActionGeo_ADM1Code",
    "ActionGeo_ADM2Code", "ActionGeo_Lat", "ActionGeo_Long", "ActionGeo_FeatureID",
    "DATEADDED", "SOURCEURL",
)

#: Kinds of ground-truth episodes.
EPISODE_KINDS: tuple[str, ...] = ("escalation", "quiet", "militant_attack", "cross_border_strike")

#: Columns of the ground-truth frame.
GROUND_TRUTH_COLUMNS: tuple[str, ...] = (
    "episode_id", "kind", "dyad", "initiator", "target", "start", "end", "precursor_start",
    "intensity", "cause",
)

#: Seed of the bundled default world.
DEFAULT_SEED = 20160101

#: Marker used in file names, URLs and notices.
SYNTHETIC = "SYNTHETIC"
_URL_ROOT = "https://synthetic.example.org/news"
_FILE_KINDS = ("daily", "monthly", "yearly")


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StateInfo:
    """A simulated state.

    Attributes
    ----------
    iso3 : str
        ISO 3166-1 alpha-3 (also the CAMEO country code used in actor codes).
    fips : str
        FIPS 10-4 country code (GDELT geography fields).
    name : str
        Name as GDELT writes actor names (capitals).
    capital : str
        Capital city (capitals), used as an alternative actor name.
    lat, lon : float
        Country centroid.
    """

    iso3: str
    fips: str
    name: str
    capital: str
    lat: float
    lon: float


@dataclass(frozen=True)
class PairSpec:
    """A state pair simulated in both directions.

    Attributes
    ----------
    a, b : str
        ISO3 codes.
    salience : float
        Expected events per day, both directions together, at the start of the world (before
        volume growth, weekday effects and quiet spells).
    hostility : int
        0 friendly, 1 tense, 2 rival, 3 conflict-prone: sets the chatter mix and the rate of
        random escalation episodes.
    random_episodes : bool
        Whether random escalation episodes are drawn for the pair (False for the pair driven by
        the Pakistan-Afghanistan mechanism).
    """

    a: str
    b: str
    salience: float
    hostility: int
    random_episodes: bool = True


@dataclass(frozen=True)
class ScriptedEpisode:
    """An escalation placed on fixed dates (inspired by real crises; the events are synthetic).

    Attributes
    ----------
    initiator, target : str
        ISO3 codes of a simulated pair.
    start, end : str
        ISO dates, inclusive.
    intensity : float
        Material-conflict events per day from the initiator at the peak (before volume growth).
    precursor_days : int
        Days of rising verbal conflict before ``start``.
    """

    initiator: str
    target: str
    start: str
    end: str
    intensity: float
    precursor_days: int = 7


_STATES: tuple[StateInfo, ...] = (
    StateInfo("AFG", "AF", "AFGHANISTAN", "KABUL", 33.0, 65.0),
    StateInfo("ARM", "AM", "ARMENIA", "YEREVAN", 40.0, 45.0),
    StateInfo("AZE", "AJ", "AZERBAIJAN", "BAKU", 40.5, 47.5),
    StateInfo("CHN", "CH", "CHINA", "BEIJING", 35.0, 105.0),
    StateInfo("DEU", "GM", "GERMANY", "BERLIN", 51.5, 10.5),
    StateInfo("EGY", "EG", "EGYPT", "CAIRO", 27.0, 30.0),
    StateInfo("ETH", "ET", "ETHIOPIA", "ADDIS ABABA", 8.0, 38.0),
    StateInfo("FRA", "FR", "FRANCE", "PARIS", 46.0, 2.0),
    StateInfo("GBR", "UK", "UNITED KINGDOM", "LONDON", 54.0, -2.0),
    StateInfo("IND", "IN", "INDIA", "NEW DELHI", 20.0, 77.0),
    StateInfo("IRN", "IR", "IRAN", "TEHRAN", 32.0, 53.0),
    StateInfo("IRQ", "IZ", "IRAQ", "BAGHDAD", 33.0, 44.0),
    StateInfo("ISR", "IS", "ISRAEL", "JERUSALEM", 31.5, 34.75),
    StateInfo("JPN", "JA", "JAPAN", "TOKYO", 36.0, 138.0),
    StateInfo("KEN", "KE", "KENYA", "NAIROBI", 1.0, 38.0),
    StateInfo("KOR", "KS", "SOUTH KOREA", "SEOUL", 37.0, 127.5),
    StateInfo("LBN", "LE", "LEBANON", "BEIRUT", 33.8333, 35.8333),
    StateInfo("PAK", "PK", "PAKISTAN", "ISLAMABAD", 30.0, 70.0),
    StateInfo("PRK", "KN", "NORTH KOREA", "PYONGYANG", 40.0, 127.0),
    StateInfo("PSE", "WE", "PALESTINE", "RAMALLAH", 31.9, 35.2),
    StateInfo("RUS", "RS", "RUSSIA", "MOSCOW", 60.0, 100.0),
    StateInfo("SAU", "SA", "SAUDI ARABIA", "RIYADH", 25.0, 45.0),
    StateInfo("SOM", "SO", "SOMALIA", "MOGADISHU", 6.0, 48.0),
    StateInfo("SYR", "SY", "SYRIA", "DAMASCUS", 35.0, 38.0),
    StateInfo("TUR", "TU", "TURKEY", "ANKARA", 39.0, 35.0),
    StateInfo("UKR", "UP", "UKRAINE", "KYIV", 49.0, 32.0),
    StateInfo("USA", "US", "UNITED STATES", "WASHINGTON", 38.0, -97.0),
)

_PAIRS: tuple[PairSpec, ...] = (
    PairSpec("AFG", "PAK", 9.0, 2, random_episodes=False),
    PairSpec("IND", "PAK", 14.0, 3),
    PairSpec("CHN", "IND", 12.0, 2),
    PairSpec("ISR", "PSE", 14.0, 3),
    PairSpec("ISR", "LBN", 6.0, 3),
    PairSpec("IRN", "ISR", 9.0, 2),
    PairSpec("ISR", "SYR", 5.0, 2),
    PairSpec("RUS", "UKR", 16.0, 3),
    PairSpec("ARM", "AZE", 6.0, 3),
    PairSpec("KOR", "PRK", 9.0, 2),
    PairSpec("JPN", "PRK", 5.0, 2),
    PairSpec("PRK", "USA", 12.0, 2),
    PairSpec("CHN", "USA", 32.0, 1),
    PairSpec("RUS", "USA", 28.0, 1),
    PairSpec("IRN", "USA", 16.0, 2),
    PairSpec("IRN", "SAU", 7.0, 2),
    PairSpec("SYR", "TUR", 7.0, 2),
    PairSpec("IRQ", "TUR", 5.0, 1),
    PairSpec("IRN", "IRQ", 6.0, 1),
    PairSpec("ETH", "SOM", 3.0, 1),
    PairSpec("KEN", "SOM", 3.0, 1),
    PairSpec("EGY", "ETH", 3.0, 1),
    PairSpec("CHN", "JPN", 10.0, 1),
    PairSpec("GBR", "RUS", 9.0, 1),
    PairSpec("DEU", "FRA", 8.0, 0),
    PairSpec("GBR", "USA", 18.0, 0),
    PairSpec("AFG", "IRN", 3.0, 1),
    PairSpec("IND", "USA", 12.0, 0),
    PairSpec("ISR", "USA", 15.0, 0),
    PairSpec("DEU", "RUS", 8.0, 1),
    PairSpec("EGY", "ISR", 5.0, 0),
    PairSpec("CHN", "PAK", 6.0, 0),
)

_SCRIPTED: tuple[ScriptedEpisode, ...] = (
    ScriptedEpisode("IND", "PAK", "2019-02-14", "2019-03-03", 6.0, 10),
    ScriptedEpisode("AZE", "ARM", "2020-09-27", "2020-11-10", 8.0, 14),
    ScriptedEpisode("CHN", "IND", "2020-06-15", "2020-06-30", 4.0, 21),
    ScriptedEpisode("ISR", "PSE", "2021-05-10", "2021-05-21", 10.0, 14),
    ScriptedEpisode("RUS", "UKR", "2022-02-24", "2024-06-30", 10.0, 60),
    ScriptedEpisode("AZE", "ARM", "2023-09-19", "2023-09-21", 6.0, 21),
    ScriptedEpisode("ISR", "PSE", "2023-10-07", "2024-06-30", 12.0, 3),
)


@dataclass(frozen=True)
class WorldParams:
    """All parameters of the simulated world (frozen; the default is :data:`DEFAULT_WORLD`).

    Rates are expected events per day before volume growth. Ranges ``(low, high)`` are drawn
    uniformly. Changing any value changes the world; the default is fixed so that models tuned
    on it are tuned on a world that was not chosen to flatter them.

    Attributes
    ----------
    start, end : str
        First and last day (ISO dates, inclusive) of events (``SQLDATE``).
    states : tuple of StateInfo
        The simulated states.
    pairs : tuple of PairSpec
        The simulated pairs (each in both directions).
    scripted : tuple of ScriptedEpisode
        Escalations on fixed dates; episodes outside ``[start, end]`` are clipped or dropped.
    volume_growth : float
        Factor by which all volumes grow per year.
    weekend_factor : float
        Volume on Saturdays and Sundays relative to weekdays.
    quad_mix : tuple of 4-tuples
        Share of chatter per QuadClass (1-4) for hostility 0, 1, 2, 3.
    one_sided_share : float
        Share of verbal chatter written with no second actor.
    direction_share : tuple of float
        Range of the share of a pair's chatter that goes from ``a`` to ``b``.
    episode_rate : tuple of float
        Random escalation episodes per pair and year, for hostility 0, 1, 2, 3.
    episode_days : tuple of int
        Range of episode lengths in days.
    episode_intensity : tuple of float
        Range of peak material-conflict events per day from the initiator.
    target_response : float
        Material conflict from the target as a share of the initiator's.
    precursor_days : tuple of int
        Range of days of rising verbal conflict before a random episode.
    precursor_verbal : float
        Extra verbal-conflict events per day at the end of a precursor, as a multiple of the
        pair's salience.
    quiet_rate : float
        Quiet spells per pair and year.
    quiet_days : tuple of int
        Range of quiet-spell lengths.
    quiet_factor : float
        Volume during a quiet spell relative to normal.
    ttp_waves_per_year : tuple of float
        Militant-attack waves in Pakistan per year before and after ``regime_change``.
    regime_change : str
        Date after which the second rate applies.
    ttp_wave_days : tuple of int
        Range of wave lengths.
    ttp_attacks_per_day : tuple of float
        Range of attack events per day within a wave.
    ttp_cross_border_share : float
        Share of attacks coded with militants from Afghanistan (``AFGREB``) as actor 1.
    strike_probability : tuple of float
        Probability that a wave is answered with cross-border strikes, before and after
        ``regime_change``.
    strike_lag_days : tuple of int
        Range of days from the end of a wave to the first strike.
    strike_days : tuple of int
        Range of strike-episode lengths.
    strikes_per_day : tuple of float
        Range of strike events (CAMEO 195 and companions) per day.
    border_clash_probability : float
        Probability per strike day of an Afghan-Pakistani border clash.
    report_lag_probs : tuple of float
        Probabilities that ``DATEADDED`` falls 0, 1 or 2 days after ``SQLDATE``.
    first_event_id : int
        ``GLOBALEVENTID`` of the first row.
    """

    start: str = "2016-01-01"
    end: str = "2024-06-30"
    states: tuple[StateInfo, ...] = _STATES
    pairs: tuple[PairSpec, ...] = _PAIRS
    scripted: tuple[ScriptedEpisode, ...] = _SCRIPTED
    volume_growth: float = 1.10
    weekend_factor: float = 0.75
    quad_mix: tuple[tuple[float, float, float, float], ...] = (
        (0.68, 0.20, 0.1197, 0.0003),
        (0.55, 0.12, 0.3295, 0.0005),
        (0.45, 0.07, 0.4792, 0.0008),
        (0.40, 0.05, 0.5488, 0.0012),
    )
    one_sided_share: float = 0.12
    direction_share: tuple[float, float] = (0.4, 0.6)
    episode_rate: tuple[float, float, float, float] = (0.0, 0.12, 0.35, 0.6)
    episode_days: tuple[int, int] = (4, 45)
    episode_intensity: tuple[float, float] = (1.0, 6.0)
    target_response: float = 0.5
    precursor_days: tuple[int, int] = (7, 28)
    precursor_verbal: float = 0.5
    quiet_rate: float = 0.25
    quiet_days: tuple[int, int] = (30, 120)
    quiet_factor: float = 0.3
    ttp_waves_per_year: tuple[float, float] = (2.0, 5.0)
    regime_change: str = "2021-08-15"
    ttp_wave_days: tuple[int, int] = (1, 6)
    ttp_attacks_per_day: tuple[float, float] = (2.0, 8.0)
    ttp_cross_border_share: float = 0.25
    strike_probability: tuple[float, float] = (0.3, 0.6)
    strike_lag_days: tuple[int, int] = (1, 10)
    strike_days: tuple[int, int] = (1, 4)
    strikes_per_day: tuple[float, float] = (2.0, 6.0)
    border_clash_probability: float = 0.3
    report_lag_probs: tuple[float, float, float] = (0.6, 0.3, 0.1)
    first_event_id: int = 900_000_001

    def to_dict(self) -> dict:
        """The parameters as plain JSON-serialisable data."""
        return asdict(self)


#: The frozen parameters of the bundled default world.
DEFAULT_WORLD = WorldParams()


@dataclass
class World:
    """A simulated world on disk.

    Attributes
    ----------
    path : pathlib.Path
        The destination folder.
    files : list of pathlib.Path
        The GDELT 2.0 export files, in time order.
    ground_truth : pandas.DataFrame
        The episodes (:data:`GROUND_TRUTH_COLUMNS`).
    params : WorldParams
        Parameters used.
    seed : int
        Seed used.
    n_events : int
        Rows written over all files.
    meta : dict
        The content of ``world.json`` (seed, parameters, file list, counts).
    """

    path: Path
    files: list[Path]
    ground_truth: pd.DataFrame
    params: WorldParams
    seed: int
    n_events: int
    meta: dict = field(default_factory=dict)

    @property
    def events_dir(self) -> Path:
        """The folder of export files (pass it to ``riskmodel ingest gdelt2``)."""
        return self.path / "gdelt2"


# --------------------------------------------------------------------------------------------
# CAMEO code lists used by each component (code, weight)
# --------------------------------------------------------------------------------------------
_CHATTER_CODES: dict[int, tuple[tuple[str, float], ...]] = {
    1: (("010", 10), ("012", 2), ("013", 3), ("020", 2), ("022", 1), ("030", 2), ("036", 4),
        ("040", 6), ("041", 2), ("042", 6), ("043", 6), ("046", 3), ("051", 3), ("057", 1)),
    2: (("061", 4), ("062", 1), ("064", 1), ("070", 1), ("071", 2), ("073", 1), ("084", 1)),
    3: (("100", 1), ("110", 2), ("111", 5), ("112", 6), ("114", 2), ("120", 1), ("125", 1),
        ("128", 1), ("130", 1), ("141", 2)),
    4: (("150", 2), ("154", 1), ("160", 1), ("163", 3), ("172", 3), ("173", 3), ("174", 1)),
}
_EPISODE_CODES: dict[int, tuple[tuple[str, float], ...]] = {
    1: (("0256", 2), ("026", 1), ("028", 1), ("036", 2), ("045", 1)),
    2: (("087", 1), ("0861", 1)),
    3: (("107", 2), ("111", 3), ("112", 4), ("130", 2), ("138", 3), ("139", 1)),
    4: (("152", 2), ("154", 2), ("171", 1), ("190", 6), ("193", 4), ("194", 3), ("195", 3),
        ("196", 2), ("180", 1), ("200", 0.2)),
}
_PRECURSOR_CODES = (("100", 2), ("112", 3), ("114", 2), ("130", 2), ("138", 2), ("139", 1),
                    ("125", 1), ("128", 1))
_TTP_CODES = (("180", 3), ("181", 1), ("183", 3), ("185", 0.5), ("186", 1), ("190", 3),
              ("193", 2))
_STRIKE_CODES = (("195", 6), ("190", 2), ("194", 1))
_PROTEST_CODES = (("111", 3), ("112", 3), ("114", 2), ("138", 1), ("130", 1))
_CLASH_CODES = (("190", 2), ("193", 3))

# Places for the Pakistan-Afghanistan episodes: FullName, FIPS, ADM1, lat, lon, FeatureID.
_PAK_PLACES = (
    ("Peshawar, North-West Frontier, Pakistan", "PK", "PK03", 34.0151, 71.5249, "-2773932"),
    ("Bannu, North-West Frontier, Pakistan", "PK", "PK03", 32.9889, 70.6056, "-2755418"),
    ("Dera Ismail Khan, North-West Frontier, Pakistan", "PK", "PK03", 31.8314, 70.9019,
     "-2759221"),
    ("Miran Shah, Federally Administered Tribal Areas, Pakistan", "PK", "PK01", 33.0,
     70.0667, "-2777180"),
    ("Quetta, Balochistan, Pakistan", "PK", "PK02", 30.1872, 67.0125, "-2784979"),
)
_AFG_PLACES = (
    ("Khost, Khowst, Afghanistan", "AF", "AF37", 33.3395, 69.9204, "-3378829"),
    ("Barmal, Paktika, Afghanistan", "AF", "AF29", 32.7, 69.15, "-3349590"),
    ("Asadabad, Konar, Afghanistan", "AF", "AF34", 34.8734, 71.1469, "-3348078"),
    ("Jalalabad, Nangarhar, Afghanistan", "AF", "AF18", 34.4265, 70.4515, "-3378209"),
)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------
def _check_params(params: WorldParams) -> None:
    if not isinstance(params, WorldParams):
        raise ConfigurationError(
            f"The 'params' argument of simulate_world must be a WorldParams. Got "
            f"{type(params).__name__} instead; start from riskmodel.datasets.DEFAULT_WORLD and "
            "use dataclasses.replace(DEFAULT_WORLD, ...)."
        )
    try:
        start, end = pd.Timestamp(params.start), pd.Timestamp(params.end)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"WorldParams.start/end must be ISO dates. Got {params.start!r}, {params.end!r} "
            f"({exc})."
        ) from exc
    if end < start:
        raise ConfigurationError(
            f"WorldParams.end ({params.end}) lies before start ({params.start}); swap them."
        )
    codes = {s.iso3 for s in params.states}
    for pair in params.pairs:
        for code in (pair.a, pair.b):
            if code not in codes:
                raise ConfigurationError(
                    f"Pair {pair.a}-{pair.b} names state {code!r}, which is not among "
                    f"WorldParams.states ({sorted(codes)}). Add a StateInfo for it."
                )
        if not 0 <= pair.hostility <= 3:
            raise ConfigurationError(
                f"PairSpec.hostility must be 0, 1, 2 or 3. Got {pair.hostility} for "
                f"{pair.a}-{pair.b}."
            )
        if pair.salience <= 0:
            raise ConfigurationError(
                f"PairSpec.salience must be > 0. Got {pair.salience} for {pair.a}-{pair.b}."
            )
    if len(params.quad_mix) != 4 or any(abs(sum(m) - 1) > 1e-6 for m in params.quad_mix):
        raise ConfigurationError(
            "WorldParams.quad_mix must hold four 4-tuples (hostility 0-3) that each sum to 1."
        )
    if abs(sum(params.report_lag_probs) - 1) > 1e-6:
        raise ConfigurationError(
            f"WorldParams.report_lag_probs must sum to 1. Got {params.report_lag_probs}."
        )
    if params.volume_growth <= 0:
        raise ConfigurationError(
            f"WorldParams.volume_growth must be > 0. Got {params.volume_growth}."
        )


# --------------------------------------------------------------------------------------------
# Episodes
# --------------------------------------------------------------------------------------------
def _undirected(a: str, b: str) -> str:
    x, y = sorted((a, b))
    return f"{x}-{y}"


def _overlaps(taken: list[tuple[int, int]], lo: int, hi: int) -> bool:
    return any(lo <= h and l <= hi for l, h in taken)


def simulate_episodes(params: WorldParams = DEFAULT_WORLD, seed: int = DEFAULT_SEED
                      ) -> pd.DataFrame:
    """Draw the ground-truth episodes of a world without writing any events.

    Parameters
    ----------
    params : WorldParams
        World parameters.
    seed : int
        Seed; the same seed gives the same episodes as :func:`simulate_world`.

    Returns
    -------
    pandas.DataFrame
        One row per episode with :data:`GROUND_TRUTH_COLUMNS`, sorted by start.
    """
    _check_params(params)
    rng = np.random.default_rng([seed, 1])
    days = pd.date_range(params.start, params.end, freq="D")
    n_days = len(days)
    years = n_days / 365.25
    rows: list[dict] = []
    taken: dict[str, list[tuple[int, int]]] = {}

    def add(kind: str, a: str, b: str, lo: int, hi: int, pre: int | None, intensity: float,
            cause: str = "") -> str:
        prefix = {"escalation": "ESC", "quiet": "QUIET", "militant_attack": "ATTACK",
                  "cross_border_strike": "STRIKE"}[kind]
        eid = f"{prefix}{len(rows) + 1:04d}"
        rows.append({
            "episode_id": eid, "kind": kind, "dyad": _undirected(a, b), "initiator": a,
            "target": b, "start": days[lo], "end": days[hi],
            "precursor_start": days[pre] if pre is not None else pd.NaT,
            "intensity": float(intensity), "cause": cause,
        })
        return eid

    # Scripted escalations first; random ones avoid them.
    for ep in params.scripted:
        lo = int((pd.Timestamp(ep.start) - days[0]).days)
        hi = int((pd.Timestamp(ep.end) - days[0]).days)
        if hi < 0 or lo >= n_days:
            continue
        lo, hi = max(lo, 0), min(hi, n_days - 1)
        pre = max(lo - ep.precursor_days, 0)
        add("escalation", ep.initiator, ep.target, lo, hi, pre, ep.intensity)
        taken.setdefault(_undirected(ep.initiator, ep.target), []).append((pre, hi))

    for pair in params.pairs:
        key = _undirected(pair.a, pair.b)
        slots = taken.setdefault(key, [])
        rate = params.episode_rate[pair.hostility] if pair.random_episodes else 0.0
        for _ in range(rng.poisson(rate * years)):
            length = int(rng.integers(params.episode_days[0], params.episode_days[1] + 1))
            pre_len = int(rng.integers(params.precursor_days[0], params.precursor_days[1] + 1))
            lo = int(rng.integers(pre_len, max(n_days - length, pre_len + 1)))
            hi = min(lo + length - 1, n_days - 1)
            if _overlaps(slots, lo - pre_len - 14, hi + 14):
                continue
            a, b = (pair.a, pair.b) if rng.random() < 0.5 else (pair.b, pair.a)
            intensity = rng.uniform(*params.episode_intensity)
            add("escalation", a, b, lo, hi, lo - pre_len, round(float(intensity), 2))
            slots.append((lo - pre_len, hi))
        # Quiet spells, away from escalations.
        for _ in range(rng.poisson(params.quiet_rate * years)):
            length = int(rng.integers(params.quiet_days[0], params.quiet_days[1] + 1))
            lo = int(rng.integers(0, max(n_days - length, 1)))
            hi = min(lo + length - 1, n_days - 1)
            if _overlaps(slots, lo - 30, hi + 30):
                continue
            add("quiet", pair.a, pair.b, lo, hi, None, params.quiet_factor)
            slots.append((lo, hi))

    # Pakistan: militant-attack waves, some answered by cross-border strikes into Afghanistan.
    have = {s.iso3 for s in params.states}
    if {"PAK", "AFG"} <= have:
        change = int((pd.Timestamp(params.regime_change) - days[0]).days)
        t = 0.0
        last_end = -1
        while True:
            rate = params.ttp_waves_per_year[0 if t < change else 1] / 365.25
            t += rng.exponential(1 / rate)
            lo = int(t)
            if lo >= n_days:
                break
            if lo <= last_end + 7:
                continue
            length = int(rng.integers(params.ttp_wave_days[0], params.ttp_wave_days[1] + 1))
            hi = min(lo + length - 1, n_days - 1)
            intensity = round(float(rng.uniform(*params.ttp_attacks_per_day)), 2)
            wave = add("militant_attack", "PAK", "PAK", lo, hi, None, intensity)
            last_end = hi
            p = params.strike_probability[0 if lo < change else 1]
            if rng.random() < p:
                lag = int(rng.integers(params.strike_lag_days[0], params.strike_lag_days[1] + 1))
                slo = hi + lag
                if slo >= n_days:
                    continue
                slen = int(rng.integers(params.strike_days[0], params.strike_days[1] + 1))
                shi = min(slo + slen - 1, n_days - 1)
                sint = round(float(rng.uniform(*params.strikes_per_day)), 2)
                add("cross_border_strike", "PAK", "AFG", slo, shi, None, sint, cause=wave)
                last_end = max(last_end, shi)
                t = max(t, float(shi))

    gt = pd.DataFrame(rows, columns=list(GROUND_TRUTH_COLUMNS))
    if len(gt) == 0:
        gt = gt.astype({"start": "datetime64[s]", "end": "datetime64[s]",
                        "precursor_start": "datetime64[s]", "intensity": "float64"})
    gt = gt.sort_values(["start", "episode_id"], kind="stable").reset_index(drop=True)
    return _gt_dtypes(gt)


def _gt_dtypes(gt: pd.DataFrame) -> pd.DataFrame:
    out = gt.copy()
    for col in ("start", "end", "precursor_start"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[s]")
    out["intensity"] = out["intensity"].astype("float64")
    for col in ("episode_id", "kind", "dyad", "initiator", "target", "cause"):
        out[col] = out[col].fillna("").astype(str)
    return out[list(GROUND_TRUTH_COLUMNS)]


# --------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------
def _codes_and_probs(spec: Sequence[tuple[str, float]]) -> tuple[np.ndarray, np.ndarray]:
    codes = np.array([c for c, _ in spec], dtype=object)
    w = np.array([w for _, w in spec], dtype=float)
    return codes, w / w.sum()


def _profile(length: int) -> np.ndarray:
    """Rise-and-decay intensity over an episode: peak after about a fifth of its length."""
    x = (np.arange(length) + 0.5) / max(length, 1)
    peak = 0.2
    up = np.clip(x / peak, 0, 1)
    down = np.exp(-np.clip(x - peak, 0, None) * 2.0)
    return np.clip(up * down, 0.15, 1.0)


class _Events:
    """Column buffers for events of one component before they are merged."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, **cols: np.ndarray) -> None:
        n = len(cols["day"])
        if n:
            self.parts.append({k: (np.full(n, v, dtype=object) if np.isscalar(v) or v is None
                                   else np.asarray(v)) for k, v in cols.items()})

    def frame(self) -> dict[str, np.ndarray]:
        keys = ["day", "s1", "t1", "s2", "t2", "code", "geo", "place", "n1", "n2", "hot"]
        merged = {}
        for k in keys:
            arrays = [p[k] for p in self.parts]
            if k in ("code", "n1", "n2"):
                arrays = [a.astype(object, copy=False) for a in arrays]
            merged[k] = np.concatenate(arrays) if arrays else np.array([], dtype=object)
        return merged


def _draw_codes(rng: np.random.Generator, spec: Sequence[tuple[str, float]], n: int
                ) -> np.ndarray:
    codes, p = _codes_and_probs(spec)
    return codes[rng.choice(len(codes), size=n, p=p)]


def _simulate_events(params: WorldParams, gt: pd.DataFrame, seed: int
                     ) -> dict[str, np.ndarray]:
    rng = np.random.default_rng([seed, 2])
    days = pd.date_range(params.start, params.end, freq="D")
    n_days = len(days)
    state_idx = {s.iso3: i for i, s in enumerate(params.states)}
    pairs = params.pairs
    n_pairs = len(pairs)
    # Directed dyads: 2k = a>b, 2k+1 = b>a.
    src = np.array([state_idx[p.a if j == 0 else p.b] for p in pairs for j in (0, 1)])
    dst = np.array([state_idx[p.b if j == 0 else p.a] for p in pairs for j in (0, 1)])
    share_ab = rng.uniform(*params.direction_share, size=n_pairs)
    sal = np.array([p.salience for p in pairs])
    dir_rate = np.column_stack([sal * share_ab, sal * (1 - share_ab)]).ravel()
    mix = np.array([params.quad_mix[p.hostility] for p in pairs for _ in (0, 1)])

    t_years = np.arange(n_days) / 365.25
    growth = params.volume_growth ** t_years
    weekday = np.where(days.day_of_week >= 5, params.weekend_factor, 1.0)
    day_scale = growth * weekday

    pair_of = {_undirected(p.a, p.b): k for k, p in enumerate(pairs)}
    day0 = days[0]
    quiet = np.ones((n_days, n_pairs))
    esc = np.zeros((n_days, 2 * n_pairs, 4))      # episode events (hot)
    pre = np.zeros((n_days, 2 * n_pairs))         # precursor verbal conflict
    for ep in gt.itertuples(index=False):
        k = pair_of.get(ep.dyad)
        lo = int((ep.start - day0).days)
        hi = int((ep.end - day0).days)
        if ep.kind == "quiet" and k is not None:
            quiet[lo:hi + 1, k] = ep.intensity
        elif ep.kind == "escalation" and k is not None:
            fwd = 2 * k if pairs[k].a == ep.initiator else 2 * k + 1
            back = fwd ^ 1
            prof = _profile(hi - lo + 1) * ep.intensity
            esc[lo:hi + 1, fwd, 3] += prof
            esc[lo:hi + 1, back, 3] += prof * params.target_response
            esc[lo:hi + 1, fwd, 2] += prof * 0.8
            esc[lo:hi + 1, back, 2] += prof * 0.8
            esc[lo:hi + 1, fwd, 0] += prof * 0.3
            esc[lo:hi + 1, back, 0] += prof * 0.5
            esc[lo:hi + 1, fwd, 1] += prof * 0.05
            plo = int((ep.precursor_start - day0).days)
            if plo < lo:
                ramp = np.linspace(0.1, 1.0, lo - plo) * params.precursor_verbal * sal[k]
                pre[plo:lo, fwd] += ramp
                pre[plo:lo, back] += ramp * 0.6
    quiet_d = np.repeat(quiet, 2, axis=1)
    base = day_scale[:, None] * dir_rate[None, :] * quiet_d
    lam_bg = base[:, :, None] * mix[None, :, :]
    counts_bg = rng.poisson(lam_bg)
    counts_esc = rng.poisson(esc * day_scale[:, None, None])
    counts_pre = rng.poisson(pre * day_scale[:, None])

    ev = _Events()

    def expand(counts: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
        flat = counts.ravel()
        where = np.repeat(np.arange(flat.size), flat)
        return np.unravel_index(where, shape)

    def dyad_events(day: np.ndarray, dd: np.ndarray, quad: np.ndarray, hot: bool,
                    spec: dict[int, tuple] | None, single: tuple | None = None) -> None:
        n = len(day)
        code = np.empty(n, dtype=object)
        if single is not None:
            code[:] = _draw_codes(rng, single, n)
        else:
            for q in (1, 2, 3, 4):
                m = quad == q
                if m.any():
                    code[m] = _draw_codes(rng, spec[q], int(m.sum()))
        s1, s2 = src[dd], dst[dd].copy()
        conflict = np.isin(quad, (4,))
        u = rng.random(n)
        t1 = np.where(conflict, np.where(u < 0.55, "MIL", np.where(u < 0.8, "GOV", "")),
                      np.where(u < 0.45, "GOV", np.where(u < 0.9, "",
                                                        np.where(u < 0.95, "BUS", "MED"))))
        u2 = rng.random(n)
        t2 = np.where(conflict, np.where(u2 < 0.45, "MIL", np.where(u2 < 0.65, "CVL", "")),
                      np.where(u2 < 0.45, "GOV", ""))
        if not hot and params.one_sided_share > 0:
            verbal = (quad == 1) | (quad == 3)
            drop = verbal & (rng.random(n) < params.one_sided_share)
            s2[drop] = -1
            t2 = np.where(drop, "", t2)
        geo = np.where(conflict & (rng.random(n) < 0.7), s2,
                       np.where(rng.random(n) < 0.5, s1, s2))
        geo = np.where(geo < 0, s1, geo)
        ev.add(day=day, s1=s1, t1=t1, s2=s2, t2=t2, code=code, geo=geo,
               place=np.full(n, -1), n1=np.full(n, None, dtype=object),
               n2=np.full(n, None, dtype=object), hot=np.full(n, hot))

    shape = counts_bg.shape
    d, dd, q = expand(counts_bg, shape)
    dyad_events(d, dd, q + 1, False, _CHATTER_CODES)
    d, dd, q = expand(counts_esc, shape)
    dyad_events(d, dd, q + 1, True, _EPISODE_CODES)
    d, dd = expand(counts_pre, counts_pre.shape)
    dyad_events(d, dd, np.full(len(d), 3), True, {}, single=_PRECURSOR_CODES)

    # Pakistan-Afghanistan mechanism.
    if "PAK" in state_idx and "AFG" in state_idx:
        pak, afg = state_idx["PAK"], state_idx["AFG"]
        n_pak = len(_PAK_PLACES)
        for ep in gt[gt["kind"].isin(["militant_attack", "cross_border_strike"])].itertuples():
            lo = int((ep.start - day0).days)
            hi = int((ep.end - day0).days)
            span = np.arange(lo, hi + 1)
            n_day = rng.poisson(ep.intensity * day_scale[span])
            day = np.repeat(span, n_day)
            n = len(day)
            if n == 0:
                continue
            if ep.kind == "militant_attack":
                cross = rng.random(n) < params.ttp_cross_border_share
                s1 = np.where(cross, afg, pak)
                n1 = np.where(cross, "MILITANTS", "TEHRIK-I-TALIBAN PAKISTAN").astype(object)
                t2 = rng.choice(np.array(["MIL", "COP", "CVL"]), size=n, p=[0.4, 0.35, 0.25])
                ev.add(day=day, s1=s1, t1=np.full(n, "REB"), s2=np.full(n, pak), t2=t2,
                       code=_draw_codes(rng, _TTP_CODES, n), geo=np.full(n, pak),
                       place=rng.integers(0, n_pak, size=n), n1=n1,
                       n2=np.full(n, None, dtype=object), hot=np.full(n, True))
            else:
                t2 = np.where(rng.random(n) < 0.75, "REB", "CVL")
                ev.add(day=day, s1=np.full(n, pak), t1=np.full(n, "MIL"), s2=np.full(n, afg),
                       t2=t2, code=_draw_codes(rng, _STRIKE_CODES, n), geo=np.full(n, afg),
                       place=n_pak + rng.integers(0, len(_AFG_PLACES), size=n),
                       n1=np.full(n, None, dtype=object),
                       n2=np.where(t2 == "REB", "MILITANTS", None).astype(object),
                       hot=np.full(n, True))
                # Kabul protests over the following days.
                m = rng.poisson(1.5 * len(span))
                pday = np.minimum(rng.integers(lo, hi + 4, size=m), n_days - 1)
                ev.add(day=pday, s1=np.full(m, afg), t1=np.full(m, "GOV"), s2=np.full(m, pak),
                       t2=np.full(m, "GOV"), code=_draw_codes(rng, _PROTEST_CODES, m),
                       geo=np.full(m, afg), place=np.full(m, -1),
                       n1=np.full(m, None, dtype=object), n2=np.full(m, None, dtype=object),
                       hot=np.full(m, True))
                # Border clashes on some strike days.
                clash = span[rng.random(len(span)) < params.border_clash_probability]
                if len(clash):
                    k = rng.poisson(2.0, size=len(clash)) + 1
                    cday = np.repeat(clash, k)
                    c = len(cday)
                    fwd = rng.random(c) < 0.5
                    ev.add(day=cday, s1=np.where(fwd, afg, pak), t1=np.full(c, "MIL"),
                           s2=np.where(fwd, pak, afg), t2=np.full(c, "MIL"),
                           code=_draw_codes(rng, _CLASH_CODES, c),
                           geo=np.where(rng.random(c) < 0.5, afg, pak), place=np.full(c, -1),
                           n1=np.full(c, None, dtype=object), n2=np.full(c, None, dtype=object),
                           hot=np.full(c, True))
    return ev.frame()


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 for null/empty) and the vocabulary of a small-vocabulary column."""
    if values.dtype.kind == "U":
        uniques, codes = np.unique(values, return_inverse=True)
        codes = codes.astype(np.int64).ravel()
        empty = np.flatnonzero(uniques == "")
        if len(empty):
            codes = np.where(codes == empty[0], -1, codes - (codes > empty[0]))
            uniques = np.delete(uniques, empty[0])
        return codes, uniques.astype(object)
    codes, uniques = pd.factorize(pd.Series(values, dtype=object).replace("", None),
                                  use_na_sentinel=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _dict_col(idx: np.ndarray, vocab: Sequence[object]):  # -> pyarrow.Array
    """A string column from integer codes into ``vocab`` (-1 gives null)."""
    import pyarrow as pa

    vocab = ["" if v is None else str(v) for v in vocab]
    if not vocab:
        return pa.nulls(len(idx), pa.string())
    ind = pa.array(np.where(idx < 0, 0, idx).astype(np.int32), mask=idx < 0)
    return pa.DictionaryArray.from_arrays(ind, pa.array(vocab, pa.string())).dictionary_decode()


def _render(params: WorldParams, raw: dict[str, np.ndarray], seed: int
            ) -> tuple[np.ndarray, Any]:
    """Code and order the events; return DATEADDED per row and a builder of row blocks.

    Rows are sorted by ``DATEADDED``. The second value, ``rows(lo, hi)``, renders rows
    ``lo:hi`` as a pyarrow table of the 61 GDELT 2.0 columns, so that files are written one
    block at a time and the text of the whole world is never held in memory at once.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from riskmodel.codes.cameo import cameo_table

    rng = np.random.default_rng([seed, 3])
    table = cameo_table()
    table = table[~table.index.duplicated(keep="first")]
    days = pd.date_range(params.start, params.end, freq="D")
    n = len(raw["day"])
    states = params.states
    n_states = len(states)
    none = n_states  # index of the "no state" entry
    iso = [s.iso3 for s in states] + [""]
    fips = [s.fips for s in states] + [""]
    names = [s.name for s in states] + [""]
    capitals = [s.capital for s in states] + [""]
    full = [s.name.title() for s in states] + [""]
    lat = np.array([s.lat for s in states] + [np.nan])
    lon = np.array([s.lon for s in states] + [np.nan])

    lag = rng.choice(3, size=n, p=np.asarray(params.report_lag_probs))
    slot = rng.integers(0, 96, size=n)
    day = raw["day"].astype(np.int64)
    date = days.values.astype("datetime64[D]")[day]
    added = (date.astype("datetime64[m]") + lag.astype("timedelta64[D]")
             + (slot * 15).astype("timedelta64[m]"))
    order = np.lexsort((rng.random(n), added))
    col = {k: np.asarray(v)[order] for k, v in raw.items()}
    date, added = date[order], added[order]

    s1 = col["s1"].astype(np.int64)
    s2 = col["s2"].astype(np.int64)
    has2 = s2 >= 0
    s2i = np.where(has2, s2, none)
    geo = col["geo"].astype(np.int64)
    place = col["place"].astype(np.int64)
    hot = col["hot"].astype(bool)

    t1, tv1 = _factorize(col["t1"])
    t2, tv2 = _factorize(col["t2"])
    types = sorted(set(tv1) | set(tv2))
    tpos = {t: i + 1 for i, t in enumerate(types)}
    t1 = np.where(t1 < 0, 0, np.array([0] + [tpos[t] for t in tv1])[t1 + 1])
    t2 = np.where(t2 < 0, 0, np.array([0] + [tpos[t] for t in tv2])[t2 + 1])
    t2 = np.where(has2, t2, 0)
    tvocab = [""] + types
    nt = len(tvocab)
    actor_vocab = [iso[i] + t for i in range(n_states + 1) for t in tvocab]
    a1 = s1 * nt + t1
    a2 = np.where(has2, s2i * nt + t2, -1)

    cidx, cvocab = _factorize(col["code"])
    cvocab = [str(c) for c in cvocab]
    look = table.reindex(cvocab)
    if look["quad_class"].isna().any():
        bad = [c for c, q in zip(cvocab, look["quad_class"]) if pd.isna(q)]
        raise AssertionError(f"simulator uses codes missing from the CAMEO table: {bad}")
    quad = look["quad_class"].to_numpy(dtype=np.int64)[cidx]
    gold = look["goldstein"].to_numpy(dtype=float)[cidx]

    # Actor names: the given name where the component set one, else country or capital.
    n1i, n1v = _factorize(col["n1"])
    n2i, n2v = _factorize(col["n2"])
    name_vocab = names + capitals + list(n1v) + list(n2v)
    k = len(names)
    cap1 = rng.random(n) < 0.3
    cap2 = rng.random(n) < 0.3
    name1 = np.where(n1i >= 0, 2 * k + n1i, np.where(cap1, k + s1, s1))
    name2 = np.where(n2i >= 0, 2 * k + len(n1v) + n2i, np.where(cap2, k + s2i, s2i))
    name2 = np.where(has2, name2, -1)

    p_art = np.where(quad == 4, np.where(hot, 0.2, 0.4), 0.55)
    articles = rng.geometric(p_art).astype(np.int64)
    sources = 1 + rng.binomial(articles - 1, 0.6).astype(np.int64)
    mentions = articles + rng.poisson(articles * 0.8).astype(np.int64)
    tone_mu = np.array([0.0, 1.5, 2.0, -3.5, -6.0])[quad]
    tone = np.round(np.clip(rng.normal(tone_mu, 2.5), -30, 20), 6)
    root_event = (rng.random(n) < np.where(hot & (quad == 4), 0.8, 0.5)).astype(np.int64)

    places = _PAK_PLACES + _AFG_PLACES
    has_place = place >= 0
    pi = np.where(has_place, place, 0)
    p_lat = np.array([p[3] for p in places])
    p_lon = np.array([p[4] for p in places])
    # Action geography: a named place (vocab after the states) or the country of ``geo``.
    ag = np.where(has_place, n_states + 1 + pi, geo)
    ag_name = full + [p[0] for p in places]
    ag_fips = fips + [p[1] for p in places]
    ag_adm1 = fips + [p[2] for p in places]
    ag_fid = fips + [p[5] for p in places]

    years = date.astype("datetime64[Y]").astype(np.int64) + 1970
    months = date.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (date - date.astype("datetime64[M]")).astype(np.int64) + 1
    sqldate = years * 10000 + months * 100 + dom
    frac = np.round(years + ((months - 1) * 30 + dom) / 365.0, 4)
    ay = added.astype("datetime64[Y]").astype(np.int64) + 1970
    am = added.astype("datetime64[M]").astype(np.int64) % 12 + 1
    ad = (added.astype("datetime64[D]") - added.astype("datetime64[M]")).astype(np.int64) + 1
    mins = (added - added.astype("datetime64[D]")).astype(np.int64)
    dateadded = (ay * 10**10 + am * 10**8 + ad * 10**6 + (mins // 60) * 10**4
                 + (mins % 60) * 100)
    ids = params.first_event_id + np.arange(n, dtype=np.int64)

    s2m = np.where(has2, s2i, -1)
    arrays = {
        "ids": ids,
        "sqldate": sqldate,
        "years": years,
        "months": months,
        "dom": dom,
        "frac": frac,
        "a1": a1,
        "a2": a2,
        "name1": name1,
        "name2": name2,
        "s1": s1,
        "s2i": s2i,
        "s2m": s2m,
        "t1": t1,
        "t2": t2,
        "has2": has2,
        "root_event": root_event,
        "cidx": cidx,
        "quad": quad,
        "gold": gold,
        "mentions": mentions,
        "sources": sources,
        "articles": articles,
        "tone": tone,
        "has_place": has_place,
        "pi": pi,
        "ag": ag,
        "geo": geo,
        "dateadded": dateadded,
    }

    def table(n: int, ids: np.ndarray, sqldate: np.ndarray, years: np.ndarray,
              months: np.ndarray, dom: np.ndarray, frac: np.ndarray, a1: np.ndarray,
              a2: np.ndarray, name1: np.ndarray, name2: np.ndarray, s1: np.ndarray,
              s2i: np.ndarray, s2m: np.ndarray, t1: np.ndarray, t2: np.ndarray,
              has2: np.ndarray, root_event: np.ndarray, cidx: np.ndarray,
              quad: np.ndarray, gold: np.ndarray, mentions: np.ndarray,
              sources: np.ndarray, articles: np.ndarray, tone: np.ndarray,
              has_place: np.ndarray, pi: np.ndarray, ag: np.ndarray, geo: np.ndarray,
              dateadded: np.ndarray):  # -> pyarrow.Table
        def strcol(values: np.ndarray):
            return pc.cast(pa.array(values), pa.string())

        lower = [a.lower() for a in actor_vocab]
        url = pc.binary_join_element_wise(
            _URL_ROOT, strcol(years), pc.utf8_lpad(strcol(months), 2, "0"),
            pc.utf8_lpad(strcol(dom), 2, "0"),
            pc.binary_join_element_wise(
                _dict_col(a1, lower),
                pc.fill_null(_dict_col(a2, lower), "none"),
                _dict_col(cidx, cvocab), strcol(ids), "synthetic.html", "-"),
            "/")

        def nulls():
            return pa.nulls(n, pa.string())

        cols = {
            "GLOBALEVENTID": pa.array(ids),
            "SQLDATE": pa.array(sqldate),
            "MonthYear": pa.array(years * 100 + months),
            "Year": pa.array(years),
            "FractionDate": pa.array(frac),
            "Actor1Code": _dict_col(a1, actor_vocab),
            "Actor1Name": _dict_col(name1, name_vocab),
            "Actor1CountryCode": _dict_col(s1, iso),
            "Actor1KnownGroupCode": nulls(), "Actor1EthnicCode": nulls(),
            "Actor1Religion1Code": nulls(), "Actor1Religion2Code": nulls(),
            "Actor1Type1Code": _dict_col(np.where(t1 > 0, t1, -1), tvocab),
            "Actor1Type2Code": nulls(), "Actor1Type3Code": nulls(),
            "Actor2Code": _dict_col(a2, actor_vocab),
            "Actor2Name": _dict_col(name2, name_vocab),
            "Actor2CountryCode": _dict_col(s2m, iso),
            "Actor2KnownGroupCode": nulls(), "Actor2EthnicCode": nulls(),
            "Actor2Religion1Code": nulls(), "Actor2Religion2Code": nulls(),
            "Actor2Type1Code": _dict_col(np.where(t2 > 0, t2, -1), tvocab),
            "Actor2Type2Code": nulls(), "Actor2Type3Code": nulls(),
            "IsRootEvent": pa.array(root_event),
            "EventCode": _dict_col(cidx, cvocab),
            "EventBaseCode": _dict_col(cidx, [c[:3] for c in cvocab]),
            "EventRootCode": _dict_col(cidx, [c[:2] for c in cvocab]),
            "QuadClass": pa.array(quad),
            "GoldsteinScale": pa.array(gold),
            "NumMentions": pa.array(mentions), "NumSources": pa.array(sources),
            "NumArticles": pa.array(articles), "AvgTone": pa.array(tone),
            "Actor1Geo_Type": pa.array(np.ones(n, dtype=np.int64)),
            "Actor1Geo_FullName": _dict_col(s1, full),
            "Actor1Geo_CountryCode": _dict_col(s1, fips),
            "Actor1Geo_ADM1Code": _dict_col(s1, fips),
            "Actor1Geo_ADM2Code": nulls(),
            "Actor1Geo_Lat": pa.array(lat[s1]), "Actor1Geo_Long": pa.array(lon[s1]),
            "Actor1Geo_FeatureID": _dict_col(s1, fips),
            # GDELT writes type 0 and leaves the block empty when there is no second actor.
            "Actor2Geo_Type": pa.array(has2.astype(np.int64)),
            "Actor2Geo_FullName": _dict_col(s2m, full),
            "Actor2Geo_CountryCode": _dict_col(s2m, fips),
            "Actor2Geo_ADM1Code": _dict_col(s2m, fips),
            "Actor2Geo_ADM2Code": nulls(),
            "Actor2Geo_Lat": pa.array(lat[s2i], mask=~has2),
            "Actor2Geo_Long": pa.array(lon[s2i], mask=~has2),
            "Actor2Geo_FeatureID": _dict_col(s2m, fips),
            "ActionGeo_Type": pa.array(np.where(has_place, 4, 1).astype(np.int64)),
            "ActionGeo_FullName": _dict_col(ag, ag_name),
            "ActionGeo_CountryCode": _dict_col(ag, ag_fips),
            "ActionGeo_ADM1Code": _dict_col(ag, ag_adm1),
            "ActionGeo_ADM2Code": nulls(),
            "ActionGeo_Lat": pa.array(np.where(has_place, p_lat[pi], lat[geo])),
            "ActionGeo_Long": pa.array(np.where(has_place, p_lon[pi], lon[geo])),
            "ActionGeo_FeatureID": _dict_col(ag, ag_fid),
            "DATEADDED": pa.array(dateadded),
            "SOURCEURL": url,
        }
        return pa.table([cols[c] for c in GDELT2_EXPORT_COLUMNS],
                        names=list(GDELT2_EXPORT_COLUMNS))

    def rows(lo: int, hi: int):  # -> pyarrow.Table
        """The 61 columns of rows ``lo:hi`` (in DATEADDED order)."""
        return table(hi - lo, **{k: v[lo:hi] for k, v in arrays.items()})

    return dateadded, rows


def _file_keys(dateadded: np.ndarray, files: str) -> np.ndarray:
    if files == "daily":
        return dateadded // 10**6
    if files == "monthly":
        return dateadded // 10**8
    return dateadded // 10**10


def _write_files(dateadded: np.ndarray, rows: Any, out_dir: Path, files: str) -> list[Path]:
    import pyarrow.csv as pacsv

    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob(f"{SYNTHETIC}_*.export.CSV"):
        old.unlink()
    keys = _file_keys(dateadded, files)
    bounds = np.flatnonzero(np.diff(keys)) + 1
    starts = np.concatenate([[0], bounds]).astype(int)
    ends = np.concatenate([bounds, [len(keys)]]).astype(int)
    opts = pacsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
    written = []
    for lo, hi in zip(starts, ends):
        if hi <= lo:
            continue
        key = int(keys[lo])
        stamp = {"daily": key * 10**6, "monthly": (key * 100 + 1) * 10**6,
                 "yearly": (key * 10000 + 101) * 10**6}[files]
        path = out_dir / f"{SYNTHETIC}_{stamp:014d}.export.CSV"
        pacsv.write_csv(rows(int(lo), int(hi)), path, opts)
        written.append(path)
    return written


def simulate_world(dest: str | os.PathLike[str], params: WorldParams = DEFAULT_WORLD, *,
                   seed: int = DEFAULT_SEED, start: str | None = None, end: str | None = None,
                   files: str = "monthly") -> World:
    """Simulate a SYNTHETIC event world and write it in the GDELT 2.0 Events layout.

    Parameters
    ----------
    dest : path-like
        Destination folder (created). Export files go to ``dest/gdelt2/``; earlier
        ``SYNTHETIC_*`` files there are replaced.
    params : WorldParams
        World parameters (default :data:`DEFAULT_WORLD`).
    seed : int
        Random seed; the same ``params`` and ``seed`` give byte-identical files.
    start, end : str, optional
        Override ``params.start`` / ``params.end`` (ISO dates), e.g. for a small world.
    files : {"monthly", "daily", "yearly"}
        One export file per month, day or year of ``DATEADDED``.

    Returns
    -------
    World
        Paths, ground truth and counts.

    Raises
    ------
    ConfigurationError
        If the parameters are inconsistent or ``files`` is not a known layout.
    """
    import dataclasses

    if files not in _FILE_KINDS:
        import difflib

        near = difflib.get_close_matches(str(files), _FILE_KINDS, n=1)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise ConfigurationError(
            f"The 'files' parameter of simulate_world must be one of {list(_FILE_KINDS)}. Got "
            f"{files!r} instead.{hint}"
        )
    if start is not None or end is not None:
        params = dataclasses.replace(params, start=start or params.start,
                                     end=end or params.end)
    _check_params(params)
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigurationError(
            f"The 'seed' parameter of simulate_world must be a non-negative int. Got {seed!r}."
        )
    seed = int(seed)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    gt = simulate_episodes(params, seed)
    raw = _simulate_events(params, gt, seed)
    dateadded, rows = _render(params, raw, seed)
    del raw
    paths = _write_files(dateadded, rows, dest / "gdelt2", files)
    n_events = int(len(dateadded))
    gt_out = gt.copy()
    for col in ("start", "end", "precursor_start"):
        gt_out[col] = gt_out[col].dt.strftime("%Y-%m-%d")
    gt_out.to_csv(dest / "ground_truth.csv", index=False)
    meta = {
        "synthetic": True,
        "notice": "SYNTHETIC data generated by riskmodel.datasets.simulate_world; no event in "
                  "it happened.",
        "generator": "riskmodel.datasets.simulate_world",
        "seed": seed,
        "files_layout": files,
        "n_events": n_events,
        "n_files": len(paths),
        "files": [p.name for p in paths],
        "n_episodes": {k: int((gt["kind"] == k).sum()) for k in EPISODE_KINDS},
        "params": params.to_dict(),
    }
    (dest / "world.json").write_text(json.dumps(meta, indent=1, default=str), encoding="utf-8")
    (dest / "README.txt").write_text(
        "SYNTHETIC EVENT DATA - NOT REAL\n\n"
        "These files were generated by riskmodel.datasets.simulate_world (seed "
        f"{seed}). They follow the GDELT 2.0 Events export layout (61 tab-separated columns, no "
        "header) so that they go through the same reader as real GDELT files, but every event, "
        "actor name and URL in them is invented. ground_truth.csv lists the simulated "
        "escalation episodes, quiet spells, militant-attack waves and cross-border strikes.\n",
        encoding="utf-8",
    )
    return World(path=dest, files=paths, ground_truth=gt, params=params, seed=seed,
                 n_events=n_events, meta=meta)


def load_ground_truth(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read the episodes of a simulated world.

    Parameters
    ----------
    path : path-like
        The world folder (holding ``ground_truth.csv``) or the CSV itself.

    Returns
    -------
    pandas.DataFrame
        :data:`GROUND_TRUTH_COLUMNS`; ``start``, ``end`` and ``precursor_start`` as datetimes.

    Raises
    ------
    FileNotFoundError
        If there is no ``ground_truth.csv`` (simulate the world first).
    """
    p = Path(path)
    if p.is_dir():
        p = p / "ground_truth.csv"
    if not p.is_file():
        raise FileNotFoundError(
            f"{p}: no ground_truth.csv; simulate a world there first "
            "(riskmodel simulate --dest DIR)."
        )
    gt = pd.read_csv(p, dtype={"cause": str, "episode_id": str}, keep_default_na=True)
    missing = [c for c in GROUND_TRUTH_COLUMNS if c not in gt.columns]
    if missing:
        raise ConfigurationError(
            f"{p}: not a ground-truth file of a simulated world; columns {missing} are missing."
        )
    return _gt_dtypes(gt)


def load_world(path: str | os.PathLike[str]) -> World:
    """Open a world written earlier by :func:`simulate_world` (nothing is regenerated).

    Raises
    ------
    FileNotFoundError
        If ``path`` holds no ``world.json``.
    """
    p = Path(path)
    meta_path = p / "world.json"
    if not meta_path.is_file():
        raise FileNotFoundError(
            f"{p}: no world.json; simulate a world there first (riskmodel simulate --dest {p})."
        )
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    params = _params_from_dict(meta["params"])
    files = [p / "gdelt2" / name for name in meta["files"]]
    return World(path=p, files=files, ground_truth=load_ground_truth(p), params=params,
                 seed=int(meta["seed"]), n_events=int(meta["n_events"]), meta=meta)


def _params_from_dict(d: dict) -> WorldParams:
    d = dict(d)
    d["states"] = tuple(StateInfo(**s) for s in d["states"])
    d["pairs"] = tuple(PairSpec(**s) for s in d["pairs"])
    d["scripted"] = tuple(ScriptedEpisode(**s) for s in d["scripted"])
    for k, v in list(d.items()):
        if isinstance(v, list):
            d[k] = tuple(tuple(x) if isinstance(x, list) else x for x in v)
    return WorldParams(**d)


def episode_indicator(ground_truth: pd.DataFrame, *, freq: str = "W", directed: bool = True,
                      kinds: Sequence[str] = ("escalation", "cross_border_strike"),
                      start: object = None, end: object = None) -> pd.Series:
    """Mark the dyad-periods that overlap a ground-truth episode (an independent outcome).

    On the SYNTHETIC world the episodes are the truth the event counts only reflect, so a
    backtest can be scored against them instead of against its own inputs.

    Parameters
    ----------
    ground_truth : pandas.DataFrame
        Episodes as returned by :func:`load_ground_truth` or ``World.ground_truth``.
    freq : {"D", "W", "M"}
        Periods (labelled by their start; weeks start on Monday, months on the 1st).
    directed : bool
        Directed labels (``"PAK>AFG"``) or undirected (``"AFG-PAK"``). An escalation marks both
        directions (the target answers); a cross-border strike marks the striking direction.
    kinds : sequence of str
        Episode kinds that count (of :data:`EPISODE_KINDS`). Domestic episodes (militant
        attacks inside one state) belong to no dyad and are ignored.
    start, end : date-like, optional
        Period range of the index; default the span of the episodes.

    Returns
    -------
    pandas.Series
        1.0 where a dyad-period overlaps an episode, 0.0 elsewhere; indexed ``(dyad, period)``
        over every dyad that has at least one episode of these kinds.

    Raises
    ------
    ConfigurationError
        If ``freq`` or a kind is unknown.
    """
    import difflib

    rules = {"D": "D", "W": "W-MON", "M": "MS"}
    if freq not in rules:
        near = difflib.get_close_matches(str(freq), list(rules), n=1)
        raise ConfigurationError(f"The 'freq' parameter must be one of {list(rules)}. Got "
                                 f"{freq!r}." + (f" Did you mean {near[0]!r}?" if near else ""))
    for k in kinds:
        if k not in EPISODE_KINDS:
            near = difflib.get_close_matches(str(k), EPISODE_KINDS, n=1)
            raise ConfigurationError(f"Unknown episode kind {k!r}; expected some of "
                                     f"{list(EPISODE_KINDS)}."
                                     + (f" Did you mean {near[0]!r}?" if near else ""))

    def period_of(ts: pd.Timestamp) -> pd.Timestamp:
        ts = pd.Timestamp(ts).normalize()
        if freq == "W":
            return ts - pd.Timedelta(days=ts.day_of_week)
        if freq == "M":
            return ts.replace(day=1)
        return ts

    gt = ground_truth[ground_truth["kind"].isin(kinds)
                      & (ground_truth["initiator"] != ground_truth["target"])]
    lo = period_of(pd.Timestamp(start) if start is not None else gt["start"].min()
                   if len(gt) else pd.Timestamp("2000-01-01"))
    hi = period_of(pd.Timestamp(end) if end is not None else gt["end"].max()
                   if len(gt) else lo)
    periods = pd.date_range(lo, hi, freq=rules[freq])
    marks: dict[str, set[pd.Timestamp]] = {}
    for ep in gt.itertuples(index=False):
        a, b = ep.initiator, ep.target
        labels = ([f"{a}>{b}", f"{b}>{a}"] if ep.kind == "escalation" else [f"{a}>{b}"]) \
            if directed else [ep.dyad]
        span = pd.date_range(period_of(ep.start), period_of(ep.end), freq=rules[freq])
        for lab in labels:
            marks.setdefault(lab, set()).update(span)
    dyads = sorted(marks)
    index = pd.MultiIndex.from_product([dyads, periods], names=["dyad", "period"])
    values = np.zeros(len(index))
    pos = {p: i for i, p in enumerate(periods)}
    for j, d in enumerate(dyads):
        for p in marks[d]:
            if p in pos:
                values[j * len(periods) + pos[p]] = 1.0
    return pd.Series(values, index=index, name="episode")
