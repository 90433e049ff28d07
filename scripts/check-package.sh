#!/usr/bin/env bash
# The wheel, installed with JupyterLab into a fresh venv, is a working prebuilt extension
# and pulls in no ML library.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

.venv/bin/python -m pip wheel -q --no-deps --no-build-isolation -w "$work/dist" .
python3 -m venv "$work/venv"
# The [lab] extra brings the JupyterLab the extension needs (a plain install brings none).
wheel=$(ls "$work"/dist/jupyterlab_models-*.whl)
"$work/venv/bin/python" -m pip install -q "$wheel[lab]"

listing=$("$work/venv/bin/jupyter" labextension list 2>&1)
echo "$listing" | grep -E 'jupyterlab-models v[0-9.]+ .*enabled.*OK' \
  || { echo "jupyterlab-models is not listed as enabled OK:"; echo "$listing"; exit 1; }
servers=$("$work/venv/bin/jupyter" server extension list 2>&1)
echo "$servers" | grep -E 'jupyterlab_models .*enabled' >/dev/null \
  && echo "$servers" | grep -E 'jupyterlab_models [0-9.]+ .*OK' >/dev/null \
  || { echo "the server extension jupyterlab_models is not enabled OK:"; echo "$servers"; exit 1; }
for lib in lightgbm xgboost catboost torch tensorflow onnx sklearn; do
  if "$work/venv/bin/python" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('$lib') is None)"; then
    echo "the package pulled in $lib"; exit 1
  fi
done
"$work/venv/bin/jupyter" models --help >/dev/null
"$work/venv/bin/python" -c 'import jupyterlab' \
  || { echo "the [lab] extra did not install JupyterLab"; exit 1; }
echo "package check passed: prebuilt extension and server extension enabled OK, no ML library installed"
