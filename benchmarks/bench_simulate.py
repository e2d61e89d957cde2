"""Speed of the SYNTHETIC world simulator and of report drawing, against plain references.

Two measurements, each with a reference taken in the same run on the same machine:

* **simulate**: :func:`riskmodel.datasets.simulate_world` writes the default world (events drawn,
  coded, rendered in the 61-column GDELT 2.0 layout and written to disk). Reference: writing the
  very same rows with ``pandas.DataFrame.to_csv`` (tab-separated, no header), i.e. the cost of
  the text output alone. A ratio near or below 1 means generation costs no more than writing.
* **reports**: :func:`riskmodel.reporting.write_dyad_report` (HTML with two embedded PNGs, PDF
  with four pages) per dyad. Reference: one plain matplotlib line plot of the same length saved
  as PNG; the ratio is a report's cost in "simple figures".

Peak resident memory of the process is printed at the end. ``--small`` simulates one year and
draws three reports; it is what the test suite runs. Full size (by hand):
``python benchmarks/bench_simulate.py``.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import human_bytes, peak_rss_self, print_table, ratio  # noqa: E402


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="one year, three reports")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)

    import numpy as np
    import pandas as pd

    from riskmodel.datasets import DEFAULT_SEED, GDELT2_EXPORT_COLUMNS, simulate_world

    seed = DEFAULT_SEED if args.seed is None else args.seed
    end = "2016-12-31" if args.small else None
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-simulate-") as tmp:
        tmp_path = Path(tmp)
        t0 = time.perf_counter()
        world = simulate_world(tmp_path / "world", seed=seed, end=end)
        t_sim = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in world.files)

        frames = [pd.read_csv(f, sep="\t", header=None, dtype=str, keep_default_na=False,
                              quoting=3, names=list(GDELT2_EXPORT_COLUMNS))
                  for f in world.files]
        rows = pd.concat(frames, ignore_index=True)
        del frames
        t0 = time.perf_counter()
        rows.to_csv(tmp_path / "reference.tsv", sep="\t", header=False, index=False)
        t_ref = time.perf_counter() - t0
        del rows

        # Reports on a small hand-made result (drawing cost does not depend on the world size).
        from riskmodel.reporting import ReportInputs, write_dyad_report

        rng = np.random.default_rng(0)
        periods = pd.date_range("2016-01-04", periods=440, freq="W-MON")
        dyads = ["PAK>AFG", "AFG>PAK", "IND>PAK", "PAK>IND"]
        panel = pd.concat({
            d: pd.DataFrame(rng.poisson([30, 6, 20, 1], size=(len(periods), 4)),
                            index=periods, columns=["quad1", "quad2", "quad3", "quad4"])
            for d in dyads}, names=["dyad", "period"])
        panel["n_events"] = panel.sum(axis=1)
        origins = periods[100:]
        ledger = pd.DataFrame([
            {"dyad": d, "origin": o, "horizon": 4, "model": m,
             "probability": float(rng.uniform(0.05, 0.5)), "outcome": float(rng.random() < .2)}
            for d in dyads for o in origins for m in ("model", "baseline")])
        events = world_events_sample(world)
        inputs = ReportInputs(panel=panel, forecasts=ledger, model="model", baseline="baseline",
                              events=events, meta={"synthetic": True})
        n_reports = 3 if args.small else len(dyads)
        t0 = time.perf_counter()
        for d in dyads[:n_reports]:
            write_dyad_report(inputs, d, tmp_path / "reports")
        t_rep = (time.perf_counter() - t0) / n_reports

        import matplotlib.pyplot as plt

        t0 = time.perf_counter()
        for _ in range(n_reports):
            fig, ax = plt.subplots(figsize=(10, 4))
            ax.plot(periods, panel.loc["PAK>AFG", "quad4"].to_numpy())
            fig.savefig(io.BytesIO(), format="png", dpi=110)
            plt.close(fig)
        t_fig = (time.perf_counter() - t0) / n_reports

    print(f"world: {world.n_events:,} events in {len(world.files)} files "
          f"({human_bytes(size)}), seed {seed}{' (small)' if args.small else ''}")
    print_table([
        ["simulate_world", f"{t_sim:.2f} s", "pandas to_csv of the same rows", f"{t_ref:.2f} s",
         ratio(t_sim, t_ref)],
        ["dyad report (HTML+PDF)", f"{t_rep:.2f} s", "one line plot saved as PNG",
         f"{t_fig:.3f} s", ratio(t_rep, t_fig)],
    ], ["task", "riskmodel", "reference", "time", "ratio"])
    peak = peak_rss_self()
    print(f"peak memory (RSS): {human_bytes(peak)}")
    out.update({"n_events": world.n_events, "n_files": len(world.files), "simulate_s": t_sim,
                "reference_s": t_ref, "report_s": t_rep, "figure_s": t_fig, "peak_rss": peak})
    return out


def world_events_sample(world) -> "object":
    """A few hundred canonical-looking events of the world's last file (for the tables)."""
    import pandas as pd

    from riskmodel.datasets import GDELT2_EXPORT_COLUMNS

    raw = pd.read_csv(world.files[-1], sep="\t", header=None, dtype=str, keep_default_na=False,
                      quoting=3, names=list(GDELT2_EXPORT_COLUMNS), nrows=2000)
    return pd.DataFrame({
        "date": pd.to_datetime(raw["SQLDATE"], format="%Y%m%d"),
        "actor1_name": raw["Actor1Name"], "actor1_code": raw["Actor1Code"],
        "actor1_state": raw["Actor1CountryCode"].replace("", None),
        "actor2_name": raw["Actor2Name"], "actor2_code": raw["Actor2Code"],
        "actor2_state": raw["Actor2CountryCode"].replace("", None),
        "cameo_code": raw["EventCode"], "quad_class": raw["QuadClass"].astype(int),
        "goldstein": raw["GoldsteinScale"].astype(float),
        "weight": raw["NumMentions"].astype(float), "source": "gdelt2",
        "url": raw["SOURCEURL"],
    })


if __name__ == "__main__":
    main()
