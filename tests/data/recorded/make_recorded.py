"""Write the recorded server responses used by ``tests/test_download.py``.

Every file here imitates one public response in its exact published format (file names, list
layouts, JSON keys); the event rows inside are made up. Run from the repository root::

    python tests/data/recorded/make_recorded.py

The output is deterministic (fixed zip timestamps), so the MD5 sums in the lists stay valid.

Layout::

    gdelt1/   md5sums, filesizes (data.gdeltproject.org/events/), three daily export zips
    gdelt2/   masterfilelist.txt (data.gdeltproject.org/gdeltv2/), export zips of
              2018-03-26 00:00-01:00 with the 00:30 slot absent from the list
    ucdp/     ged251-csv.zip (ucdp.uu.se/downloads/ged/), gedevents_25.1_page0.json and _page1.json
              (ucdpapi.pcr.uu.se/api/gedevents/25.1?pagesize=2&page=N)
    acled/    token.json (acleddata.com/oauth/token), read_page1.json and read_page2.json
              (acleddata.com/api/acled/read?_format=json&...&limit=2&page=N)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAMP = (2020, 1, 1, 0, 0, 0)


def gdelt1_row(event_id: int, sqldate: str, a1: str, a2: str, code: str, quad: int,
               goldstein: float, added: str, url: str | None) -> str:
    def actor(cc: str) -> list[str]:
        return [cc, cc, cc, "", "", "", "", "GOV", "", ""] if cc else [""] * 10

    def geo(cc: str) -> list[str]:
        return ["1", cc, cc, cc, "10.0", "20.0", cc] if cc else ["0", "", "", "", "", "", ""]

    year = sqldate[:4]
    fields = [str(event_id), sqldate, sqldate[:6], year, f"{year}.5000", *actor(a1), *actor(a2),
              "1", code, code[:3], code[:2], str(quad), f"{goldstein}", "4", "1", "4",
              "-2.5", *geo(a1), *geo(a2), *geo(a1 or a2), added]
    if url is not None:
        fields.append(url)
    return "\t".join(fields)


def write_zip(path: Path, member: str, text: str) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(member, date_time=STAMP)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        zf.writestr(info, text)
    path.write_bytes(buf.getvalue())


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def make_gdelt1() -> None:
    folder = HERE / "gdelt1"
    folder.mkdir(exist_ok=True)
    days = ["20160727", "20160728", "20160729"]
    for i, day in enumerate(days):
        rows = [
            gdelt1_row(500000000 + 10 * i + 1, day, "ISR", "PSE", "190", 4, -10.0, day,
                       "http://example.org/a"),
            gdelt1_row(500000000 + 10 * i + 2, day, "PAK", "IND", "043", 1, 2.8, day,
                       "http://example.org/b"),
            gdelt1_row(500000000 + 10 * i + 3, day, "USA", "", "010", 1, 0.0, day,
                       "http://example.org/c"),
        ]
        write_zip(folder / f"{day}.export.CSV.zip", f"{day}.export.CSV", "\n".join(rows) + "\n")
    # The published lists hold every file; these hold the three above plus real-looking
    # entries for neighbours (not served here) so the parser sees the whole mix of names.
    others = [("GDELT.MASTERREDUCEDV2.1979-2013.zip", "f6fcb7e955e35f93c9dae427c07b545d",
               1634512372), ("1979.zip", "7fb1b6ff781aea3d441abf512dc5e0f9", 12983471),
              ("201303.zip", "0c4fe7b4a2e0bd3c9dca3e4fa3b0bd9f", 95221478),
              ("20160726.export.CSV.zip", "9d1e5b8c3e3a0fb0b6ad7c8e4e3f2a10", 11045122)]
    md5_lines = [f"{m}  {n}" for n, m, _ in others[:3]]
    size_lines = [f"{s} {n}" for n, _, s in others[:3]]
    md5_lines.append(f"{others[3][1]}  {others[3][0]}")
    size_lines.append(f"{others[3][2]} {others[3][0]}")
    for day in days:
        path = folder / f"{day}.export.CSV.zip"
        md5_lines.append(f"{md5(path)}  {path.name}")
        size_lines.append(f"{path.stat().st_size} {path.name}")
    (folder / "md5sums").write_text("\n".join(reversed(md5_lines)) + "\n")
    (folder / "filesizes").write_text("\n".join(reversed(size_lines)) + "\n")


def make_gdelt2() -> None:
    folder = HERE / "gdelt2"
    folder.mkdir(exist_ok=True)
    lines = []
    for hhmm in ("0000", "0015", "0030", "0045", "0100"):
        stamp = f"20180326{hhmm}00"
        if hhmm != "0030":
            cols = ["1", stamp[:8], stamp[:6], stamp[:4], "2018.2274"] + ["USA", "UNITED STATES",
                    "USA"] + [""] * 7 + ["RUS", "RUSSIA", "RUS"] + [""] * 7 + \
                ["1", "111", "111", "11", "3", "-2.0", "2", "1", "2", "-3.1"] + \
                ["1", "United States", "US", "US", "", "39.8", "-98.6", "US"] + \
                ["1", "Russia", "RS", "RS", "", "60", "100", "RS"] + \
                ["1", "United States", "US", "US", "", "39.8", "-98.6", "US"] + \
                [stamp, "http://example.org/x"]
            assert len(cols) == 61, len(cols)
            write_zip(folder / f"{stamp}.export.CSV.zip", f"{stamp}.export.CSV",
                      "\t".join(cols) + "\n")
            path = folder / f"{stamp}.export.CSV.zip"
            lines.append(f"{path.stat().st_size} {md5(path)} "
                         f"http://data.gdeltproject.org/gdeltv2/{path.name}")
        # Mentions and GKG files are listed (with made-up sums) but not served.
        lines.append(f"318084 bb27f78ba45f69a17ea6ed7755e9f8ff "
                     f"http://data.gdeltproject.org/gdeltv2/{stamp}.mentions.CSV.zip")
        lines.append(f"10768507 ea8dde0beb0ba98810a92db068c0ce99 "
                     f"http://data.gdeltproject.org/gdeltv2/{stamp}.gkg.csv.zip")
    (folder / "masterfilelist.txt").write_text("\n".join(lines) + "\n")


GED_COLUMNS = [
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id",
    "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name",
    "side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id", "side_b_new_id", "side_b",
    "number_of_sources", "source_article", "source_office", "source_date", "source_headline",
    "source_original", "where_prec", "where_coordinates", "where_description", "adm_1", "adm_2",
    "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region",
    "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b",
    "deaths_civilians", "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
]


def ged_record(i: int, a: str, b: str, gwa: str, gwb: str | None, day: str) -> dict:
    values = {
        "id": i, "relid": f"PAK-2023-1-{i}", "year": int(day[:4]), "active_year": True,
        "code_status": "Clear", "type_of_violence": 1, "conflict_dset_id": "209",
        "conflict_new_id": 209, "conflict_name": "Pakistan: Government", "dyad_dset_id": "736",
        "dyad_new_id": 736, "dyad_name": f"{a} - {b}", "side_a_dset_id": "138",
        "side_a_new_id": 138, "side_a": a, "side_b_dset_id": "1054", "side_b_new_id": 1054,
        "side_b": b, "number_of_sources": 1, "source_article": "Dawn", "source_office": "",
        "source_date": day, "source_headline": "Clash reported", "source_original": "",
        "where_prec": 1, "where_coordinates": "Bannu town", "where_description": "Bannu",
        "adm_1": "Khyber Pakhtunkhwa province", "adm_2": "Bannu district", "latitude": 32.98,
        "longitude": 70.6, "geom_wkt": "POINT (70.6 32.98)", "priogrid_gid": 164261,
        "country": "Pakistan", "country_id": 770, "region": "Asia", "event_clarity": 1,
        "date_prec": 1, "date_start": f"{day}T00:00:00", "date_end": f"{day}T00:00:00",
        "deaths_a": 2, "deaths_b": 3, "deaths_civilians": 0, "deaths_unknown": 0, "best": 5,
        "high": 6, "low": 5, "gwnoa": gwa, "gwnob": gwb,
    }
    return {k: values[k] for k in GED_COLUMNS}


def make_ucdp() -> None:
    folder = HERE / "ucdp"
    folder.mkdir(exist_ok=True)
    records = [ged_record(900001 + i, "Government of Pakistan", "TTP", "770", None,
                          f"2023-0{i + 1}-1{i}") for i in range(3)]
    # Release CSV: the API's values in the release's date form.
    out = io.StringIO()
    import csv

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(GED_COLUMNS)
    for rec in records:
        row = []
        for k in GED_COLUMNS:
            v = rec[k]
            if k in ("date_start", "date_end"):
                v = v.replace("T", " ") + ".000"
            row.append("" if v is None else (int(v) if isinstance(v, bool) else v))
        writer.writerow(row)
    write_zip(folder / "ged251-csv.zip", "GEDEvent_v25_1.csv", out.getvalue())
    base = "https://ucdpapi.pcr.uu.se/api/gedevents/25.1?pagesize=2&page="
    pages = [records[:2], records[2:]]
    for n, page in enumerate(pages):
        body = {"TotalCount": len(records), "TotalPages": len(pages),
                "PreviousPageUrl": "" if n == 0 else base + str(n - 1),
                "NextPageUrl": base + str(n + 1) if n + 1 < len(pages) else "",
                "Result": page}
        (folder / f"gedevents_25.1_page{n}.json").write_text(json.dumps(body, indent=1) + "\n")


def acled_record(i: int, day: str, event_type: str, sub: str, a1: str, a2: str,
                 fatalities: int) -> dict:
    return {
        "event_id_cnty": f"PAK{130000 + i}", "event_date": day, "year": int(day[:4]),
        "time_precision": 1, "disorder_type": "Political violence", "event_type": event_type,
        "sub_event_type": sub, "actor1": a1, "assoc_actor_1": "", "inter1": "State forces",
        "actor2": a2, "assoc_actor_2": "", "inter2": "Rebel group",
        "interaction": "State forces-Rebel group", "civilian_targeting": "",
        "iso": 586, "region": "Southern Asia", "country": "Pakistan",
        "admin1": "Khyber Pakhtunkhwa", "admin2": "Bannu", "admin3": "", "location": "Bannu",
        "latitude": "32.9860", "longitude": "70.6042", "geo_precision": 1, "source": "Dawn",
        "source_scale": "National", "notes": f"On {day}, security forces clashed with TTP.",
        "fatalities": fatalities, "tags": "",
        # Upload time: a week after the event (seconds since 1970, as ACLED gives it).
        "timestamp": int((dt.date.fromisoformat(day) - dt.date(1970, 1, 1)).days * 86400
                         + 7 * 86400 + 3600 * i),
    }


def make_acled() -> None:
    folder = HERE / "acled"
    folder.mkdir(exist_ok=True)
    token = {"token_type": "Bearer", "expires_in": 86400,
             "access_token": "recorded-access-token", "refresh_token": "recorded-refresh-token"}
    (folder / "token.json").write_text(json.dumps(token, indent=1) + "\n")
    mil = "Military Forces of Pakistan (2022-)"
    ttp = "TTP: Tehreek-i-Taliban Pakistan"
    recs = [acled_record(1, "2024-01-05", "Battles", "Armed clash", mil, ttp, 4),
            acled_record(2, "2024-01-09", "Explosions/Remote violence",
                         "Remote explosive/landmine/IED", ttp, mil, 2),
            acled_record(3, "2024-02-11", "Battles", "Armed clash", mil, ttp, 0)]
    pages = [recs[:2], recs[2:]]
    for n, page in enumerate(pages, 1):
        body = {"status": 200, "success": True, "last_update": 120, "count": len(page),
                "messages": [], "data": page,
                "filename": "2024-01-01-2024-03-31-Pakistan"}
        (folder / f"read_page{n}.json").write_text(json.dumps(body, indent=1) + "\n")


if __name__ == "__main__":
    make_gdelt1()
    make_gdelt2()
    make_ucdp()
    make_acled()
