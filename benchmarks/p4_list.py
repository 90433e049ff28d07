"""P4 (Python part): ModelStore.list() of 5,000 models x 3 versions.

The store is laid out directly (15,000 valid manifests made from the manifest of one real
save), which is what 15,000 saves would leave. No baseline in the issue; for scale, the same
run also times a bare read of the same 5,000 latest manifests (listdir + json.load, no
validation): the floor of what any list() on this layout can do. Warm page cache.

list() remembers each model's latest manifest, checked by a stat of the model's directory
and of that manifest, in the process and in `<store>/.list-cache.json` for the next process
(list_cache.py). Three cases: "list()", a call after the first one in a process (a kernel lists
after every save and delete); "first list()", the first call of a new Python process (the
CLI, a new kernel; the cache file there), one process started per repetition and the call timed
inside it, imports excluded; "uncached", a store nobody listed before (memory and file gone:
every manifest is read and validated, and the file is written). The store's mtimes are set an
hour back, as in a store written earlier: a directory changed in the last 2 s is always read
again.
Target: list() < 200 ms. The browser part of P4 (rendering 5,000 rows, first paint) is P4b,
measured by p4p5_browser.py.

    python benchmarks/p4_list.py [--smoke] [--reps N]
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from _common import Row, interleaved, judge, median, ms, parse_args, print_table

TARGET_MS = 200
VERSIONS = 3


def make_store(location: str, models: int) -> None:
    """`models` models of VERSIONS versions each, every manifest valid for list()."""
    import numpy as np
    from lightgbm import LGBMClassifier

    from jupyterlab_models import ModelStore

    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4))
    y = (X[:, 0] > 0).astype(int)
    clf = LGBMClassifier(n_estimators=3, num_leaves=4, verbose=-1).fit(X, y)
    template = ModelStore(location).save(clf, "template", description="benchmark").to_dict()
    shutil.rmtree(os.path.join(location, "template"))
    for i in range(models):
        name = f"model-{i:05d}"
        for version in range(1, VERSIONS + 1):
            directory = os.path.join(location, name, str(version))
            os.makedirs(directory)
            manifest = {**template, "name": name, "version": version}
            with open(os.path.join(directory, "manifest.json"), "w", encoding="utf-8") as f:
                json.dump(manifest, f, indent=2)
    an_hour_ago = time.time() - 3600
    for directory, dirs, files in os.walk(location):
        for entry in dirs + files:
            os.utime(os.path.join(directory, entry), (an_hour_ago, an_hour_ago))


def bare_read(location: str) -> list[dict]:
    out = []
    for name in sorted(os.listdir(location)):
        if name.startswith("."):
            continue
        latest = max(os.listdir(os.path.join(location, name)), key=int)
        with open(os.path.join(location, name, latest, "manifest.json"), encoding="utf-8") as f:
            out.append(json.load(f))
    return out


FIRST_LIST = """
import sys, time
from jupyterlab_models import ModelStore
store = ModelStore(sys.argv[1])
start = time.perf_counter()
store.list()
print(time.perf_counter() - start)
"""


def first_list_in_a_new_process(location: str) -> float:
    """Seconds of the first list() of a new Python process (the CLI, a new kernel), timed
    inside it."""
    child = subprocess.run(
        [sys.executable, "-c", FIRST_LIST, location], capture_output=True, text=True, check=True
    )
    return float(child.stdout)


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], reps=9)
    from jupyterlab_models import ModelStore

    models = 50 if args.smoke else 5000
    work = tempfile.mkdtemp(prefix="bench-p4-", dir=os.environ.get("BENCH_DIR"))
    try:
        location = os.path.join(work, "store")
        make_store(location, models)
        store = ModelStore(location)
        listed = store.list()
        if len(listed) != models or any(info.version != VERSIONS for info in listed):
            raise RuntimeError(f"list() gave {len(listed)} models, expected {models}")
        from jupyterlab_models.storage import list_cache

        def before(label: str) -> None:
            if label == "uncached":
                list_cache.forget_all()
                with contextlib.suppress(FileNotFoundError):  # a small store has none
                    os.unlink(os.path.join(location, list_cache.FILE))

        calls = {
            "list": store.list,
            "first": lambda: first_list_in_a_new_process(location),
            "uncached": store.list,
            "bare": lambda: bare_read(location),
        }
        in_child: list[float] = []

        def after(label: str, result: object) -> None:
            if label == "first":
                in_child.append(result)  # type: ignore[arg-type]

        times = interleaved(calls, args.reps, before=before, after=after)
        times["first"] = in_child  # the child's own time, without starting Python
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ours, first, uncached, bare = (median(times[k]) for k in ("list", "first", "uncached", "bare"))
    case = f"{models:,} models x {VERSIONS} versions ({args.reps} reps)"
    scale = "the bare listdir + json.load of the same latest manifests, for scale"
    rows = [
        Row(
            "P4",
            f"ModelStore.list() of {case}",
            ms(ours),
            f"{ms(bare)} (bare read)",
            ours / bare,
            f"< {TARGET_MS} ms",
            judge(args.smoke, ours * 1000 < TARGET_MS),
            f"no baseline in the issue; {scale}. Browser rendering: P4b.",
            {"times": times},
        ),
        Row(
            "P4",
            f"first ModelStore.list() of a process, {case}",
            ms(first),
            f"{ms(bare)} (bare read)",
            first / bare,
            f"< {TARGET_MS} ms",
            judge(args.smoke, first * 1000 < TARGET_MS),
            f"{scale}: the process reads the store's .list-cache.json, then stats each model; "
            f"repetitions {ms(min(times['first']))} to {ms(max(times['first']))} (this VM's "
            "speed drifts over minutes: read a median near the target as about there).",
            {"times": times},
        ),
        Row(
            "P4",
            f"list() of a store never listed before (no .list-cache.json), {case}",
            ms(uncached),
            f"{ms(bare)} (bare read)",
            uncached / bare,
            "-",
            "-",
            "once per store (and after 64 changes): every manifest read and validated, then "
            "the cache file written",
            {"times": times},
        ),
    ]
    print_table("P4: ModelStore.list() of a big store", rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
