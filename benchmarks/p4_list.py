"""P4 (Python part): ModelStore.list() of 5,000 models x 3 versions.

The store is laid out directly (15,000 valid manifests made from the manifest of one real
save), which is what 15,000 saves would leave. No baseline in the issue; for scale, the same
run also times a bare read of the same 5,000 latest manifests (listdir + json.load, no
validation): the floor of what any list() on this layout can do. Warm page cache.
Target: list() < 200 ms. The browser part of P4 (rendering 5,000 rows, first paint) is left
to a later issue: it needs a Galata timing test.

    python benchmarks/p4_list.py [--smoke] [--reps N]
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile

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


def bare_read(location: str) -> list[dict]:
    out = []
    for name in sorted(os.listdir(location)):
        if name.startswith("."):
            continue
        latest = max(os.listdir(os.path.join(location, name)), key=int)
        with open(os.path.join(location, name, latest, "manifest.json"), encoding="utf-8") as f:
            out.append(json.load(f))
    return out


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
        calls = {"list": store.list, "bare": lambda: bare_read(location)}
        proposal = ""
        try:  # the proposal reads the store's internals, which may have moved on
            import _variants

            if _variants.cached_list(store) != listed:  # also fills the cache
                raise RuntimeError("it gives another result than list()")
            calls["proposed"] = lambda: _variants.cached_list(store)
        except Exception as exc:  # noqa: BLE001
            proposal = f"proposed cached list() not measurable here: {exc}"
        times = interleaved(calls, args.reps)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ours, bare = median(times["list"]), median(times["bare"])
    if "proposed" in times:
        proposal = (
            "proposed cached list() (benchmarks/_variants.py), warm: "
            f"{ms(median(times['proposed']))}"
        )
    rows = [
        Row(
            "P4",
            f"ModelStore.list() of {models:,} models x {VERSIONS} versions ({args.reps} reps)",
            ms(ours),
            f"{ms(bare)} (bare read)",
            ours / bare,
            f"< {TARGET_MS} ms",
            judge(args.smoke, ours * 1000 < TARGET_MS),
            "no baseline in the issue; the bare listdir + json.load of the same latest "
            f"manifests is shown for scale. Browser rendering: a later issue. {proposal}",
            {"times": times},
        )
    ]
    print_table("P4: ModelStore.list() of a big store", rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
