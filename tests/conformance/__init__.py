"""Conformance suite (issue #14): models built from the libraries' own catalogues, saved
through ModelStore, loaded in a fresh Python with pickle blocked, compared on fixed inputs.

`python -m tests.conformance --all --write docs/CONFORMANCE.md` runs every case (`make
conformance`); tests/conformance/test_conformance.py runs the subset marked `subset` in `make
test`. Nothing is imported here: the child process installs its pickle guard first.
"""
