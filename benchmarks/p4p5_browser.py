"""P4 and P5, browser halves: the Models panel with 5,000 models, and `list` from the page.

Starts its own JupyterLab (the main venv's, where the extension is installed) on port 8890
with a store of 5,000 models x 3 versions (p4_list.make_store) as JUPYTERLAB_MODELS_STORE,
and runs benchmarks/browser/p4p5.spec.js with Galata and Playwright from ui-tests/node_modules
in Debian's Chromium (no video, no trace). Each run (--reps, a fresh page and kernel each):

- P4: once the panel model holds the list (it lists the store as soon as a notebook is current,
  panel closed), the panel is opened and timed to its first painted row (target < 100 ms);
  the rows in the DOM are counted (a window of the 5,000), and a jump to the end is timed.
- P5: `list` of a 20-model store over a comm of the panel's target opened from the page,
  alternated with an execute_request of `pass` (the baseline), --calls of each; median and
  p99 (targets: median < 10 ms, p99 < 50 ms). Also one `list` of the 5,000 models, which the
  panel pays when it connects.

The server is the product as installed, with jupyterlab_models' server extension: TCP_NODELAY
on kernel websockets (server_extension.py). `--stock` leaves that extension out, as a server
without it runs: Nagle's algorithm then holds every kernel message written while the previous
one is not yet acknowledged until the browser's delayed ACK (~40 ms on Linux), so every
request answered by more than one message (busy, then the reply) takes >= 40 ms.

    python benchmarks/p4p5_browser.py [--smoke] [--reps N] [--calls N] [--stock]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import REPO, Row, judge, median, ms, parse_args, print_table, round_trip_rows
from p4_list import make_store

HERE = Path(__file__).resolve().parent
PORT = 8890  # the Galata tests use 8888 and 8889
TARGET_PAINT_MS = 100
SMALL_MODELS = 20
NODE_MODULES = REPO / "ui-tests" / "node_modules"
JUPYTER = REPO / ".venv" / "bin" / "jupyter"


def main() -> int:
    def add(parser):
        parser.add_argument("--calls", type=int, default=None, help="P5 calls per run (100)")
        parser.add_argument(
            "--stock", action="store_true", help="without our server extension (Nagle on)"
        )

    args = parse_args(__doc__.splitlines()[0], reps=5, add=add)
    models = 50 if args.smoke else 5000
    calls = args.calls or (10 if args.smoke else 100)
    for needed in (NODE_MODULES / "@jupyterlab" / "galata", JUPYTER):
        if not needed.exists():
            raise SystemExit(f"{needed} is missing: run `make install` and the ui-tests setup")
    from jupyterlab_models.protocol import PROTOCOL_VERSION

    work = Path(tempfile.mkdtemp(prefix="bench-browser-", dir=os.environ.get("BENCH_DIR")))
    server = None
    try:
        big, small = work / "store", work / "small"
        make_store(str(big), models)
        make_store(str(small), SMALL_MODELS)
        for sub in ("root", "workspaces", "run"):
            (work / sub).mkdir()
        env = {
            **os.environ,
            "JUPYTERLAB_MODELS_STORE": str(big),
            "BENCH_ROOT_DIR": str(work / "root"),
            "BENCH_WORKSPACES_DIR": str(work / "workspaces"),
            "BENCH_PORT": str(PORT),
        }
        env.pop("PYTHONPATH", None)  # the server and its kernels: the main venv as it is
        if args.stock:
            env["BENCH_STOCK_SERVER"] = "1"
        log = open(work / "server.log", "wb")
        server = subprocess.Popen(
            [str(JUPYTER), "lab", "--config", str(HERE / "browser" / "jupyter_server_config.py")],
            cwd=work / "root",
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for_server(server, work / "server.log")

        # Node resolves @jupyterlab/galata and @playwright/test from the spec's folder
        # upwards: a copy of benchmarks/browser next to a link to ui-tests/node_modules.
        run = work / "run"
        for name in ("playwright.config.js", "p4p5.spec.js"):
            shutil.copy(HERE / "browser" / name, run / name)
        (run / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
        out = work / "results.jsonl"
        cli = NODE_MODULES / "@playwright" / "test" / "cli.js"
        test_env = {
            **os.environ,
            "BENCH_OUT": str(out),
            "BENCH_MODELS": str(models),
            "BENCH_CALLS": str(calls),
            "BENCH_BIG_STORE": str(big),
            "BENCH_SMALL_STORE": str(small),
            "BENCH_PROTOCOL": str(PROTOCOL_VERSION),
            "BENCH_RESULTS_DIR": str(work / "test-results"),
        }
        proc = subprocess.run(
            ["node", str(cli), "test", "-c", "playwright.config.js"]
            + ["--repeat-each", str(args.reps)],
            cwd=run,
            env=test_env,
        )
        if proc.returncode != 0:
            print((work / "server.log").read_text(errors="replace")[-3000:], file=sys.stderr)
            raise SystemExit(f"the browser benchmark failed (exit {proc.returncode})")
        runs = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(work, ignore_errors=True)

    print_table("P4/P5 in the browser (Chromium, Galata)", rows(runs, models, calls, args), args)
    return 0


def wait_for_server(server: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"JupyterLab exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://localhost:{PORT}/lab", timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"JupyterLab did not answer on port {PORT} within {timeout:.0f} s")


def rows(runs: list[dict], models: int, calls: int, args) -> list[Row]:
    reps = len(runs)
    paint = [r["open"]["paint"] / 1000 for r in runs]
    dom = [r["open"]["dom"] / 1000 for r in runs]
    in_dom = max(r["open"]["rows"] for r in runs)
    scroll = [r["scroll"]["paint"] / 1000 for r in runs if "error" not in r["scroll"]]
    scroll_errors = [r["scroll"]["error"] for r in runs if "error" in r["scroll"]]
    big_list = [t / 1000 for r in runs for t in r["bigList"]]
    listed = [t / 1000 for r in runs for t in r["list"]]
    passed = [t / 1000 for r in runs for t in r["pass"]]
    window_ok = in_dom < models / 10
    rows = [
        Row(
            "P4b",
            f"panel opened on {models:,} listed models: first row painted ({reps} runs)",
            ms(median(paint)),
            "",
            median(paint) * 1000 / TARGET_PAINT_MS,
            f"< {TARGET_PAINT_MS} ms",
            judge(args.smoke, median(paint) * 1000 < TARGET_PAINT_MS),
            f"ratio = time / target; from the sidebar tab's activation to the frame after the "
            f"first visible row (rows in the DOM after {ms(median(dom))}); worst run "
            f"{ms(max(paint))}. The list itself reached the panel before, through the comm: "
            f"one `list` of the {models:,} models from the page took {ms(median(big_list))} "
            f"(median of {len(big_list)}), which the panel pays once when it connects",
            {"paint": paint, "dom": dom, "big_list": big_list},
        ),
        Row(
            "P4b",
            f"rows in the DOM for {models:,} models (virtualized list)",
            f"{in_dom} rows",
            f"{models:,} models",
            in_dom / models,
            "a window, not every row",
            judge(args.smoke, window_ok),
            f"listbox height {runs[0]['open']['listHeight']:.0f} px (every model's row "
            "height, so the scroll bar is the whole list's)",
        ),
        Row(
            "P4b",
            f"jump to the end of the {models:,} models: last row painted ({reps} runs)",
            ms(median(scroll)) if scroll else "failed",
            "",
            None,
            "painted",
            judge(args.smoke, not scroll_errors),
            "scrollTop set to the end, timed to the frame after the last model's row shows; "
            + (
                f"failed in {len(scroll_errors)} of {reps} runs: {scroll_errors[0]}"
                if scroll_errors
                else f"{max(r['scroll']['rows'] for r in runs)} rows in the DOM then"
            ),
            {"scroll": scroll, "errors": scroll_errors},
        ),
    ]
    return rows + round_trip_rows(
        "P5b",
        f"comm `list` ({SMALL_MODELS} models) round trip from the browser",
        listed,
        passed,
        "from the page (Chromium, JupyterLab's kernel connection, the server's websocket"
        + (": --stock, Nagle on" if args.stock else " with TCP_NODELAY: our server extension")
        + "); baseline: execute_request of `pass` to its execute_reply, alternated with it",
        args.smoke,
    )


if __name__ == "__main__":
    sys.exit(main())
