"""P2: peak resident memory that ModelStore.save adds, against the library's own save call.

Each measurement is one fresh child process (this script with --child): it builds (or, for the
trained tree models, unpickles from a cache this run made) the model, then makes two saves,
ours or the library's own call + fsync, each after resetting its peak RSS
(/proc/self/clear_refs), and reports VmHWM - VmRSS-before of each: the first save of a
process pays lazy imports too (reported in the note), the second is the one judged.
Children for ours and for the native call alternate.
Figure: (our added peak - the native call's added peak) / model size. Target: <= 0.1x.

    python benchmarks/p2_save_memory.py [--smoke] [--reps N]
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile

import _models
from _common import (
    Row,
    fsync_tree,
    judge,
    mb,
    median,
    parse_args,
    print_table,
    proc_status,
    quiet_libraries,
    reset_peak_rss,
)

TARGET = 0.1
TREES = ("lightgbm", "xgboost", "catboost")


def child(key: str, side: str, smoke: bool, work: str) -> None:
    quiet_libraries()
    from jupyterlab_models import ModelStore

    cache = os.path.join(work, f"{key}.pickle")
    if key in TREES and os.path.exists(cache):
        case = _models.build(key, True)  # the tiny one, for its save/load functions
        with open(cache, "rb") as f:  # the benchmark's own file, written by the parent
            case.model = pickle.load(f)  # noqa: S301
        case.label = f"{key} {_models._trees(False)} trees"
    else:
        case = _models.build(key, smoke)
    store = ModelStore(os.path.join(work, "store"))
    out = os.path.join(work, f"native-{os.getpid()}")
    os.makedirs(out)

    def once(i: int) -> tuple[int, int]:
        """(peak RSS added, bytes written) by one save."""
        gc.collect()
        reset_peak_rss()
        before = proc_status("VmRSS")
        if side == "ours":
            name = f"m{os.getpid()}-{i}"
            size = store.save(case.model, name, format_id=case.format_id).size_bytes
            added = proc_status("VmHWM") - before
            store.delete(name)
        else:
            path = os.path.join(out, case.native_file)
            case.native_save(case.model, path)
            fsync_tree(path)
            added = proc_status("VmHWM") - before
            size = os.path.getsize(path)
            os.remove(path)
        return added, size

    # The first save of a process also pays its lazy imports (and their memory); the second
    # is what every later save adds. Big buffers (mmap'ed by malloc) are given back to the
    # system when freed, so the second figure still sees them.
    cold, size = once(0)
    warm, _size = once(1)
    print(json.dumps({"added": warm, "cold": cold, "size": size, "label": case.label}))


def main() -> int:
    if "--child" in sys.argv:
        key, side, smoke, work = sys.argv[sys.argv.index("--child") + 1 :][:4]
        child(key, side, smoke == "1", work)
        return 0
    quiet_libraries()
    args = parse_args(__doc__.splitlines()[0], reps=2)
    if args.smoke:
        args.reps = 1
    keys = ("onnx",) if args.smoke else _models.ALL  # smoke: the quickest import
    rows = []
    for key in keys:
        work = tempfile.mkdtemp(prefix=f"bench-p2-{key}-", dir=os.environ.get("BENCH_DIR"))
        try:
            if key in TREES and not args.smoke:  # train once, not in every child
                with open(os.path.join(work, f"{key}.pickle"), "wb") as f:
                    pickle.dump(_models.build(key, False).model, f)
            results: dict[str, list[dict]] = {"ours": [], "native": []}
            for rep in range(args.reps):
                for side in ("ours", "native") if rep % 2 == 0 else ("native", "ours"):
                    cmd = [
                        sys.executable,
                        __file__,
                        "--child",
                        key,
                        side,
                        "1" if args.smoke else "0",
                        work,
                    ]
                    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
                    if proc.returncode != 0:
                        raise RuntimeError(f"P2 child {key} {side} failed:\n{proc.stderr}")
                    results[side].append(json.loads(proc.stdout.strip().splitlines()[-1]))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        ours = median([r["added"] for r in results["ours"]])
        native = median([r["added"] for r in results["native"]])
        cold = median([r["cold"] for r in results["ours"]])
        cold_native = median([r["cold"] for r in results["native"]])
        size = results["ours"][0]["size"]
        ratio = (ours - native) / size
        rows.append(
            Row(
                "P2",
                f"{results['ours'][0]['label']} save peak RSS added ({args.reps} reps)",
                mb(ours),
                mb(native),
                ratio,
                f"<= {TARGET:.1f}x of size",
                judge(args.smoke, ratio <= TARGET),
                f"model {mb(size)}; ratio = (ours - native) / model size, for a save after "
                f"the first one of the process; the first (with its lazy imports): ours "
                f"{mb(cold)}, native {mb(cold_native)}, {(cold - cold_native) / size:.2f}x",
                {"ours": results["ours"], "native": results["native"]},
            )
        )
    print_table("P2: peak memory added by a save, above the library's own save", rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
