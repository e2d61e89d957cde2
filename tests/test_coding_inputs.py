"""Article inputs end to end: files, batches, bad inputs, the reader, the store and the CLI."""

from __future__ import annotations

import io
import json
import warnings
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

from riskmodel.coding import ArticleCoder, code_article, read_articles
from riskmodel.events import EVENT_COLUMNS, check_events
from riskmodel.exceptions import ConfigurationError, DataQualityWarning, SourceFormatError

DATA = Path(__file__).parent / "data" / "articles"
STRIKE = "Pakistani jets carried out airstrikes inside Afghanistan on Monday."


@pytest.fixture(scope="module")
def coder() -> ArticleCoder:
    return ArticleCoder().fit()


def test_code_article_schema_and_provenance() -> None:
    ev = code_article(STRIKE, published="2024-03-20", url="https://x.org/a", title="T")
    check_events(ev)
    assert list(ev.columns) == list(EVENT_COLUMNS)
    row = ev.iloc[0]
    assert (row.actor1_state, row.actor2_state, row.cameo_code) == ("PAK", "AFG", "195")
    assert row.date == pd.Timestamp("2024-03-18") and row.available_at == pd.Timestamp("2024-03-20")
    assert row.quad_class == 4 and row.goldstein == -10.0
    assert row.url == "https://x.org/a" and row.quote == STRIKE
    assert (row.quote_start, row.quote_end) == (0, len(STRIKE))
    assert row.event_id == f"article:{row.source_event_id}"


@pytest.mark.parametrize("text,match", [
    ("", "empty"),
    ("   \n\n  ", "empty"),
    ("\x00\x01\x02binary\x00" * 10, "binary"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "binary"),
    (STRIKE, "no publication date"),
])
def test_bad_inputs_warn_and_return_empty(coder: ArticleCoder, text, match: str) -> None:
    with pytest.warns(DataQualityWarning, match=match):
        ev = coder.code(text)
    assert ev.empty and list(ev.columns) == list(EVENT_COLUMNS)


def test_ten_megabytes_of_text(coder: ArticleCoder) -> None:
    big = ("date 2024-03-23 " + STRIKE + " ") * (10_000_000 // (len(STRIKE) + 1))
    assert len(big) >= 10_000_000
    with pytest.warns(DataQualityWarning, match="max_chars"):
        ev = coder.code(big)
    assert ev.empty


def test_run_on_text_stays_fast(coder: ArticleCoder) -> None:
    text = "Pakistan attacked Afghanistan and India shelled Pakistan and " * 1500
    ev = coder.code(text, published="2024-03-23")  # ~90 kB without a full stop
    check_events(ev)
    assert set(zip(ev["actor1_state"], ev["actor2_state"])) >= {("PAK", "AFG"), ("IND", "PAK")}


def test_long_text_within_limit_is_coded() -> None:
    text = "date 2024-03-23 " + " ".join([STRIKE] * 2000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        ev = ArticleCoder(max_chars=200_000).fit().code(text)
    assert len(ev) == 1  # one event per dyad, code and day within an article


def test_parameters_are_validated() -> None:
    with pytest.raises(ConfigurationError, match="historical_days"):
        ArticleCoder(historical_days=0).fit()
    with pytest.raises(ConfigurationError, match="Did you mean 'max_chars'"):
        ArticleCoder().set_params(max_char=5)
    with pytest.raises(ConfigurationError, match="must be str or bytes"):
        ArticleCoder().fit().code(42, published="2024-01-01")  # type: ignore[arg-type]


def test_min_confidence_filters(coder: ArticleCoder) -> None:
    text = (DATA / "pak_afg_strikes_2024.txt").read_text(encoding="utf-8")
    all_ev = coder.code(text)
    strict = ArticleCoder(min_confidence=0.8).fit().code(text)
    assert len(strict) < len(all_ev) and (strict["confidence"] >= 0.8).all()


def test_batches_jsonl_and_csv() -> None:
    arts = list(read_articles(DATA / "batch.jsonl"))
    assert [a.line for a in arts] == [1, 2, 3]
    assert str(arts[0].published) == "2023-08-07" and arts[0].url.endswith("/shoal")
    assert arts[1].published is None
    csv_arts = list(read_articles(DATA / "batch.csv"))
    assert len(csv_arts) == 2 and csv_arts[0].title == "Karabakh"
    ev = ArticleCoder().fit().code_articles(csv_arts)
    check_events(ev)
    assert ((ev["actor1_state"] == "AZE") & (ev["cameo_code"].str.startswith("19"))
            & (ev["fatalities"] == 27)).any()
    assert ((ev["actor1_state"] == "RUS") & (ev["actor2_state"] == "UKR")
            & (ev["cameo_code"] == "0841")).any()


def test_html_string_is_stripped(coder: ArticleCoder) -> None:
    html = (DATA / "turkey_iraq.html").read_text(encoding="utf-8")
    ev = coder.code(html)
    assert set(ev["actor1_state"]) == {"TUR", "IRQ"}
    assert (ev["url"] == "https://news.example.org/turkey-iraq-strikes").all()
    assert (ev["available_at"] == pd.Timestamp("2023-08-14")).all()


def test_json_array_file(tmp_path: Path) -> None:
    path = tmp_path / "arts.json"
    path.write_text(json.dumps([{"text": STRIKE, "published": "2024-03-20"},
                                {"text": "Nothing happened.", "published": "2024-03-20"}]),
                    encoding="utf-8")
    arts = list(read_articles(path))
    assert [a.line for a in arts] == [1, 2]
    ev = ArticleCoder().fit().code_articles(arts)
    assert list(ev["cameo_code"]) == ["195"]
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(SourceFormatError, match="array of objects"):
        list(read_articles(bad))


def test_bad_batch_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a", "published": "2024-01-01"}\nnot json\n', encoding="utf-8")
    with pytest.raises(SourceFormatError, match="line 2"):
        list(read_articles(bad))
    nofield = tmp_path / "nofield.jsonl"
    nofield.write_text('{"txt": "a"}\n', encoding="utf-8")
    with pytest.raises(SourceFormatError, match="Did you mean 'txt'"):
        list(read_articles(nofield))
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" * 100)
    with pytest.raises(SourceFormatError, match="binary"):
        list(read_articles(binary))


def test_reader_registered_and_accounting(coder: ArticleCoder) -> None:
    from riskmodel.sources.base import InputFile, get_reader

    reader = get_reader("article")
    chunks = list(reader(InputFile(DATA / "batch.jsonl"), coder=coder))
    events = pd.concat([c.events for c in chunks])
    rejects = pd.concat([c.rejects for c in chunks])
    assert sum(c.n_read for c in chunks) == len(events) + len(rejects)
    assert sorted(rejects["line"].tolist()) == [2, 3]
    assert rejects["reason"].str.contains("publication date").any()
    assert rejects["reason"].str.contains("empty").any()
    assert ((events["actor1_state"] == "CHN") & (events["actor2_state"] == "PHL")).any()


def test_store_ingest_is_idempotent(tmp_path: Path) -> None:
    from riskmodel.store import EventStore

    path = tmp_path / "events.duckdb"
    with EventStore(str(path)) as store:
        first = store.ingest("article", [str(DATA / "ukraine_2022.txt"),
                                         str(DATA / "batch.jsonl")])
        second = store.ingest("article", [str(DATA / "ukraine_2022.txt")])
        stored = store.events(source="article")
    c1, c2 = first.counts(), second.counts()
    assert c1["stored"] >= 5 and c1["rejected"] == 2
    assert c2["stored"] == 0 and c2["duplicates"] >= 4
    assert set(stored["source"]) == {"article"} and stored["quote"].notna().all()


def _cli(argv: list[str]) -> tuple[int, str, str]:
    from riskmodel.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_cli_extract_csv_and_jsonl(tmp_path: Path) -> None:
    code, out, err = _cli(["extract", str(DATA / "red_sea_2024.txt")])
    assert code == 0 and "event(s)" in err
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns) == list(EVENT_COLUMNS)
    assert (frame["actor1_state"] == "YEM").any()
    plain = tmp_path / "plain.txt"
    plain.write_text(STRIKE, encoding="utf-8")
    code, out, err = _cli(["extract", str(plain), "--published", "2024-03-20",
                           "--format", "jsonl"])
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows[0]["cameo_code"] == "195" and rows[0]["date"] == "2024-03-18"
    assert rows[0]["quote_start"] == 0


def test_cli_extract_warns_and_errors(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text(STRIKE, encoding="utf-8")
    code, out, err = _cli(["extract", str(plain)])
    assert code == 0 and "no publication date" in err
    code, out, err = _cli(["extract", str(plain), "--published", "yesterday"])
    assert code == 1 and "--published" in err
    code, out, err = _cli(["extract", str(tmp_path / "missing.txt")])
    assert code == 1 and "no such file" in err


def test_cli_extract_to_store(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    code, out, err = _cli(["extract", str(DATA / "coercion_2022.txt"), "--store", str(store)])
    counts = json.loads(out.strip().splitlines()[-1])
    assert code == 0 and counts["stored"] >= 5 and counts["read"] == counts["stored"]
