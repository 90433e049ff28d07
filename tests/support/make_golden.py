"""Write tests/golden/: one tiny saved model per format id, and what each computes.

Run only when a format is added (`python -m tests.support.make_golden`); the files are
committed so that a later library upgrade that cannot read them fails store/test_golden.py.
"""

from __future__ import annotations

import json
import shutil

from jupyterlab_models import ModelStore
from tests.support import tiny_models
from tests.support.env import GOLDEN


def main() -> None:
    shutil.rmtree(GOLDEN, ignore_errors=True)
    store = ModelStore(GOLDEN / "store")
    expected = {}
    for format_id in sorted(tiny_models.BUILDERS):
        model, options = tiny_models.build(format_id)
        store.save(model, format_id, description="golden file", **options)
        expected[format_id] = tiny_models.outputs(format_id, model)
    for scratch in (".staging", ".locks", ".trash"):
        shutil.rmtree(GOLDEN / "store" / scratch, ignore_errors=True)
    (GOLDEN / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print(f"wrote {len(expected)} golden models to {GOLDEN}")


if __name__ == "__main__":
    main()
