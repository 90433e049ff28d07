"""Run at the start of every child Python of the tests (this folder is on their PYTHONPATH):
the torchvision shim beside it, before anything imports transformers."""

import torchvision_shim

torchvision_shim.install()
