"""P1: ModelStore.save / ModelStore.load against the library's own call for the same format.

Baseline: the library's own save writing the same format to the same disk, followed by fsync
of the file and its directory (the durability a store save gives), and the library's own load
of that file. Both sides read warm files (just written, in the page cache). Target: <= 1.10x
for save and for load.

    python benchmarks/p1_save_load.py [--smoke] [--reps N] [--only torch,onnx] [--variant NAME]

The transformers case (issue #15) adds a row: a LoRA adapter's stored size against its base's.

`--variant` measures, in the same run, the store as it was before its last changes
(benchmarks/_variants.py, default `before`) as a third column: the before/after of a change.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager

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
    tree_size,
)

TARGET = 1.10
ADAPTER_TARGET = 50  # issue #15: an adapter's save is >= 50x smaller than its base's
HASH_TARGET = 1.05  # issue #4: hashing adds <= 5 % to the save time of a 300 MB model
# A 300 MB save's time varies by +-20 % from one save to the next on this VM (the fsync): the
# 5 % budget is measured over this many times P1's repetitions, saves with and without hashing
# alternated.
HASH_REPS_FACTOR = 3


def main() -> int:
    quiet_libraries()

    def add(parser):
        parser.add_argument("--only", help="comma-separated models: " + ",".join(_models.ALL))
        parser.add_argument(
            "--variant",
            help="also measure the store before its last changes (benchmarks/_variants.py; "
            "default: before, none: do not)",
        )

    args = parse_args(__doc__.splitlines()[0], reps=5, add=add)
    default = ("onnx", "lightgbm") if args.smoke else _models.ALL  # smoke: quick imports
    keys = args.only.split(",") if args.only else list(default)
    variant = args.variant or (None if args.smoke else "before")
    if variant == "none":
        variant = None

    from jupyterlab_models import ModelStore

    rows: list[Row] = []
    for key in keys:
        case = _models.build(key, args.smoke)
        reps = args.reps if case.big or args.smoke else 2 * args.reps
        work = tempfile.mkdtemp(prefix=f"bench-p1-{key}-", dir=os.environ.get("BENCH_DIR"))
        try:
            rows += measure(
                case, ModelStore(os.path.join(work, "store")), work, reps, args, variant
            )
            if key == "transformers":  # issue #15: an adapter against its base
                rows.append(adapter_row(case, ModelStore(os.path.join(work, "lora")), args))
                rows.append(in_memory_load_row(case, work, reps, args))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        del case
    print_table(
        "P1: save and load through ModelStore vs the library's own call + fsync", rows, args
    )
    return 0


def measure(case, store, work, reps, args, variant) -> list[Row]:
    native_dir = os.path.join(work, "native")
    os.makedirs(native_dir)
    counter = iter(range(10**6))
    patch = None
    if variant:
        import _variants

        patch = _variants.VARIANTS[variant]

    def native_save() -> str:
        directory = os.path.join(native_dir, str(next(counter)))
        os.mkdir(directory)
        path = os.path.join(directory, case.native_file)
        case.native_save(case.model, path)
        fsync_tree(path)
        return directory

    def ours_save() -> str:
        info = store.save(case.model, "m", format_id=case.format_id)
        return info.name

    def variant_save() -> str:
        with patch():
            return ours_save()

    def cleanup(label: str, result: str) -> None:
        if label == "native":
            shutil.rmtree(result)
        else:
            store.delete("m")

    def size_only_save() -> str:
        with sizes_only():
            return ours_save()

    saves = {"ours": ours_save, "native": native_save}
    if patch:
        saves["variant"] = variant_save
    # Warm-up, untimed: first calls compile (TorchScript), import lazily, fill caches.
    interleaved(saves, 1, after=cleanup)
    save_times = interleaved(saves, reps, after=cleanup)
    hash_times = None
    if case.big:  # the cost of hashing (issue #4), against the same save without it
        hashing = {"ours": ours_save, "size_only": size_only_save}
        hash_times = interleaved(hashing, HASH_REPS_FACTOR * reps, after=cleanup)

    # One stored copy of each for the loads.
    info = store.save(case.model, "m", format_id=case.format_id)
    kept = native_save()
    native_path = os.path.join(kept, case.native_file)

    def variant_load():
        with patch():
            return store.load("m")

    loads = {"ours": lambda: store.load("m"), "native": lambda: case.native_load(native_path)}
    if patch:
        loads["variant"] = variant_load
    interleaved(loads, 1)
    load_times = interleaved(loads, reps)

    rows = []
    size = f"{info.size_bytes / 1e6:.1f} MB" if info.size_bytes >= 1e6 else f"{info.size_bytes} B"
    native_size = tree_size(native_path)
    for op, times in (("save", save_times), ("load", load_times)):
        ratio = median(times["ours"]) / median(times["native"])
        extra = {k: v for k, v in times.items()}
        note = ""
        if patch:
            vr = median(times["variant"]) / median(times["native"])
            note = f"variant {variant}: {ms(median(times['variant']))}, {vr:.2f}x"
            extra["variant_ratio"] = vr
        rows.append(
            Row(
                "P1",
                f"{case.label} {op} ({size}, {reps} reps)",
                ms(median(times["ours"])),
                ms(median(times["native"])),
                ratio,
                f"<= {TARGET:.2f}x",
                judge(args.smoke, ratio <= TARGET),
                note,
                {"times": extra, "size_bytes": info.size_bytes, "native_bytes": native_size},
            )
        )
    if hash_times is not None:
        ours, bare = median(hash_times["ours"]), median(hash_times["size_only"])
        rows.append(
            Row(
                "P1",
                f"{case.label} save, hashed vs size only ({size}, {HASH_REPS_FACTOR * reps} reps)",
                ms(ours),
                ms(bare),
                ours / bare,
                f"<= {HASH_TARGET:.2f}x",
                judge(args.smoke, ours / bare <= HASH_TARGET),
                "issue #4's hashing budget; baseline: the same ModelStore.save with "
                "files.hash_file patched to record each file's size only (no read, no "
                "BLAKE3) and files.digest_of (the writer's hash beside the write) to "
                "return a dummy digest, the writes and fsyncs unchanged; the two saves "
                f"alternated {HASH_REPS_FACTOR}x as often as the rows above",
                {"times": hash_times},
            )
        )
    return rows


def adapter_row(case, store, args) -> Row:
    base, adapter = _models.lora_sizes(case.model, store)
    return Row(
        "P1",
        f"{case.label}: LoRA adapter (r=8 on c_attn) stored vs its base",
        f"{adapter / 1e6:.2f} MB",
        f"{base / 1e6:.1f} MB",
        adapter / base,
        f"<= {1 / ADAPTER_TARGET:.3f}x (>= {ADAPTER_TARGET}x smaller)",
        judge(args.smoke, base / adapter >= ADAPTER_TARGET),
        f"the adapter is {base / adapter:.0f}x smaller than the base",
        {"base_bytes": base, "adapter_bytes": adapter},
    )


def in_memory_load_row(case, work, reps, args) -> Row:
    """The load like for like: transformers maps its safetensors file by default and reads
    the weights when they are first used; the store reads them into memory (a loaded model
    must not go on reading the store's file after its check), as from_pretrained does with
    disable_mmap=True."""
    from jupyterlab_models import ModelStore

    store = ModelStore(os.path.join(work, "in-memory-store"))
    info = store.save(case.model, "m", format_id=case.format_id)
    path = os.path.join(work, "in-memory-native")
    case.native_save(case.model, path)
    loads = {"ours": lambda: store.load("m"), "native": lambda: case.native_load(path, True)}
    interleaved(loads, 1)
    times = interleaved(loads, reps)
    ratio = median(times["ours"]) / median(times["native"])
    return Row(
        "P1",
        f"{case.label} load vs from_pretrained(disable_mmap=True) "
        f"({info.size_bytes / 1e6:.1f} MB, {reps} reps)",
        ms(median(times["ours"])),
        ms(median(times["native"])),
        ratio,
        f"<= {TARGET:.2f}x",
        judge(args.smoke, ratio <= TARGET),
        "both read the weights into memory; ours also hashes them first",
        {"times": times},
    )


@contextmanager
def sizes_only():
    """A save without any digest: files.hash_file records the size of a file without
    reading it, and files.digest_of (the hash a store's writer takes beside a format's write)
    returns at once (the manifest gets a dummy digest; never loaded)."""
    from jupyterlab_models.storage import files

    real = files.hash_file, files.digest_of

    def size_only(directory, path, writer, counter):
        size = os.path.getsize(os.path.join(directory, path))
        counter.add(size)
        return {"path": path, "size": size, "digest": "blake3:" + "0" * 64}

    files.hash_file, files.digest_of = size_only, lambda data, algorithm="blake3": "0" * 64
    try:
        yield
    finally:
        files.hash_file, files.digest_of = real


if __name__ == "__main__":
    sys.exit(main())
