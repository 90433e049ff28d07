"""P5 (Python part): comm round trip of `list` on an idle kernel, through jupyter_client.

A real ipykernel, the comm registered and opened as the panel does, `hello` bound to a store of
20 models; then `list` requests alternate with a baseline `execute_request` of `pass` (its
execute_reply). Each round trip is timed from the send to the reply, and the kernel is let go
idle between requests. Targets for `list`: median < 10 ms, p99 < 50 ms. The browser part of P5
(the same from the page) is P5b, measured by p4p5_browser.py.

    python benchmarks/p5_comm_roundtrip.py [--smoke] [--reps N]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

from _common import interleaved, parse_args, print_table, round_trip_rows
from _kernel import REGISTER, Kernel
from p4_list import make_store

MODELS = 20


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], reps=300)
    work = tempfile.mkdtemp(prefix="bench-p5-", dir=os.environ.get("BENCH_DIR"))
    kernel = None
    try:
        location = os.path.join(work, "store")
        make_store(location, MODELS)
        kernel = Kernel()
        kernel.execute(REGISTER, silent=True)
        kernel.open_comm()
        kernel.request("hello", protocol_version=_protocol_version(), store=location)
        _t, listed = kernel.request("list")
        if len(listed["result"]["models"]) != MODELS:
            raise RuntimeError(f"list gave {len(listed['result']['models'])} models")
        kernel.execute("pass")  # warm-up
        stats: dict[str, list[float]] = {"list": [], "pass": []}

        def comm_list() -> None:
            stats["list"].append(kernel.request("list")[0])

        def execute_pass() -> None:
            stats["pass"].append(kernel.execute("pass")[0])

        interleaved({"list": comm_list, "pass": execute_pass}, args.reps)
    finally:
        if kernel is not None:
            kernel.stop()
        shutil.rmtree(work, ignore_errors=True)
    rows = round_trip_rows(
        "P5",
        f"comm `list` ({MODELS} models) round trip",
        stats["list"],
        stats["pass"],
        "baseline: execute_request of `pass` to its execute_reply. Browser: P5b",
        args.smoke,
    )
    print_table("P5: comm round trip of `list` vs execute_request of `pass`", rows, args)
    return 0


def _protocol_version() -> int:
    from jupyterlab_models.protocol import PROTOCOL_VERSION

    return PROTOCOL_VERSION


if __name__ == "__main__":
    sys.exit(main())
