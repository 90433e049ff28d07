#!/usr/bin/env bash
# Kernel environments of the oldest and newest Pythons the package supports, with ipykernel 6
# and 7 (issue #20): .make/kernel-pythons/py<X.Y>-ipykernel<N>, each a fresh venv with the built
# wheel, that ipykernel and LightGBM (the model of tests/compat/test_kernel_pythons.py).
# The Pythons come from pyenv (installed with `pyenv install` when missing).
#
#   scripts/kernel-pythons.sh WHEEL
set -euo pipefail
cd "$(dirname "$0")/.."
wheel=$1
root=.make/kernel-pythons
# ipykernel 7 needs Python >= 3.10, so Python 3.9 runs with ipykernel 6 only.
envs=("3.9 6" "3.13 6" "3.13 7")

# pyenv from PATH, else where its installer puts it.
pyenv=$(command -v pyenv || echo "${PYENV_ROOT:-$HOME/.pyenv}/bin/pyenv")

python_of() {  # the newest pyenv Python X.Y.Z of the minor version $1
  local found
  found=$(ls -d "$("$pyenv" root)/versions/$1".[0-9]*/bin/python 2>/dev/null | sort -V | tail -1)
  if [ -z "$found" ]; then
    "$pyenv" install --skip-existing "$1" >&2
    found=$(ls -d "$("$pyenv" root)/versions/$1".[0-9]*/bin/python | sort -V | tail -1)
  fi
  echo "$found"
}

for env in "${envs[@]}"; do
  read -r minor ipykernel <<<"$env"
  venv=$root/py$minor-ipykernel$ipykernel
  rm -rf "$venv"
  "$(python_of "$minor")" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --no-compile "$wheel" "ipykernel==$ipykernel.*" lightgbm
  echo "$venv: $("$venv/bin/python" -c 'import sys, ipykernel; print(sys.version.split()[0], "ipykernel", ipykernel.__version__)')"
done
