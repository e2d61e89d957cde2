"""Helpers shared by the benchmark scripts: child processes, peak memory, timing, tables.

A benchmark measures each contender in a **fresh child process**, so that peak memory is the
contender's own and caches of one do not help the other. The pattern::

    # in the script
    if args.child:                       # the child: do the work, then report
        with timed(times, "ingest"):
            ...
        child_report({"times": times, "n": n})
        return 0
    result = run_child([sys.executable, __file__, "--child", "riskmodel", path])
    result.payload["times"], result.peak_rss, result.wall

:func:`child_report` prints one marked JSON line with the payload and the child's peak resident
set size (``ru_maxrss`` from :mod:`resource`, or :mod:`psutil` where :mod:`resource` is missing);
:func:`run_child` runs the command, parses that line and also samples the child's RSS with
:mod:`psutil` as a cross-check. :func:`print_table` prints aligned rows; :func:`ratio` formats
``a / b``; :func:`human_bytes` formats sizes; :func:`cpu_count` gives the CPUs available (print
it with results: timings on 2 CPUs and on 16 are not comparable).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ChildResult", "run_child", "child_report", "peak_rss_self", "timed", "ratio",
           "print_table", "human_bytes", "cpu_count"]

#: Prefix of the line a child prints with its report.
MARKER = "@@bench-child@@ "


def peak_rss_self() -> int:
    """Peak resident set size of this process so far, in bytes.

    Uses ``resource.getrusage`` (kilobytes on Linux, bytes on macOS); falls back to psutil's
    ``peak_wset`` (Windows) or current RSS.
    """
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak) if sys.platform == "darwin" else int(peak) * 1024
    except ImportError:  # pragma: no cover - Windows
        import psutil

        info = psutil.Process().memory_info()
        return int(getattr(info, "peak_wset", info.rss))


def child_report(payload: Mapping[str, Any]) -> None:
    """Print the child's report line (payload plus ``peak_rss`` in bytes) on stdout."""
    data = dict(payload)
    data["peak_rss"] = peak_rss_self()
    sys.stdout.write(MARKER + json.dumps(data, default=str) + "\n")
    sys.stdout.flush()


@dataclass
class ChildResult:
    """What :func:`run_child` measured.

    Attributes
    ----------
    wall : float
        Seconds from start to exit of the child (including interpreter start-up and imports).
    peak_rss : int
        The child's own peak RSS in bytes (from its report), else the highest sampled RSS.
    sampled_peak_rss : int
        Highest RSS of the child and its descendants seen by sampling every ``interval`` seconds.
    payload : dict
        The child's report.
    stderr : str
        The child's stderr.
    """

    wall: float
    peak_rss: int
    sampled_peak_rss: int
    payload: dict[str, Any] = field(default_factory=dict)
    stderr: str = ""


def run_child(argv: Sequence[str], *, timeout: float | None = None, interval: float = 0.05,
              env: Mapping[str, str] | None = None) -> ChildResult:
    """Run ``argv`` as a child process and return its report, wall time and peak memory.

    Raises
    ------
    RuntimeError
        If the child exits non-zero or prints no report line (its stderr is included).
    """
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(env) if env is not None else None)
    sampled = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal sampled
        try:
            ps = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not stop.is_set():
            try:
                rss = ps.memory_info().rss + sum(c.memory_info().rss
                                                 for c in ps.children(recursive=True))
            except psutil.Error:
                break
            sampled = max(sampled, rss)
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        stop.set()
        sampler.join()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child {list(argv)} exited {proc.returncode}:\n{err}")
    lines = [line for line in out.splitlines() if line.startswith(MARKER)]
    if not lines:
        raise RuntimeError(f"benchmark child {list(argv)} printed no report:\n{out}\n{err}")
    payload = json.loads(lines[-1][len(MARKER):])
    peak = int(payload.pop("peak_rss", 0)) or sampled
    return ChildResult(wall, peak, sampled, payload, err)


@contextmanager
def timed(times: dict[str, float], label: str) -> Iterator[None]:
    """Add the seconds spent in the block to ``times[label]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        times[label] = times.get(label, 0.0) + time.perf_counter() - start


def ratio(a: float, b: float) -> str:
    """``a / b`` as ``"1.85x"`` (``"n/a"`` when ``b`` is 0)."""
    return f"{a / b:.2f}x" if b else "n/a"


def human_bytes(n: float) -> str:
    """Bytes as ``"1.2 GB"``."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def print_table(rows: Sequence[Sequence[object]], headers: Sequence[str], *,
                file: Any = None) -> None:
    """Print ``rows`` under ``headers`` as an aligned plain-text table."""
    out = file or sys.stdout
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.rjust(w) if n and i else c.ljust(w)
                        for i, (c, w) in enumerate(zip(row, widths))), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)


def cpu_count() -> int:
    """CPUs available to this process."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1
