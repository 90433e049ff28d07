"""Run by every child Python of the tests (support/env.py puts this folder on PYTHONPATH):
the torchvision shim of support/torchvision_shim.py, before anything imports transformers."""

from tests.support.torchvision_shim import install

install()
