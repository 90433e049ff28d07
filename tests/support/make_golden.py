"""Write tests/golden/: one tiny saved model per format id, and what each computes.

Run only when a format is added (`python -m tests.support.make_golden`); the files are
committed so that a later library upgrade that cannot read them fails store/test_golden.py.
The models already there are never rewritten: `store` stays what jupyterlab-models wrote
before BLAKE3 (schema 1, sha256), and a format added since goes into `store-blake3`, with the
models it refers to (an adapter's base: tiny_models.BASES).
"""

from __future__ import annotations

import json
import shutil

from jupyterlab_models import ModelStore
from tests.support import tiny_models
from tests.support.env import GOLDEN, GOLDEN_STORES


def main() -> None:
    path = GOLDEN / "expected.json"
    expected = json.loads(path.read_text()) if path.exists() else {}
    new = GOLDEN_STORES[-1]
    store = ModelStore(new)
    added = []
    for format_id in sorted(set(tiny_models.BUILDERS) - set(expected)):
        if format_id in tiny_models.BASES:
            base_name, build_base = tiny_models.BASES[format_id]
            store.save(build_base(), base_name, description="golden file: a base")
        model, options = tiny_models.build(format_id)
        store.save(model, format_id, description="golden file", **options)
        expected[format_id] = tiny_models.outputs(format_id, model)
        added.append(format_id)
    for scratch in (".staging", ".locks", ".trash", ".numbers", ".list-cache"):
        target = new / scratch
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    path.write_text(json.dumps(expected, indent=1) + "\n")
    print(f"added golden models of {', '.join(added) or 'no format'} to {new}")


if __name__ == "__main__":
    main()
