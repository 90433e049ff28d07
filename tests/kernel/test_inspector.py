from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import lightgbm

from jupyterlab_models.inspector import scan
from tests.support.env import python_env


class Hostile:
    """Any call on it other than looking at its type is a failure of the scan."""

    def __repr__(self):
        raise AssertionError("repr called")

    __str__ = __len__ = __bool__ = __eq__ = __hash__ = __iter__ = __repr__

    def __getattr__(self, name):
        raise AssertionError(f"attribute {name} read")


class HostileClassifier(lightgbm.LGBMClassifier):
    def __repr__(self):
        raise AssertionError("repr called")

    __str__ = __len__ = __bool__ = __repr__


class Liar:
    """Claims to be a classifier through __class__; type() is not fooled."""

    @property
    def __class__(self):
        return lightgbm.LGBMClassifier


def test_finds_models_and_skips_the_rest(clf, data):
    X, y = data
    booster = lightgbm.train({"verbose": -1}, lightgbm.Dataset(X, y), num_boost_round=2)
    namespace = {
        "zeta": clf,
        "booster": booster,
        "reg": lightgbm.LGBMRegressor(),  # unfitted: still listed, saving it explains why not
        "_hidden": clf,
        "X": X,
        "lightgbm": lightgbm,
        "cls": lightgbm.LGBMClassifier,  # the class itself is not a model
        "hostile": Hostile(),
        "liar": Liar(),
        "sub": HostileClassifier(),
    }
    found = [v.to_dict() for v in scan(namespace)]
    assert found == [
        {
            "name": "booster",
            "library": "lightgbm",
            "class": "lightgbm.basic.Booster",
            "format": "lgbm",
        },
        {
            "name": "reg",
            "library": "lightgbm",
            "class": "lightgbm.sklearn.LGBMRegressor",
            "format": "lgbm",
        },
        {
            "name": "sub",
            "library": "lightgbm",
            "class": f"{__name__}.HostileClassifier",
            "format": "lgbm",
        },
        {
            "name": "zeta",
            "library": "lightgbm",
            "class": "lightgbm.sklearn.LGBMClassifier",
            "format": "lgbm",
        },
    ]


def test_scan_imports_nothing():
    """In a fresh interpreter without LightGBM loaded, scanning imports no module at all."""
    code = textwrap.dedent(
        """
        import json, sys
        from jupyterlab_models.inspector import scan

        # Looks like LightGBM's class, but LightGBM is not loaded so it cannot be one.
        Fake = type("LGBMClassifier", (), {"__module__": "lightgbm.sklearn"})
        namespace = {"a": 1, "b": Fake(), "c": [1, 2], "d": object(), "e": json}
        before = set(sys.modules)
        found = scan(namespace)
        print(json.dumps({"found": len(found), "new": sorted(set(sys.modules) - before),
                          "lightgbm": "lightgbm" in sys.modules}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=python_env(), capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == {"found": 0, "new": [], "lightgbm": False}
