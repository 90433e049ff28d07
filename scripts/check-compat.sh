#!/usr/bin/env bash
# One row of the compatibility matrix (issue #20): a fresh venv with the given JupyterLab or
# Notebook release and the built wheel; `jupyter labextension list` must show the extension OK,
# then the Playwright smoke test (ui-tests/tests-compat) drives that server in Chromium.
#
#   scripts/check-compat.sh LABEL lab|notebook PORT WHEEL PIP_REQUIREMENT...
set -euo pipefail
cd "$(dirname "$0")/.."
label=$1 ui=$2 port=$3 wheel=$4
shift 4
venv=.make/compat/$label
start=$SECONDS

rm -rf "$venv"
python3 -m venv "$venv"
# LightGBM: the smallest model library to install (numpy, scipy) for the smoke test's model.
# --no-compile: Python compiles what it imports; compiling all of JupyterLab took minutes.
"$venv/bin/python" -m pip install -q --no-compile "$@" "$wheel" lightgbm
versions=$("$venv/bin/python" -c 'import importlib.metadata as m
print(" ".join(f"{p}=={m.version(p)}" for p in ("jupyterlab", "notebook", "ipykernel", "jupyter_server") if __import__("importlib.util").util.find_spec(p.replace("-", "_"))))')
# No "receive Jupyter news?" toast over the panel's buttons.
mkdir -p "$venv/share/jupyter/lab/settings"
echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}' \
  >"$venv/share/jupyter/lab/settings/overrides.json"
echo "[$label] installed: $versions ($((SECONDS - start)) s)"

listing=$("$venv/bin/jupyter" labextension list 2>&1)
if ! echo "$listing" | grep -qE 'jupyterlab-models v[0-9.]+ .*enabled.*OK' \
  || echo "$listing" | grep -q 'is not compatible'; then
  echo "[$label] jupyterlab-models is not listed as enabled OK:"; echo "$listing"; exit 1
fi
echo "[$label] jupyter labextension list: jupyterlab-models enabled OK"

cd ui-tests
PATH="$PWD/../$venv/bin:$PATH" COMPAT_UI=$ui COMPAT_LABEL=$label \
  JUPYTERLAB_COMPAT_TEST_PORT=$port CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium} \
  npx playwright test --config playwright.compat.config.js
echo "[$label] passed in $((SECONDS - start)) s"
