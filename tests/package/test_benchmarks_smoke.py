"""Every benchmark script runs end to end with --smoke (tiny sizes, no targets) in this venv.

The benchmarks themselves are not part of the tests (`make bench`); this only keeps their code
working. The scripts run two at a time (this machine has 2 cores): about 25-35 s on an idle
machine. The budget is checked on CPU time (all the scripts and their children), which other
work on a busy machine does not inflate as it does wall time; wall time only has a loose
bound against hangs. P1b's
peers (mlflow, bentoml) live only in .venv-bench: here its smoke run must say that it times a
stand-in peer instead, and still print its table.
"""

from __future__ import annotations

import importlib.util
import json
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.env import REPO, python_env

BENCHMARKS = REPO / "benchmarks"
_spec = importlib.util.spec_from_file_location("run_all", BENCHMARKS / "run_all.py")
run_all = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_all)
# Every benchmark but the browser one (P4b), which needs its own server and a browser.
SCRIPTS = {bench: script for bench, script in run_all.SCRIPTS.items() if bench != "P4b"}
BUDGET = 60  # CPU seconds for all of them
WALL_LIMIT = 180  # seconds: a hang, not slowness


def _run(bench: str, tmp_dir) -> dict:
    out = tmp_dir / f"{bench}.json"
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / SCRIPTS[bench]), "--smoke", "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**python_env(), "BENCH_DIR": str(tmp_dir)},
        timeout=WALL_LIMIT,
    )
    rows = json.loads(out.read_text()) if proc.returncode == 0 and out.exists() else []
    return {"proc": proc, "rows": rows, "seconds": time.perf_counter() - start}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp_dir = tmp_path_factory.mktemp("bench")
    start = time.perf_counter()
    cpu_start = _children_cpu()
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {bench: pool.submit(_run, bench, tmp_dir) for bench in SCRIPTS}
        results = {bench: future.result() for bench, future in futures.items()}
    results["_total"] = time.perf_counter() - start
    results["_cpu"] = _children_cpu() - cpu_start
    return results


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.mark.parametrize("bench", list(SCRIPTS))
def test_smoke_run(runs, bench):
    run = runs[bench]
    proc = run["proc"]
    assert proc.returncode == 0, f"{SCRIPTS[bench]} --smoke failed:\n{proc.stdout}\n{proc.stderr}"
    assert run["rows"], "no rows written"
    assert all(r["bench"] == bench for r in run["rows"])
    # no targets in smoke mode: nothing passes or misses
    assert {r["status"] for r in run["rows"]} <= {"smoke", "-"}, run["rows"]
    assert "smoke: tiny sizes, no targets" in proc.stdout


def test_p1b_smoke_says_its_peers_are_missing(runs):
    stdout = runs["P1b"]["proc"].stdout
    # The peers live in .venv-bench only (they conflict with the main venv's pins).
    missing = [p for p in ("mlflow", "bentoml") if importlib.util.find_spec(p) is None]
    assert missing == ["mlflow", "bentoml"]
    assert "timing a stand-in peer" in stdout
    assert all(p in stdout for p in missing)
    assert any("vs stand-in" in r["case"] for r in runs["P1b"]["rows"])
    # our side is measured either way
    assert all(r["subject"].endswith("ms") for r in runs["P1b"]["rows"])


def test_p1b_without_peers_outside_smoke_is_an_error():
    assert not any(importlib.util.find_spec(p) for p in ("mlflow", "bentoml"))
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / "p1b_peers.py"), "--reps", "1"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=python_env(),
        timeout=WALL_LIMIT,
    )
    assert proc.returncode != 0
    assert "benchmark venv" in proc.stderr


def test_smoke_runs_take_under_a_minute(runs):
    seconds = {b: round(r["seconds"], 1) for b, r in runs.items() if not b.startswith("_")}
    assert runs["_cpu"] < BUDGET, (runs["_cpu"], seconds)
    assert runs["_total"] < WALL_LIMIT, (runs["_total"], seconds)


# The browser benchmark (p4p5_browser.py) needs Chromium, a JupyterLab server and ~1 minute
# even with tiny sizes: it has no smoke run here. Its table is checked from recorded runs.


def _browser_run(paint_ms: float, scroll: dict) -> dict:
    return {
        "models": 5000,
        "open": {"dom": paint_ms / 3, "paint": paint_ms, "rows": 30, "listHeight": 220000.0},
        "scroll": scroll,
        "list": [6.0, 7.0, 8.0, 60.0],
        "pass": [4.0, 5.0, 5.0, 6.0],
        "bigList": [900.0, 950.0, 1000.0],
    }


def _browser_rows(runs: list[dict], monkeypatch) -> list:
    """paint, window, scroll, P5b median, P5b p99."""
    import argparse

    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import p4p5_browser

    rows = p4p5_browser.rows(runs, 5000, 4, argparse.Namespace(smoke=False, stock=False))
    assert [r.bench for r in rows] == ["P4b", "P4b", "P4b", "P5b", "P5b"]
    return rows


def test_browser_rows_judge_paint_window_scroll_and_round_trips(monkeypatch):
    ok = {"paint": 40.0, "rows": 31}
    paint, window, scroll, median, p99 = _browser_rows(
        [_browser_run(60.0, ok), _browser_run(80.0, ok)], monkeypatch
    )
    assert (paint.subject, paint.status) == ("70.0 ms", "PASS")
    assert (window.subject, window.status) == ("30 rows", "PASS")
    assert (scroll.subject, scroll.status) == ("40.0 ms", "PASS")
    assert (median.subject, median.baseline, median.status) == ("7.5 ms", "5.0 ms", "PASS")
    assert p99.status == "MISS"  # 60 ms among 8 calls


def test_browser_rows_report_a_slow_paint_and_a_crashed_scroll(monkeypatch):
    crashed = {"error": "the row of model-04999 was not shown 10 s after the jump: empty"}
    paint, _window, scroll, _median, _p99 = _browser_rows(
        [_browser_run(150.0, crashed)], monkeypatch
    )
    assert paint.status == "MISS"
    assert (scroll.subject, scroll.status) == ("failed", "MISS")
    assert "failed in 1 of 1 runs: the row of model-04999" in scroll.note
