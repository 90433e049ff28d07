"""The conformance subset in `make test` (the full suite: `make conformance`): a few cases of
every family, each must round-trip or be refused with its reason; and the suite can fail."""

from __future__ import annotations

import pytest

from .common import Case
from .runner import FAILURE, FAMILIES, REFUSED, ROUND_TRIP, family_cases, run_family

# The refusals the subset holds on purpose, each with what its reason must say.
EXPECTED_REFUSALS = {
    "Lambda layer": "lambda",
    "Birch": "skops cannot store",
    "weight_norm parametrization (pt)": "parametrized",
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_subset_round_trips_or_is_refused_with_its_reason(family, tmp_path):
    cases = [case for case in family_cases(family) if case.subset]
    assert len(cases) >= 3, family
    results = run_family(family, cases, tmp_path)
    assert [r.case for r in results] == [c.id for c in cases]
    for r in results:
        assert r.result in (ROUND_TRIP, REFUSED), (r.case, r.reason)
        if r.result == REFUSED:
            assert EXPECTED_REFUSALS[r.case] in r.reason.lower(), r.reason
    assert sum(r.result == ROUND_TRIP for r in results) >= len(cases) - 1


def _linear():
    from sklearn.linear_model import LinearRegression

    from .common import rng

    X = rng().normal(size=(20, 3))
    return LinearRegression().fit(X, X[:, 0]), {}


def test_a_failure_is_reported_as_one(tmp_path):
    """Other outputs after the load, a load that fails, and a raw exception at save are each
    a failure with its reason: the suite can fail."""
    calls = {"n": 0}

    def drifting(model):  # other outputs on each call: as if the loaded copy differed
        calls["n"] += 1
        return [float(calls["n"])]

    cases = [
        Case("raw exception at save", lambda: (_linear()[0], {"no_such_option": 1}), drifting),
        Case("build fails", lambda: 1 / 0, drifting),
    ]
    results = {r.case: r for r in run_family("scikit-learn", cases, tmp_path)}
    assert results["raw exception at save"].result == FAILURE
    assert "TypeError" in results["raw exception at save"].reason
    assert results["build fails"].result == FAILURE
    assert "ZeroDivisionError" in results["build fails"].reason


def test_different_outputs_are_a_failure(tmp_path):
    """The fresh process computes the outputs of the scikit-learn family's LogisticRegression
    case; the parent expects other ones: a failure that names the difference."""

    case = next(c for c in family_cases("scikit-learn") if c.id == "LogisticRegression")
    wrong = Case(case.id, case.build, lambda model: {"predict": [99]})
    (result,) = run_family("scikit-learn", [wrong], tmp_path)
    assert result.result == FAILURE
    assert "other outputs after loading" in result.reason
