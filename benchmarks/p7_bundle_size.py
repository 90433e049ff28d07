"""P7: the size of the extension's own JavaScript, minified (production build).

`npm run build:prod` of the current src/, style/ and schema/, made in a temporary copy of the
project (node_modules linked), so that the checkout's dev build in jupyterlab_models/labextension
is left as it is. Counted: every .js file of the built labextension's static/ (remoteEntry,
our chunks, style): the shared JupyterLab/Lumino/React packages are not in it, JupyterLab
provides them. Source maps are not counted. Target: <= 150 KB (KB = 1,000 bytes; the KiB and
gzip figures are in the note).

--smoke measures the checkout's existing build (the dev build, not minified) without building.

    python benchmarks/p7_bundle_size.py [--smoke]
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import REPO, Row, judge, parse_args, print_table

TARGET_BYTES = 150_000
COPIED = (
    "package.json",
    "tsconfig.json",
    "install.json",
    "README.md",
    "LICENSE",
    "babel.config.js",
)
COPIED_DIRS = ("src", "style", "schema")


def js_sizes(static: Path) -> dict[str, tuple[int, int]]:
    """{file: (bytes, gzipped bytes)} of every .js in a built static/ directory."""
    sizes = {}
    for path in sorted(static.glob("*.js")):
        data = path.read_bytes()
        sizes[path.name] = (len(data), len(gzip.compress(data, 9)))
    return sizes


def prod_build(work: Path) -> Path:
    project = work / "project"
    project.mkdir()
    for name in COPIED:
        if (REPO / name).exists():
            shutil.copy2(REPO / name, project / name)
    for name in COPIED_DIRS:
        shutil.copytree(REPO / name, project / name, ignore=shutil.ignore_patterns("__tests__"))
    os.symlink(REPO / "node_modules", project / "node_modules")
    env = dict(os.environ)
    # `jupyter labextension build` comes from JupyterLab, which is in the project's main venv
    # (the benchmark venv has no JupyterLab).
    main_bin = REPO / ".venv" / "bin"
    if main_bin.is_dir():
        env["PATH"] = f"{main_bin}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run(
        ["npm", "run", "build:prod"], cwd=project, env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"npm run build:prod failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return project / "jupyterlab_models" / "labextension" / "static"


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], reps=1)
    work = Path(tempfile.mkdtemp(prefix="bench-p7-", dir=os.environ.get("BENCH_DIR")))
    try:
        if args.smoke:
            static = REPO / "jupyterlab_models" / "labextension" / "static"
            build = "existing dev build"
            if not static.is_dir():  # smoke only: a full run always builds
                print(f"P7 smoke: no build at {static} (make build makes one): nothing to measure")
                static = work  # empty: 0 files
                build = "no build found"
        else:
            static = prod_build(work)
            build = "production build"
        sizes = js_sizes(static)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = sum(size for size, _gz in sizes.values())
    gz = sum(g for _size, g in sizes.values())
    files = ", ".join(f"{name} {size / 1000:.1f} KB" for name, (size, _g) in sizes.items())
    rows = [
        Row(
            "P7",
            f"extension JS, {build} ({len(sizes)} files)",
            f"{total / 1000:.1f} KB",
            "",
            total / TARGET_BYTES,
            f"<= {TARGET_BYTES // 1000} KB",
            judge(args.smoke, total <= TARGET_BYTES),
            f"{total / 1024:.1f} KiB, {gz / 1000:.1f} KB gzipped; ratio = size / target; {files}",
            {"files": sizes},
        )
    ]
    print_table("P7: the extension's own JavaScript", rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
