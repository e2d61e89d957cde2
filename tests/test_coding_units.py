"""Units of the article coder: patterns, actors, dates, numbers, sentences, text input."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from riskmodel.codes.cameo import cameo_table
from riskmodel.coding.actors import ActorTable, default_actor_table
from riskmodel.coding.dates import find_dates, parse_publication_date
from riskmodel.coding.numbers import find_fatalities, word_to_number
from riskmodel.coding.patterns import (
    PatternSet,
    compile_pattern,
    default_patterns,
    intent_code,
    load_patterns,
    refine_code,
    verb_forms,
)
from riskmodel.coding.sentences import split_sentences
from riskmodel.coding.text import html_to_text, prepare_text
from riskmodel.coding._match import PhraseMatcher, first_words
from riskmodel.exceptions import ConfigurationError

PUB = dt.date(2024, 3, 23)  # a Saturday


# --- patterns -----------------------------------------------------------------------------------
def test_verb_forms() -> None:
    assert verb_forms("accuse") == ["accuse", "accuses", "accused", "accusing"]
    assert verb_forms("meet/met") == ["meet", "meets", "met", "meeting"]
    assert "banned" in verb_forms("ban") and "denied" in verb_forms("deny")
    assert "travelled" in verb_forms("travel") and "traveled" in verb_forms("travel")


def test_compile_pattern_gap_and_optional() -> None:
    rx = re.compile(compile_pattern("<sign> (?:a|the)? _ agreement"), re.I)
    assert rx.fullmatch("signed a landmark trade agreement")
    assert rx.fullmatch("signs agreement")
    assert not rx.fullmatch("signed a very long and winding road agreement")
    with pytest.raises(ConfigurationError):
        compile_pattern("_ attack")


def test_pattern_table_covers_all_roots_and_force_codes() -> None:
    codes = {p.code for p in load_patterns()}
    roots = {int(c[:2]) for c in codes}
    assert roots >= set(range(2, 21))
    for needed in ("190", "193", "194", "195", "196", "138", "1384", "150", "154", "171",
                   "173", "175", "180", "181", "183", "186"):
        assert any(c.startswith(needed) for c in codes), needed
    table = cameo_table()
    assert codes <= set(table.index)


def test_first_word_dispatch_matches_alternation() -> None:
    pats = [compile_pattern(x) for x in ("air\\s*strikes?", "<attack>", "(?:a|the)? raid")]
    assert first_words(pats[0], re.I) == {"air", "airstrike", "airstrikes"}
    m = PhraseMatcher(pats, ["195", "190", "190r"], re.I)
    text = "Airstrikes and an attack, then the raid; a counterattack is no match"
    hits = [(text[s:e], p) for s, e, p in m.finditer(text)]
    assert hits == [("Airstrikes", "195"), ("attack", "190"), ("the raid", "190r")]


def test_refine_and_intent_codes() -> None:
    assert refine_code("130", "195") == "1384"
    assert refine_code("130", "163") == "1312"
    assert refine_code("030", "073") == "0333"
    assert refine_code("030", "190") == "1384"  # intent to use force is a threat
    assert refine_code("100", "084") == "1053"
    assert refine_code("112", "190") == "112"  # specific codes are kept
    assert intent_code("072") == "0332" and intent_code("040") == "036"
    assert intent_code("111") is None


def test_bad_pattern_table(tmp_path) -> None:
    bad = tmp_path / "p.tsv"
    bad.write_text("code\tpattern\tflags\n999\t<attack>\t\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not a CAMEO code"):
        PatternSet(load_patterns(bad))
    bad.write_text("code\tpattern\tflags\n190\t<attack>\tnuon\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="Did you mean 'noun'"):
        load_patterns(bad)


def test_default_patterns_is_cached() -> None:
    assert default_patterns() is default_patterns()


# --- actors -------------------------------------------------------------------------------------
def _find(text: str, day: dt.date = PUB):
    return [(m.name, m.state, m.type, m.id, m.location)
            for m in default_actor_table().find(text, day)]


def test_states_adjectives_capitals_and_bodies() -> None:
    got = _find("The Pakistani foreign ministry said Islamabad and the government of "
                "Afghanistan met in Doha.")
    assert ("Pakistani foreign ministry", "PAK", "GOV", "PAK", False) in got
    assert ("Islamabad", "PAK", "GOV", "PAK", False) in got
    assert ("government of Afghanistan", "AFG", "GOV", "AFG", False) in got
    assert ("Doha", "QAT", "GOV", "QAT", True) in got


def test_groups_and_time_bounded_roles() -> None:
    before = _find("Taliban fighters attacked.", dt.date(2020, 5, 1))
    after = _find("Taliban fighters attacked.", dt.date(2022, 5, 1))
    assert before[0][1:4] == ("AFG", "REB", "TALIBAN")
    assert after[0][1:4] == ("AFG", "GOV", "TALIBAN")
    got = _find("Tehreek-e-Taliban Pakistan (TTP) militants, the Baloch Liberation Army, "
                "Hamas, Hezbollah, the Houthis, al-Shabaab and Islamic State")
    ids = [g[3] for g in got]
    assert ids == ["TTP", "BLA", "HAMAS", "HEZBOLLAH", "HOUTHI", "SHABAAB", "ISIL"]
    assert got[0][0] == "Tehreek-e-Taliban Pakistan (TTP) militants"


def test_office_holders_are_time_bounded() -> None:
    text = "Russian President Vladimir Putin met Trump and Imran Khan."
    in_2019 = _find(text, dt.date(2019, 6, 1))
    assert [g[:4] for g in in_2019] == [
        ("Russian President Vladimir Putin", "RUS", "GOV", "PUTIN"),
        ("Trump", "USA", "GOV", "TRUMP"), ("Imran Khan", "PAK", "GOV", "IMRANKHAN")]
    in_2023 = [g[3] for g in _find(text, dt.date(2023, 6, 1))]
    assert in_2023 == ["PUTIN"]  # neither Trump nor Imran Khan held office then
    m = default_actor_table().find("Putin", dt.date(2023, 6, 1))[0]
    assert m.code == "RUSGOV" and m.kind == "person"


def test_user_extensions_and_bad_values() -> None:
    table = ActorTable()
    table.add_group("WAGNER2", ["Redland Brigade"], "MIL_NS", "RUS")
    table.add_state_names("MDA", adjectives=["Moldavian"])
    got = [(m.id, m.state) for m in table.find("The Redland Brigade and Moldavian police")]
    assert got == [("WAGNER2", "RUS"), ("MDA", "MDA")]
    with pytest.raises(ConfigurationError, match="Did you mean 'REB'"):
        table.add_group("X", ["X"], "RBE")
    with pytest.raises(ConfigurationError, match="ISO3"):
        table.add_state_names("Pakistan", names=["Pak"])


def test_petrarch_dictionary_loader(tmp_path) -> None:
    path = tmp_path / "actors.txt"
    path.write_text(
        "# a TABARI-style dictionary\n"
        "REDLAND_  [RDL]\n"
        "ZEBRA_LIBERATION_FRONT_ [PAKREB]\n"
        "+ZLF_\n"
        "NORTHERN_WATCH_  # comment\n"
        "\t[PAKMIL 080101-101231]\n"
        "\t[PAKGOV >110101]\n", encoding="utf-8")
    table = ActorTable().load_petrarch(path)
    got = {m.name: (m.state, m.type) for m in table.find(
        "The Zebra Liberation Front and ZLF attacked the Northern Watch.", dt.date(2009, 1, 1))}
    assert got["Zebra Liberation Front"] == ("PAK", "REB")
    assert got["ZLF"] == ("PAK", "REB")
    assert got["Northern Watch"] == ("PAK", "MIL")
    later = {m.name: m.type for m in table.find("the Northern Watch", dt.date(2012, 1, 1))}
    assert later["Northern Watch"] == "GOV"


@pytest.mark.shared_data
def test_real_petrarch_dictionaries(shared_data) -> None:
    path = shared_data / "petrarch2_dictionaries" / "Phoenix.MilNonState.actors.txt"
    table = ActorTable(include_defaults=False).load_petrarch(path)
    got = {m.name: (m.state, m.type) for m in table.find(
        "Aden Abyan Islamic Army fighters and the AAIA")}
    assert got["Aden Abyan Islamic Army"] == ("YEM", "REB")
    assert got["AAIA"] == ("YEM", "REB")


# --- dates --------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected,precision", [
    ("On March 18, troops", "2024-03-18", "day"),
    ("on 18 March 2023", "2023-03-18", "day"),
    ("on Saturday", "2024-03-23", "day"),
    ("on Friday", "2024-03-22", "day"),
    ("last week", "2024-03-16", "week"),
    ("yesterday", "2024-03-22", "day"),
    ("three days ago", "2024-03-20", "day"),
    ("in 2001", "2001-01-01", "year"),
    ("last month", "2024-02-01", "month"),
    ("on December 30", "2023-12-30", "day"),
    ("2024-01-05", "2024-01-05", "day"),
])
def test_dates(text: str, expected: str, precision: str) -> None:
    [d] = find_dates(text, PUB)
    assert str(d.date) == expected and d.precision == precision


def test_month_day_takes_the_written_year() -> None:
    dates = find_dates("the bombing after the September 11 attacks in 2001", PUB)
    assert {str(d.date) for d in dates} == {"2001-09-11", "2001-01-01"}


def test_month_words_are_not_verbs() -> None:
    assert find_dates("protesters march in Paris and may return", PUB) == []


def test_publication_dates() -> None:
    assert parse_publication_date("2024-03-23T10:00:00Z") == PUB
    assert parse_publication_date("Sat, 23 Mar 2024 10:00:00 GMT") == PUB
    assert parse_publication_date("23 March 2024") == PUB
    assert parse_publication_date("not a date") is None
    assert parse_publication_date(None) is None


# --- numbers ------------------------------------------------------------------------------------
def test_number_words() -> None:
    assert word_to_number("twenty-five") == 25
    assert word_to_number("1,200") == 1200
    assert word_to_number("three hundred and six") == 306
    assert word_to_number("a dozen") == 12
    assert word_to_number("several dogs") is None


@pytest.mark.parametrize("text,value,low,unsplit", [
    ("claiming civilian casualties, including five women and three children", 8, None, True),
    ("which resulted in the death of seven Pakistani military personnel", 7, None, False),
    ("At least 12 people were killed and 30 wounded", 12, 12, False),
    ("killing three soldiers and two policemen", 5, None, False),
    ("The blast killed twenty-five people three days ago", 25, None, False),
])
def test_fatalities(text: str, value: int, low, unsplit: bool) -> None:
    f = find_fatalities(text)
    assert f is not None and f.value == value and f.low == low and f.unsplit == unsplit


def test_no_fatalities() -> None:
    assert find_fatalities("Forty people were wounded in the blast") is None
    assert find_fatalities("The 2001 war killed") is None
    assert find_fatalities("Talks lasted three days in 12 rooms") is None


# --- sentences and text -------------------------------------------------------------------------
def test_sentences_offsets_and_abbreviations() -> None:
    text = "Gen. Smith met U.S. officials on Jan. 5. Talks ended.\n\nA Heading Here\nNext line."
    spans = split_sentences(text)
    got = [text[a:b] for a, b in spans]
    assert got == ["Gen. Smith met U.S. officials on Jan. 5.", "Talks ended.", "A Heading Here",
                   "Next line."]


def test_wrapped_lines_are_joined() -> None:
    text = "Arnor is about to restore ties with Gondor almost\nfive years later."
    assert len(split_sentences(text)) == 1


def test_run_on_text_is_cut() -> None:
    from riskmodel.coding.sentences import MAX_SENTENCE

    text = "Pakistan attacked Afghanistan and " * 500
    spans = split_sentences(text)
    assert len(spans) > 1 and all(b - a <= MAX_SENTENCE for a, b in spans)
    assert spans[0][0] == 0 and spans[-1][1] == len(text.rstrip())


def test_leading_date_token() -> None:
    assert prepare_text("  date 2024-03-23 On March 18, x.") == ("On March 18, x.", PUB)
    assert prepare_text("date 2024-03-23\nText.") == ("Text.", PUB)
    assert prepare_text("date 2024-03-23 Text.", "2024-03-24")[1] == dt.date(2024, 3, 24)
    assert prepare_text("No date here.") == ("No date here.", None)


def test_html_boilerplate_and_metadata() -> None:
    html = ("<html><head><title>T</title><meta property='article:published_time' "
            "content='2024-03-23T08:00:00Z'><script>var x='Russia attacks';</script></head>"
            "<body><nav>Menu: Russia attacks</nav><article><p>Body one.</p><p>Body two.</p>"
            "</article><footer>Footer text</footer></body></html>")
    text, meta = html_to_text(html)
    assert text == "Body one.\n\nBody two."
    assert meta["published"].startswith("2024-03-23") and meta["title"] == "T"
