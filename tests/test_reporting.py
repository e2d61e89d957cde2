"""Reports: self-contained HTML with data URIs and escaped text; valid PDFs; watchlist; CLI."""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _report_fixtures import DYADS, HOSTILE, events, ledger, panel_frame
from riskmodel.exceptions import ConfigurationError, SchemaError
from riskmodel.plotting import RecentEventsTable
from riskmodel.reporting import (
    ReportInputs,
    build_reports,
    dyad_filename,
    load_report_inputs,
    save_report_inputs,
    write_dyad_report,
    write_watchlist,
)
from riskmodel.reporting.report import _short_url


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="module")
def inputs() -> ReportInputs:
    panel = panel_frame()
    return ReportInputs(
        panel=panel, forecasts=ledger(panel), model="logit", baseline="base_rate",
        horizon=4, label="material_conflict",
        scores=pd.DataFrame({"model": ["logit", "base_rate"], "horizon": [4, 4],
                             "partition": ["validation"] * 2, "subgroup": ["all"] * 2,
                             "brier": [0.15, 0.17], "auroc": [0.7, 0.5]}),
        events=events(), fired=(panel["quad4"] > 0).astype(float),
        meta={"synthetic": True, "title": f"Watchlist {HOSTILE}", "source": HOSTILE,
              "data_hash": "abc123"},
        episodes=pd.DataFrame({"kind": ["cross_border_strike"], "initiator": ["PAK"],
                               "target": ["AFG"], "start": [pd.Timestamp("2023-06-05")],
                               "end": [pd.Timestamp("2023-06-07")]}),
    )


def _assert_self_contained(text: str) -> None:
    assert "<script" not in text.lower()
    assert "<link" not in text.lower()
    # Every tag that loads something loads it from a data: URI (links to sources are fine).
    assert not re.search(r"""<[a-zA-Z]+[^>]*\ssrc=(?!"data:)""", text)
    assert "url(" not in text
    for uri in re.findall(r'src="(data:[^"]+)"', text):
        assert uri.startswith("data:image/png;base64,")
        assert base64.b64decode(uri.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_dyad_report_html_is_self_contained_and_escaped(inputs, tmp_path: Path) -> None:
    paths = write_dyad_report(inputs, "PAK>AFG", tmp_path)
    assert paths["html"].name == "PAK_to_AFG.html"
    text = paths["html"].read_text(encoding="utf-8")
    _assert_self_contained(text)
    assert text.count("data:image/png;base64,") == 2  # timeline, risk
    assert "SYNTHETIC" in text
    assert HOSTILE not in text and "&lt;script&gt;" in text
    assert 'href="javascript:' not in text
    assert "PAK&gt;AFG" in text
    assert "abc123" in text  # data hash
    wl = inputs.watchlist()
    risk = wl.loc[wl["dyad"] == "PAK>AFG", "risk"].iloc[0]
    assert f"{100 * risk:.1f}%" in text


def test_dyad_report_pdf_is_valid(inputs, tmp_path: Path) -> None:
    paths = write_dyad_report(inputs, "PAK>AFG", tmp_path, formats=["pdf"])
    assert set(paths) == {"pdf"}
    data = paths["pdf"].read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    n_pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert n_pages == 4  # cover, timeline, risk, events table


def _pdf_strings(data: bytes) -> list[str]:
    """The strings a PDF shows in the standard PDF fonts (``(...) Tj`` of its content streams)."""
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:  # not a Flate-compressed stream
            continue
        for s in re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", content, re.S):
            s = re.sub(rb"\\(.)", lambda m: {b"n": b"\n", b"r": b"\r"}.get(m[1], m[1]), s,
                       flags=re.S)
            out.append(s.decode("cp1252"))
    return out


def _forget_found_fonts() -> None:
    """Clear matplotlib's font lookup cache so that a font warning is logged again."""
    from matplotlib import font_manager

    font_manager.fontManager._findfont_cached.cache_clear()


def test_pdf_lists_every_recent_event_in_the_standard_fonts(
        inputs, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _forget_found_fonts()
    with caplog.at_level(logging.WARNING):
        paths = write_dyad_report(inputs, "PAK>AFG", tmp_path, formats=["pdf"], n_events=25)
    assert "findfont" not in caplog.text
    data = paths["pdf"].read_bytes()
    # The cover and the events table are set in Helvetica/Courier, which are not embedded.
    assert b"/BaseFont /Courier" in data and b"DejaVuSansMono" not in data
    shown = _pdf_strings(data)
    assert "Escalation risk: PAK>AFG" in shown and any(s.startswith("SYNTHETIC") for s in shown)
    frame = RecentEventsTable.from_events(inputs.events, "PAK>AFG", n=25).frame
    rows = [s for s in shown if re.match(r"\d{4}-\d\d-\d\d  ", s)]
    assert len(rows) == len(frame) == 25  # one line per event, newest first

    def cut(text: str, width: int) -> str:
        return text if len(text) <= width else text[: width - 3] + "..."

    for line, r in zip(rows, frame.itertuples(index=False)):
        assert line.startswith(f"{r.date}  {cut(r.actor1, 26).ljust(26)}  "
                               f"{cut(r.actor2, 26).ljust(26)}  ")
        assert cut(f"{r.cameo_code} {r.event}", 40) in line
        assert f"{r.goldstein:+.1f}" in line
        assert _short_url(r.url, 42) in line
    assert any(HOSTILE[:23] + "..." in row for row in rows)  # shown literally in the PDF


def test_pdf_events_outside_the_standard_fonts_keep_their_characters(
        inputs, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from riskmodel.reporting.report import _table_page

    ev = inputs.events.copy()
    ev["actor2_name"] = "\u0410\u0424\u0413\u0410\u041d\u0418\u0421\u0422\u0410\u041d"
    local = dataclasses.replace(inputs, events=ev)
    _forget_found_fonts()
    with caplog.at_level(logging.WARNING):
        paths = write_dyad_report(local, "PAK>AFG", tmp_path, formats=["pdf"])
    assert "findfont" not in caplog.text
    data = paths["pdf"].read_bytes()
    # The events page falls back to the embedded DejaVu fonts instead of showing "?".
    assert b"DejaVuSansMono" in data and b"/BaseFont /Courier" not in data
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) == 4
    assert "Escalation risk: PAK>AFG" in _pdf_strings(data)  # the cover keeps Helvetica
    fig, core = _table_page(RecentEventsTable.from_events(ev, "PAK>AFG"), "PAK>AFG").figure()
    assert not core
    assert f"{ev['actor2_name'].iloc[0]} (AFGREB)" in fig.texts[1].get_text()


def test_table_urls_keep_host_and_end() -> None:
    url = "https://www.example.org/news/2024/03/18/pakistan-strikes-inside-afghanistan-12345"
    short = _short_url(url, 42)
    assert len(short) == 42 and short.startswith("example.org/...") and short.endswith("12345")
    assert _short_url("http://a.org/x", 42) == "a.org/x"
    assert len(_short_url("https://" + "h" * 60 + "/p", 42)) == 42


def test_watchlist_ranks_and_links(inputs, tmp_path: Path) -> None:
    out = build_reports(inputs, tmp_path)
    index = out["index"]
    assert index == tmp_path / "index.html"
    text = index.read_text(encoding="utf-8")
    _assert_self_contained(text)
    assert text.count("data:image/png;base64,") == 1  # the model's reliability curve
    wl = inputs.watchlist()
    assert list(wl["rank"]) == list(range(1, len(DYADS) + 1))
    assert wl["risk"].is_monotonic_decreasing
    assert wl.loc[0, "dyad"] == "PAK>AFG"
    prev = inputs.forecasts[(inputs.forecasts["model"] == "logit")
                            & (inputs.forecasts["dyad"] == "PAK>AFG")].sort_values("origin")
    assert np.isclose(wl.loc[0, "change"], prev["probability"].iloc[-1]
                      - prev["probability"].iloc[-2])
    positions = [text.index(f'href="{dyad_filename(d)}.html"') for d in wl["dyad"]]
    assert positions == sorted(positions)
    for d in DYADS:
        assert (tmp_path / f"{dyad_filename(d)}.html").is_file()
        assert (tmp_path / f"{dyad_filename(d)}.pdf").is_file()
    assert HOSTILE not in text and "Watchlist &lt;script&gt;" in text
    assert "logit" in text and "base_rate" in text and "abc123" in text
    assert "SYNTHETIC" in text


def test_inputs_are_checked(inputs) -> None:
    with pytest.raises(ConfigurationError, match="Did you mean 'logit'"):
        ReportInputs(panel=inputs.panel, forecasts=inputs.forecasts, model="logti")
    with pytest.raises(SchemaError, match="probability"):
        ReportInputs(panel=inputs.panel, forecasts=inputs.forecasts.drop(columns="probability"),
                     model="logit")
    with pytest.raises(ConfigurationError, match="Did you mean 'PAK>AFG'"):
        write_dyad_report(inputs, "PAK>AFF", "unused")
    with pytest.raises(ConfigurationError, match="formats"):
        write_dyad_report(inputs, "PAK>AFG", "unused", formats=["docx"])


def test_results_folder_round_trip_and_cli(inputs, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    written = save_report_inputs(inputs, tmp_path / "results")
    assert {"forecasts", "panel", "scores", "events", "fired", "meta", "episodes"} <= set(written)
    back = load_report_inputs(tmp_path / "results")
    assert back.model == "logit" and back.baseline == "base_rate" and back.horizon == 4
    assert len(back.episodes) == 1 and back.fired is not None
    pd.testing.assert_frame_equal(back.watchlist(), inputs.watchlist(), check_dtype=False)
    from riskmodel.cli import main

    code = main(["report", str(tmp_path / "results"), "--out", str(tmp_path / "reports"),
                 "--top", "2"])
    assert code == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["reports"] == 2 and out["files"] == 5
    assert (tmp_path / "reports" / "index.html").is_file()
    assert (tmp_path / "reports" / "PAK_to_AFG.pdf").is_file()
    code = main(["report", "--results", str(tmp_path / "results"), "--out",
                 str(tmp_path / "one"), "--dyad", "IND>PAK", "--format", "html"])
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "one").iterdir()) == ["IND_to_PAK.html",
                                                                     "index.html"]


def test_report_cli_names_a_missing_results_folder(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from riskmodel.cli import main

    with pytest.raises(FileNotFoundError, match="meta.json"):
        main(["report", str(tmp_path / "nothing"), "--out", str(tmp_path / "r")])


def test_watchlist_alone_lists_every_dyad_without_links(inputs, tmp_path: Path) -> None:
    path = write_watchlist(inputs, tmp_path, filename="watch.html")
    text = path.read_text(encoding="utf-8")
    _assert_self_contained(text)
    for d in DYADS:
        assert f"<td>{d.replace('>', '&gt;')}</td>" in text  # no report written: no link
    assert ".pdf" not in text
