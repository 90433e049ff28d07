"""P1c: bytes written per second by ModelStore.save of the ~300 MB models, against `dd`.

Baseline: `dd if=/dev/zero of=<same disk> bs=1M conv=fsync` of the same byte count as the
stored model (its size_bytes), run in the same process run, alternating with the saves.
Ratio: our throughput / dd's (= dd's time / save's time). Target: >= 0.8x.

    python benchmarks/p1c_write_throughput.py [--smoke] [--reps N]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

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

TARGET = 0.8


def main() -> int:
    quiet_libraries()
    args = parse_args(__doc__.splitlines()[0], reps=5)
    from jupyterlab_models import ModelStore

    keys = ("onnx",) if args.smoke else _models.BIG
    rows = []
    for key in keys:
        case = _models.build(key, args.smoke)
        work = tempfile.mkdtemp(prefix=f"bench-p1c-{key}-", dir=os.environ.get("BENCH_DIR"))
        try:
            store = ModelStore(os.path.join(work, "store"))
            size = store.save(case.model, "m", format_id=case.format_id).size_bytes
            store.delete("m")
            target_file = os.path.join(work, "dd.bin")
            native_path = os.path.join(work, case.native_file)

            def dd(size: int = size, target_file: str = target_file) -> None:
                subprocess.run(
                    [
                        "dd",
                        "if=/dev/zero",
                        f"of={target_file}",
                        "bs=1M",
                        f"count={size}",
                        "iflag=count_bytes",
                        "conv=fsync",
                        "status=none",
                    ],
                    check=True,
                )

            def save(store=store, case=case) -> None:
                store.save(case.model, "m", format_id=case.format_id)

            def cleanup(
                label: str,
                _result: object,
                store=store,
                target_file=target_file,
                native_path=native_path,
            ) -> None:
                if label == "dd":
                    os.remove(target_file)
                elif label == "native":
                    os.remove(native_path)
                else:  # save
                    store.delete("m")

            def native(case=case, native_path=native_path) -> None:
                case.native_save(case.model, native_path)
                fsync_tree(native_path)

            calls = {"save": save, "dd": dd, "native": native}
            interleaved(calls, 1, after=cleanup)  # warm-up
            times = interleaved(calls, args.reps, after=cleanup)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        ours, base = median(times["save"]), median(times["dd"])
        ratio = base / ours
        own = median(times["native"])
        note = (
            f"the library's own save + fsync of the same model: {size / own / 1e6:.0f} MB/s, "
            f"{base / own:.2f}x of dd"
        )
        rows.append(
            Row(
                "P1c",
                f"{case.label} save throughput ({args.reps} reps)",
                f"{size / ours / 1e6:.0f} MB/s ({ms(ours)})",
                f"{size / base / 1e6:.0f} MB/s ({ms(base)})",
                ratio,
                f">= {TARGET:.1f}x",
                judge(args.smoke, ratio >= TARGET),
                note,
                {"times": times, "size_bytes": size},
            )
        )
        del case
    print_table(
        "P1c: write throughput of a save vs dd conv=fsync of the same byte count", rows, args
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
