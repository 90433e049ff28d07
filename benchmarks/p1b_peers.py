"""P1b: ModelStore.save / load against mlflow and bentoml on the same models.

Baselines: `mlflow.<flavor>.save_model(model, path)` / `mlflow.<flavor>.load_model(path)` and
`bentoml.<framework>.save_model(name, model)` / `bentoml.<framework>.load_model(tag)`, each
with its defaults (neither fsyncs: the comparison favours them), measured in the same process
run, alternating with our calls. Target: faster than both (ratio < 1.0). Like for like (issue
#19), each peer's save is also timed followed by an fsync of every file and directory it
wrote (`<peer> + fsync`): the durability every save of ours has.

mlflow and bentoml live only in the benchmark venv (.venv-bench, made by
benchmarks/setup.sh). Without them this script fails, except with --smoke, where it says so
and times a stand-in peer (the library's own call) instead, so that its own code (our side,
the alternation, the ratios, the table) still runs in the main venv's smoke test.

    python benchmarks/p1b_peers.py [--smoke] [--reps N] [--only torch,onnx]
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import _models
from _common import (
    Row,
    fsync_tree,
    interleaved,
    judge,
    median,
    ms,
    parse_args,
    print_table,
    quiet_libraries,
)

TARGET = 1.0
REQUIREMENTS = ["mlflow"]
# mlflow 3 saves a torch module with torch.export ("pt2") by default, which needs an
# input_example; "pickle" (torch.save of the whole module, mlflow 2's default) needs none and
# is its faster way: the stricter comparison for us.
FLAVOR_OPTIONS = {"torch": {"serialization_format": "pickle"}}
# bentoml 1.4's pytorch.load_model calls torch.load with torch's default weights_only=True
# (torch >= 2.6), which refuses the pickled module bentoml itself wrote: allowed again here.
BENTOML_LOAD_OPTIONS = {"torch": {"weights_only": False}}
PEERS = ("mlflow", "bentoml")

# mlflow flavor and bentoml framework module per model, and how each is given the model.
MLFLOW = {
    "torch": "pytorch",
    "onnx": "onnx",
    "lightgbm": "lightgbm",
    "xgboost": "xgboost",
    "catboost": "catboost",
    "keras": "keras",
}
BENTOML = {
    "torch": "pytorch",
    "onnx": "onnx",
    "lightgbm": "lightgbm",
    "xgboost": "xgboost",
    "catboost": "catboost",
    "keras": "keras",
}


def peers_installed() -> list[str]:
    return [p for p in PEERS if importlib.util.find_spec(p) is not None]


def mlflow_calls(case: _models.Case, work: str) -> tuple[Callable[[], Any], Callable[[], Any]]:
    import importlib

    flavor = importlib.import_module(f"mlflow.{MLFLOW[case.key]}")
    counter = iter(range(10**6))
    kept = os.path.join(work, f"mlflow-kept-{case.key}")
    given = [case.model]
    if case.key == "onnx":
        # mlflow.onnx.save_model (save_as_external_data=True by default) rewrites the user's
        # proto in place, tensors moved to external data; every save gets its own copy, made
        # untimed in `fresh`, so the other sides keep an intact model.
        import onnx

        def fresh() -> None:
            copy = onnx.ModelProto()
            copy.CopyFrom(case.model)
            given[0] = copy

        save_fresh = fresh
    else:
        save_fresh = None

    def save(**kwargs: Any) -> str:
        path = os.path.join(work, f"mlflow-{case.key}-{next(counter)}")
        # Requirements given: by default mlflow infers them by loading the model again in a
        # subprocess (seconds per save). Timed without that, mlflow's fastest save; the default
        # call's time is reported once, as a note (`default`).
        options = {"pip_requirements": REQUIREMENTS, **FLAVOR_OPTIONS.get(case.key, {}), **kwargs}
        flavor.save_model(given[0], path, **options)
        return path

    def default() -> float:
        if save_fresh:
            save_fresh()
        start = time.perf_counter()
        path = save(pip_requirements=None)
        elapsed = time.perf_counter() - start
        shutil.rmtree(path, ignore_errors=True)
        return elapsed

    save.default = default  # type: ignore[attr-defined]

    save.fresh = save_fresh  # type: ignore[attr-defined]

    def load() -> Any:
        if not os.path.exists(kept):
            if save_fresh:
                save_fresh()
            flavor.save_model(
                given[0],
                kept,
                pip_requirements=REQUIREMENTS,
                **FLAVOR_OPTIONS.get(case.key, {}),
            )
        return flavor.load_model(kept)

    return save, load


def bentoml_calls(case: _models.Case) -> tuple[Callable[[], Any], Callable[[], Any]]:
    import importlib

    framework = importlib.import_module(f"bentoml.{BENTOML[case.key]}")
    model = case.model.booster_ if case.key == "lightgbm" else case.model  # it takes a Booster
    kept: list[Any] = []

    def save() -> Any:
        return framework.save_model("bench", model)

    def load() -> Any:
        if not kept:
            kept.append(framework.save_model("bench-kept", model).tag)
        return framework.load_model(kept[0], **BENTOML_LOAD_OPTIONS.get(case.key, {}))

    return save, load


def standin_calls(case: _models.Case, work: str) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """--smoke without the peers: the library's own call, so the rest of the code runs."""
    counter = iter(range(10**6))
    kept = os.path.join(work, f"standin-kept-{case.key}", case.native_file)

    def save() -> str:
        directory = os.path.join(work, f"standin-{case.key}-{next(counter)}")
        os.makedirs(directory)
        case.native_save(case.model, os.path.join(directory, case.native_file))
        fsync_tree(directory)
        return directory

    def load() -> Any:
        if not os.path.exists(kept):
            os.makedirs(os.path.dirname(kept))
            case.native_save(case.model, kept)
        return case.native_load(kept)

    return save, load


def with_fsync(save: Callable[[], Any]) -> Callable[[], Any]:
    """`save`, then an fsync of every file and directory it wrote (and of their parent)."""

    def synced() -> Any:
        result = save()
        fsync_tree(result if isinstance(result, str) else result.path)
        return result

    synced.fresh = getattr(save, "fresh", None)  # type: ignore[attr-defined]
    return synced


def remove_saved(result: Any) -> None:
    if isinstance(result, str):
        shutil.rmtree(result, ignore_errors=True)
    elif result is not None and hasattr(result, "tag"):  # a bentoml.Model
        import bentoml

        bentoml.models.delete(result.tag)


def main() -> int:
    quiet_libraries()

    def add(parser):
        parser.add_argument("--only", help="comma-separated models: " + ",".join(_models.ALL))

    args = parse_args(__doc__.splitlines()[0], reps=3, add=add)
    installed = peers_installed()
    missing = [p for p in PEERS if p not in installed]
    if missing and not args.smoke:
        print(
            f"P1b needs {' and '.join(missing)}, which this Python ({sys.executable}) lacks: run "
            "it in the benchmark venv (bash benchmarks/setup.sh; .venv-bench/bin/python ...)",
            file=sys.stderr,
        )
        return 2
    if missing:
        print(
            f"P1b smoke: {' and '.join(missing)} not installed in this venv (they live only in "
            ".venv-bench): timing a stand-in peer, the library's own call, in their place"
        )
    work = tempfile.mkdtemp(prefix="bench-p1b-", dir=os.environ.get("BENCH_DIR"))
    os.environ["BENTOML_HOME"] = os.path.join(work, "bentoml")  # before bentoml is imported
    os.environ.setdefault("MLFLOW_TRACKING_URI", "file://" + os.path.join(work, "mlruns"))
    from jupyterlab_models import ModelStore

    default = ("onnx", "lightgbm") if args.smoke else _models.ALL
    keys = args.only.split(",") if args.only else list(default)
    rows: list[Row] = []
    try:
        for key in keys:
            case = _models.build(key, args.smoke)
            store = ModelStore(os.path.join(work, "store"))
            peers: dict[str, tuple[Callable, Callable]] = {}
            if installed:
                if "mlflow" in installed:
                    peers["mlflow"] = mlflow_calls(case, work)
                if "bentoml" in installed:
                    peers["bentoml"] = bentoml_calls(case)
            else:
                peers["stand-in"] = standin_calls(case, work)
            rows += measure(case, store, peers, args)
            del case
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table("P1b: ModelStore against mlflow and bentoml, same models, same run", rows, args)
    return 0


def measure(case: _models.Case, store: Any, peers: dict, args: Any) -> list[Row]:
    reps = args.reps if case.big or args.smoke else 2 * args.reps
    saves: dict[str, Callable[[], Any]] = {
        "ours": lambda: store.save(case.model, "m", format_id=case.format_id)
    }
    loads: dict[str, Callable[[], Any]] = {}
    errors: dict[str, str] = {}
    for name, (save, load) in peers.items():
        try:  # a peer that cannot handle this model is reported, not hidden
            if getattr(save, "fresh", None):
                save.fresh()
            remove_saved(save())
            load()
        except Exception as exc:  # noqa: BLE001
            errors[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
            continue
        saves[name] = save
        loads[name] = load
        if name != "stand-in":  # it fsyncs already
            saves[f"{name} + fsync"] = with_fsync(save)

    def cleanup(label: str, result: Any) -> None:
        if label == "ours":
            store.delete("m")
        else:
            remove_saved(result)

    def prepare(label: str) -> None:
        fresh = getattr(saves[label], "fresh", None)
        if fresh:
            fresh()

    notes = {}
    for name, save in saves.items():
        if getattr(save, "default", None) and not args.smoke:
            notes[name] = (
                f"{name}'s default call (inferring requirements) took {ms(save.default())}"
            )
    interleaved(saves, 1, before=prepare, after=cleanup)  # warm-up
    save_times = interleaved(saves, reps, before=prepare, after=cleanup)
    store.save(case.model, "m", format_id=case.format_id)
    loads = {"ours": lambda: store.load("m"), **loads}
    interleaved(loads, 1)
    load_times = interleaved(loads, reps)
    store.delete("m")

    rows = []
    for op, times in (("save", save_times), ("load", load_times)):
        ours = median(times["ours"])
        synced = [f"{name} + fsync" for name in peers if f"{name} + fsync" in times]
        for name in [*peers, *synced]:
            if name in errors:
                rows.append(
                    Row(
                        "P1b",
                        f"{case.label} {op} vs {name}",
                        ms(ours),
                        "failed",
                        None,
                        "< 1.00x",
                        "-",
                        f"{name} cannot do this model: {errors[name]}",
                    )
                )
                continue
            base = median(times[name])
            ratio = ours / base
            note = notes.get(name, "") if op == "save" else ""
            rows.append(
                Row(
                    "P1b",
                    f"{case.label} {op} vs {name} ({reps} reps)",
                    ms(ours),
                    ms(base),
                    ratio,
                    f"< {TARGET:.2f}x",
                    judge(args.smoke, ratio < TARGET),
                    note,
                    {"times": times},
                )
            )
    return rows


if __name__ == "__main__":
    sys.exit(main())
