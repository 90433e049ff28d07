"""P3: inspector.scan of a big notebook namespace, against a variable-inspector style scan.

The namespace: 10,000 globals, among them a 1 GB numpy array, 100 models (LightGBM and
scikit-learn estimators) and objects whose __repr__ is slow; TensorFlow and Torch are not
imported (checked). Baseline: what variable-inspector extensions do for every global: `eval`
its name, then type name, size, shape/len and a `str()` preview. Both run alternately in this
process. Targets: scan < 20 ms, >= 50x faster than the baseline, sys.modules unchanged.

    python benchmarks/p3_scan.py [--smoke] [--reps N]
"""

from __future__ import annotations

import sys
import time
from typing import Any

from _common import Row, interleaved, judge, median, ms, parse_args, print_table

TARGET_MS = 20
TARGET_RATIO = 50
SLOW_REPR_SECONDS = 0.02


class SlowRepr:
    """A user object whose repr is expensive (a lazy dataset, a remote handle...)."""

    def __init__(self, i: int) -> None:
        self.i = i

    def __repr__(self) -> str:
        time.sleep(SLOW_REPR_SECONDS)
        return f"SlowRepr({self.i})"


def namespace(smoke: bool) -> dict[str, Any]:
    import numpy as np
    from lightgbm import LGBMClassifier, LGBMRegressor
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    total, models, slow = (200, 10, 2) if smoke else (10_000, 100, 10)
    big_bytes = (1 << 20) if smoke else (1 << 30)
    ns: dict[str, Any] = {"big": np.ones(big_bytes // 8)}  # touched: really resident
    kinds = (LGBMClassifier, LGBMRegressor, LogisticRegression, DecisionTreeClassifier)
    for i in range(models):
        ns[f"model_{i}"] = kinds[i % len(kinds)]()
    for i in range(slow):
        ns[f"slow_{i}"] = SlowRepr(i)
    fillers = (
        lambda i: i,
        lambda i: f"text {i}",
        lambda i: [i, i + 1, i + 2],
        lambda i: {"k": i},
        lambda i: np.arange(10) + i,
        lambda i: lambda: i,
        lambda i: float(i),
        lambda i: {i, i + 1},
    )
    i = 0
    while len(ns) < total:
        ns[f"v_{i}"] = fillers[i % len(fillers)](i)
        i += 1
    ns["_hidden"] = 1  # skipped by both
    return ns


def inspector_style(ns: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-variable work of jupyterlab-variableInspector's kernel script, in essence."""
    out = []
    for name in [n for n in ns if not n.startswith("_")]:
        obj = eval(name, ns)  # noqa: S307 - what the baseline does
        size = getattr(obj, "nbytes", None)
        if size is None:
            size = sys.getsizeof(obj)
        shape = getattr(obj, "shape", None)
        if shape is None and hasattr(obj, "__len__"):
            try:
                shape = len(obj)
            except TypeError:
                shape = None
        out.append(
            {
                "name": name,
                "type": type(obj).__name__,
                "size": size,
                "shape": str(shape),
                "content": str(obj)[:140],
            }
        )
    return out


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], reps=7)
    from jupyterlab_models import inspector

    ns = namespace(args.smoke)
    count = sum(1 for k in ns if not k.startswith("_"))
    heavy = [m for m in ("torch", "tensorflow", "keras") if m in sys.modules]
    if heavy:
        raise RuntimeError(f"P3 must run with TensorFlow and Torch not imported: {heavy}")
    found = inspector.scan(ns)  # warm-up, and a check of what it finds
    models = sum(1 for k in ns if k.startswith("model_"))
    if len(found) != models:
        raise RuntimeError(f"scan found {len(found)} models, expected {models}")
    changed: list[set[str]] = []

    def checked(scan_function) -> None:
        before = set(sys.modules)
        scan_function(ns)
        if set(sys.modules) != before:
            changed.append(set(sys.modules) ^ before)

    times = interleaved(
        {
            "scan": lambda: checked(inspector.scan),
            "inspector": lambda: inspector_style(ns),
        },
        args.reps,
    )
    modules_unchanged = not changed
    ours, base = median(times["scan"]), median(times["inspector"])
    speedup = base / ours
    rows = [
        Row(
            "P3",
            f"scan of {count:,} globals ({args.reps} reps)",
            ms(ours),
            ms(base),
            speedup,
            f"< {TARGET_MS} ms and >= {TARGET_RATIO}x faster",
            judge(args.smoke, ours * 1000 < TARGET_MS and speedup >= TARGET_RATIO),
            "ratio = baseline / scan (speed-up)",
            {"times": times},
        ),
        Row(
            "P3",
            "sys.modules unchanged by scan; torch/tensorflow not imported",
            "unchanged" if modules_unchanged else "CHANGED",
            "",
            None,
            "unchanged",
            judge(args.smoke, modules_unchanged)
            if not args.smoke
            else ("smoke" if modules_unchanged else "MISS"),
            "" if modules_unchanged else f"modules changed: {sorted(set().union(*changed))[:10]}",
        ),
    ]
    print_table("P3: inspector.scan vs a variable-inspector style eval/repr scan", rows, args)
    return 0 if modules_unchanged else 1


if __name__ == "__main__":
    sys.exit(main())
