"""P6: `import jupyterlab_models.kernel` + `register()` in a fresh kernel, against `import json`.

Each repetition starts two fresh kernels, one per side, alternating which goes first; the
first code each runs is the timed one (the panel's silent registration, or `import json`).
Figures: the time inside the kernel (perf_counter around the statement) and the client's
execute round trip; ML libraries that the statement imported (none allowed). Target: < 100 ms
inside the kernel, no ML library imported. (`json` is already imported by ipykernel: the
baseline is the cost of an execute that imports nothing new.)

    python benchmarks/p6_kernel_import.py [--smoke] [--reps N]
"""

from __future__ import annotations

import sys

from _common import Row, judge, median, ms, parse_args, print_table
from _kernel import REGISTER, Kernel

TARGET_MS = 100
ML_LIBRARIES = {
    "torch",
    "tensorflow",
    "keras",
    "tf_keras",
    "lightgbm",
    "xgboost",
    "catboost",
    "onnx",
    "onnxruntime",
    "sklearn",
    "skops",
    "numpy",
    "scipy",
    "pandas",
    "jax",
}
TIMED = (
    "import sys as _s, time as _t\n"
    "_b = set(_s.modules); _t0 = _t.perf_counter()\n"
    "{statement}\n"
    "_elapsed = _t.perf_counter() - _t0\n"
    "_new = sorted({{m.split('.')[0] for m in set(_s.modules) - _b}})"
)


def one(statement: str) -> dict:
    kernel = Kernel()
    try:
        roundtrip, _content = kernel.execute(TIMED.format(statement=statement), silent=True)
        inside = float(kernel.evaluate("_elapsed"))
        new = eval(kernel.evaluate("_new"))  # noqa: S307 - a list literal from our kernel
    finally:
        kernel.stop()
    return {"inside": inside, "roundtrip": roundtrip, "new": new}


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], reps=5)
    runs: dict[str, list[dict]] = {"register": [], "json": []}
    statements = {"register": REGISTER, "json": "import json"}
    for rep in range(args.reps):
        order = ("register", "json") if rep % 2 == 0 else ("json", "register")
        for side in order:
            runs[side].append(one(statements[side]))
    inside = median([r["inside"] for r in runs["register"]])
    base_inside = median([r["inside"] for r in runs["json"]])
    trip = median([r["roundtrip"] for r in runs["register"]])
    base_trip = median([r["roundtrip"] for r in runs["json"]])
    new = sorted(set().union(*(r["new"] for r in runs["register"])))
    ml = sorted(ML_LIBRARIES.intersection(new))
    rows = [
        Row(
            "P6",
            f"import + register() in a fresh kernel, in-kernel time ({args.reps} reps)",
            ms(inside),
            ms(base_inside),
            inside / base_inside if base_inside else None,
            f"< {TARGET_MS} ms",
            judge(args.smoke, inside * 1000 < TARGET_MS),
            f"modules it imported: {', '.join(new)}",
            {"runs": runs},
        ),
        Row(
            "P6",
            f"the same, client execute round trip ({args.reps} reps)",
            ms(trip),
            ms(base_trip),
            trip / base_trip,
            "-",
            "-",
        ),
        Row(
            "P6",
            "ML libraries imported by import + register()",
            ", ".join(ml) or "none",
            "",
            None,
            "none",
            judge(args.smoke, not ml),
        ),
    ]
    print_table("P6: registering the comm target in a fresh kernel vs `import json`", rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
