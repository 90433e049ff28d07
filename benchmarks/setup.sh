#!/usr/bin/env bash
# Makes .venv-bench, the benchmarks' own environment: the [frameworks] extra of pyproject.toml,
# the peers that P1b compares with (mlflow, bentoml: they conflict with the main venv's pins,
# so they never go there), the kernel client for P5/P6 and two profilers. Our package is not
# built into it: a .pth file puts this checkout on its sys.path (no npm build, no build tools),
# as the tests' child Pythons do with PYTHONPATH.
#
#   bash benchmarks/setup.sh            # idempotent; does nothing when already up to date
#   .venv-bench/bin/python benchmarks/run_all.py
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
PYTHON=${PYTHON:-python3}
VENV=${BENCH_VENV:-.venv-bench}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
STAMP=$VENV/.installed

if [ -f "$STAMP" ] && [ "$STAMP" -nt pyproject.toml ] && [ "$STAMP" -nt benchmarks/setup.sh ]; then
  exit 0
fi

test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip)
"${PIP[@]}" install -q --upgrade pip

# The [frameworks] extra as pyproject.toml lists it, so the two never drift apart.
mapfile -t FRAMEWORKS < <("$VENV/bin/python" -c '
import tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["optional-dependencies"]["frameworks"]))')
mapfile -t BASE < <("$VENV/bin/python" -c '
import tomllib
with open("pyproject.toml", "rb") as f:
    print("\n".join(tomllib.load(f)["project"]["dependencies"]))')

# torch pinned to the CPU build (a range alone would pull a multi-GB CUDA build);
# bentoml>=1.4: without it the resolver falls back to the ancient bentoml 0.5 next to mlflow 3.
# Wheels only: an sdist build (old grpcio) on the resolver's way means a conflict, not a fix.
"${PIP[@]}" install -q --only-binary :all: \
  "torch==$TORCH_VERSION" "${FRAMEWORKS[@]}" "${BASE[@]}" \
  "mlflow>=3" "bentoml>=1.4" \
  "jupyter_client>=8" "ipykernel>=6.25" pytest \
  pyinstrument py-spy

SITE=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$REPO" > "$SITE/jupyterlab_models_checkout.pth"

"${PIP[@]}" check
"$VENV/bin/python" -c 'import jupyterlab_models, mlflow, bentoml; print("bench venv ready:", jupyterlab_models.__file__)'
touch "$STAMP"
