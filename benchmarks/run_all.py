"""Run every benchmark, each in its own process, and rewrite benchmarks/RESULTS.md.

    .venv-bench/bin/python benchmarks/run_all.py            # the full run (make bench)
    .venv-bench/bin/python benchmarks/run_all.py --only P3,P4
    python benchmarks/run_all.py --smoke                    # tiny sizes; RESULTS.md untouched

RESULTS.md is rewritten above the line ANALYSIS_MARK; what follows that line (the analysis of
missed targets, written by hand) is kept. A partial run (--only) replaces only the rows of the
benchmarks it ran. Exit status: 0 when every script ran (targets missed or not), 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "RESULTS.md"
ANALYSIS_MARK = "<!-- Everything below this line is kept by run_all.py. -->"
ROWS_JSON = HERE / ".results.json"  # the rows of the last full or partial run, for --only

SCRIPTS = {
    "P1": "p1_save_load.py",
    "P1b": "p1b_peers.py",
    "P1c": "p1c_write_throughput.py",
    "P2": "p2_save_memory.py",
    "P3": "p3_scan.py",
    "P4": "p4_list.py",
    "P5": "p5_comm_roundtrip.py",
    "P6": "p6_kernel_import.py",
    "P7": "p7_bundle_size.py",
    "P4b": "p4p5_browser.py",  # the browser halves of P4 and P5: rows P4b and P5b
}
ROW_IDS = {"P4b": ("P4b", "P5b")}  # the row ids a script writes, when not just its own
ROW_ORDER = ["P1", "P1b", "P1c", "P2", "P3", "P4", "P4b", "P5", "P5b", "P6", "P7"]
VERSIONS = (
    "torch",
    "tensorflow-cpu",
    "keras",
    "onnx",
    "onnxruntime",
    "lightgbm",
    "xgboost-cpu",
    "catboost",
    "scikit-learn",
    "skops",
    "numpy",
    "protobuf",
    "mlflow",
    "bentoml",
    "jupyter_client",
    "ipykernel",
    "filelock",
)


def commit() -> str:
    git = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return git + (" + uncommitted changes" if dirty else "")


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def machine() -> dict[str, str]:
    from importlib import metadata

    info: dict[str, str] = {}
    info["date"] = now()
    info["nproc"] = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    meminfo = Path("/proc/meminfo").read_text()
    total = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1)) * 1024
    info["memory"] = f"{total / 2**30:.1f} GiB"
    cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
    info["cpu"] = cpu.group(1).strip() if cpu else platform.processor()
    info["python"] = f"{platform.python_version()} ({sys.executable})"
    info["platform"] = platform.platform()
    try:
        sys.path.insert(0, str(REPO))
        import jupyterlab_models

        info["jupyterlab-models"] = jupyterlab_models.__version__
    except Exception as exc:  # noqa: BLE001
        info["jupyterlab-models"] = f"not importable: {exc}"
    info["commit"] = commit()
    versions = []
    for name in VERSIONS:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    info["libraries"] = ", ".join(versions)
    return info


def run(bench: str, smoke: bool) -> tuple[list[dict], float, int]:
    script = HERE / SCRIPTS[bench]
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    cmd = [sys.executable, str(script), "--json", out] + (["--smoke"] if smoke else [])
    print(f"\n=== {bench}: {' '.join(cmd[1:])}", flush=True)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO)
    elapsed = time.perf_counter() - start
    rows: list[dict] = []
    if proc.returncode == 0 and os.path.getsize(out):
        with open(out, encoding="utf-8") as f:
            rows = json.load(f)
    os.unlink(out)
    if proc.returncode != 0:
        rows.append(
            {
                "bench": bench,
                "case": f"{SCRIPTS[bench]} failed (exit {proc.returncode})",
                "subject": "",
                "baseline": "",
                "ratio": None,
                "target": "",
                "status": "ERROR",
                "note": "see the run's output",
            }
        )
    print(f"=== {bench}: {elapsed:.0f} s, exit {proc.returncode}", flush=True)
    return rows, elapsed, proc.returncode


def table(rows: list[dict]) -> str:
    lines = [
        "| id | case | jupyterlab-models | baseline (same run) | ratio | target | status |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        status = f"**{r['status']}**" if r["status"] in ("MISS", "ERROR") else r["status"]
        cells = [r["bench"], r["case"], r["subject"], r["baseline"], ratio, r["target"], status]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    notes = [f"- {r['bench']} {r['case']}: {r['note']}" for r in rows if r.get("note")]
    return "\n".join(lines + ([""] + notes if notes else []))


def write_results(rows: list[dict], info: dict[str, str], runs: dict[str, dict]) -> None:
    kept = ""
    if RESULTS.exists():
        text = RESULTS.read_text(encoding="utf-8")
        if ANALYSIS_MARK in text:
            kept = text.split(ANALYSIS_MARK, 1)[1]
    order = list(SCRIPTS)
    runs_text = "\n".join(
        f"  - {bench}: {runs[bench]['seconds']:.0f} s, {runs[bench]['date']}, "
        f"{runs[bench]['commit']}"
        for bench in order
        if bench in runs
    )
    rows = sorted(
        rows, key=lambda r: ROW_ORDER.index(r["bench"]) if r["bench"] in ROW_ORDER else 99
    )
    head = f"""# Benchmark results (issue #6)

Written by `benchmarks/run_all.py` (`make bench`); do not edit above the marker line.
Ratios are jupyterlab-models over the baseline measured side by side in the same process run
(repetitions alternated, medians), except where a note says otherwise. This machine is shared
with other work running at the same time: absolute times are noisy, ratios less so.

- date: {info["date"]}
- machine: `nproc` = {info["nproc"]}, memory {info["memory"]}, {info["cpu"]}
- {info["platform"]}; Python {info["python"]}
- jupyterlab-models {info["jupyterlab-models"]}, commit {info["commit"]} at the end
- libraries: {info["libraries"]}
- each benchmark's run (wall time, start, commit of the code measured):
{runs_text}
- load average at the end: {" ".join(f"{x:.2f}" for x in os.getloadavg())}

{table(rows)}

{ANALYSIS_MARK}"""
    RESULTS.write_text(head + kept, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, RESULTS.md untouched")
    parser.add_argument("--only", help="comma-separated ids, e.g. P1,P3")
    args = parser.parse_args()
    wanted = args.only.split(",") if args.only else list(SCRIPTS)
    unknown = [b for b in wanted if b not in SCRIPTS]
    if unknown:
        parser.error(f"unknown benchmark ids: {unknown} (known: {', '.join(SCRIPTS)})")
    all_rows: list[dict] = []
    runs: dict[str, dict] = {}
    failed = []
    for bench in wanted:
        started, code_commit = now(), commit()
        rows, elapsed, code = run(bench, args.smoke)
        all_rows += rows
        runs[bench] = {"seconds": elapsed, "date": started, "commit": code_commit}
        if code != 0:
            failed.append(bench)
    print("\n" + table(all_rows))
    if not args.smoke:
        previous = json.loads(ROWS_JSON.read_text()) if ROWS_JSON.exists() and args.only else {}
        replaced = {row_id for bench in wanted for row_id in ROW_IDS.get(bench, (bench,))}
        rows_kept = [r for r in previous.get("rows", []) if r["bench"] not in replaced]
        runs = {
            **{k: v for k, v in previous.get("runs", {}).items() if k not in wanted},
            **runs,
        }
        merged = rows_kept + all_rows
        ROWS_JSON.write_text(json.dumps({"rows": merged, "runs": runs}, indent=1))
        write_results(merged, machine(), runs)
        print(f"\nwrote {RESULTS.relative_to(REPO)}")
    if failed:
        print(f"benchmarks that did not run to the end: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
