"""What every benchmark script shares: arguments, side-by-side timing, the table, fsync.

A script measures its subject and its baseline in the same process run, alternating their
order from one repetition to the next (A B, B A, A B...), and reports medians and their ratio:
on a noisy machine the ratio of two figures taken side by side means more than either figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # the checkout, whichever venv runs the script
    sys.path.insert(0, str(REPO))

PASS, MISS, SMOKE, INFO = "PASS", "MISS", "smoke", "-"


@dataclass
class Row:
    """One line of a benchmark's table."""

    bench: str  # P1, P1b...
    case: str  # what was measured, e.g. "torch 300 MB save"
    subject: str  # the figure measured for jupyterlab-models, with its unit
    baseline: str  # the figure of the baseline, with its unit ("" when there is none)
    ratio: float | None  # subject / baseline (or the ratio the target is about)
    target: str  # the target, as text
    status: str  # PASS, MISS, smoke, or "-" (information only)
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# P5's targets for a `list` round trip, from Python (P5) and from the browser (P5b)
ROUND_TRIP_MEDIAN_MS = 10
ROUND_TRIP_P99_MS = 50


def round_trip_rows(
    bench: str,
    case: str,
    ours: Sequence[float],
    base: Sequence[float],
    note: str,
    smoke: bool,
) -> list[Row]:
    """The median and p99 rows of a round trip `ours` (seconds) against `base`, the same
    run's execute_request of `pass`; `case` reads "... round trip" and gets the counts."""
    med, p99 = median(ours), percentile(ours, 99)
    return [
        Row(
            bench,
            f"{case}, median ({len(ours)} calls)",
            ms(med),
            ms(median(base)),
            med / median(base),
            f"< {ROUND_TRIP_MEDIAN_MS} ms",
            judge(smoke, med * 1000 < ROUND_TRIP_MEDIAN_MS),
            note,
            {"list": list(ours), "pass": list(base)},
        ),
        Row(
            bench,
            f"{case}, p99 ({len(ours)} calls)",
            ms(p99),
            ms(percentile(base, 99)),
            p99 / percentile(base, 99),
            f"< {ROUND_TRIP_P99_MS} ms",
            judge(smoke, p99 * 1000 < ROUND_TRIP_P99_MS),
        ),
    ]


def parse_args(
    description: str, reps: int, add: Callable[[argparse.ArgumentParser], None] | None = None
) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    if add is not None:
        add(parser)
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes, a few repetitions, no targets"
    )
    parser.add_argument("--reps", type=int, default=None, help=f"repetitions (default {reps})")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON (run_all.py)")
    args = parser.parse_args()
    if args.reps is None:
        args.reps = 2 if args.smoke else reps
    return args


def judge(smoke: bool, ok: bool) -> str:
    return SMOKE if smoke else (PASS if ok else MISS)


def interleaved(
    calls: dict[str, Callable[[], Any]],
    reps: int,
    before: Callable[[str], Any] | None = None,
    after: Callable[[str, Any], Any] | None = None,
) -> dict[str, list[float]]:
    """Seconds of each call over `reps` repetitions, their order rotated each repetition.

    `before(label)` runs untimed before a call, `after(label, result)` untimed after it (to
    delete what a save wrote, so the disk does not fill up and every save starts alike).
    """
    labels = list(calls)
    times: dict[str, list[float]] = {label: [] for label in labels}
    for rep in range(reps):
        shift = rep % len(labels)
        order = labels[shift:] + labels[:shift]
        if rep % 2:
            order.reverse()
        for label in order:
            if before is not None:
                before(label)
            start = time.perf_counter()
            result = calls[label]()
            times[label].append(time.perf_counter() - start)
            if after is not None:
                after(label, result)
            del result
    return times


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between the closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def fsync_tree(path: str | os.PathLike[str]) -> None:
    """fsync a file, or every file and directory under a directory, and the parent directory:
    the durability a store save gives, for the baselines."""
    path = os.fspath(path)
    if os.path.isdir(path):
        for root, _dirs, files in os.walk(path):
            for name in files:
                _fsync(os.path.join(root, name), os.O_RDONLY)
            _fsync(root, os.O_RDONLY)
    else:
        _fsync(path, os.O_RDONLY)
    _fsync(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)


def _fsync(path: str, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def tree_size(path: str | os.PathLike[str]) -> int:
    path = os.fspath(path)
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(
        os.path.getsize(os.path.join(root, name))
        for root, _dirs, files in os.walk(path)
        for name in files
    )


def print_table(title: str, rows: list[Row], args: argparse.Namespace) -> None:
    headers = ["id", "case", "jupyterlab-models", "baseline", "ratio", "target", "status"]
    lines = [
        [
            r.bench,
            r.case,
            r.subject,
            r.baseline,
            "" if r.ratio is None else f"{r.ratio:.2f}x",
            r.target,
            r.status,
        ]
        for r in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    print(f"\n{title}{' (smoke: tiny sizes, no targets)' if args.smoke else ''}")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths)))
    for r in rows:
        if r.note:
            print(f"  note ({r.bench} {r.case}): {r.note}")
    sys.stdout.flush()
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump([asdict(r) for r in rows], f, indent=2)


def proc_status(field_name: str, pid: str = "self") -> int:
    """A /proc/<pid>/status memory field (VmRSS, VmHWM...) in bytes."""
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field_name)


def reset_peak_rss() -> None:
    """Reset VmHWM (the peak resident set) to the current RSS (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
        f.write("5")


def quiet_libraries() -> None:
    """Keep TensorFlow, Keras and the peers' logging out of the tables."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    for name in ("mlflow", "bentoml", "absl", "tensorflow"):
        logging.getLogger(name).setLevel(logging.ERROR)
