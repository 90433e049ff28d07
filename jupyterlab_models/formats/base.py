"""What a format is: the `Format` protocol that every module of this package implements (one
module per library, as MLflow has one per flavor), and the helpers they share.

Format modules import their library only inside `save`/`load`: detection (the registry in
`__init__.py`) imports nothing.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, Protocol

from ..manifest import ModelInfo
from ..protocol import LIBRARY_MISSING, ModelStoreError
from ..storage.files import FileWriter
from ..storage.verified import VersionFiles

# The writer of a format called outside a store (it only writes); a store passes its own.
PLAIN_WRITER = FileWriter()


class Format(Protocol):
    """A module of this package that saves and loads the objects of one library."""

    FORMAT_ID: str  # the manifest's `format`
    LIBRARY: str  # the import name of the library
    PIP_PACKAGE: str  # what to `pip install` to load it
    MODULES: tuple[str, ...]  # top-level modules whose classes it accepts
    TYPES: tuple[str, ...]  # class paths (`module.QualName`) it accepts, matched in the MRO

    def save(
        self, obj: Any, directory: str, *, writer: FileWriter = ..., **options: Any
    ) -> dict[str, Any]:
        """Write `obj`'s files into `directory` and return the manifest's `extra`. Bytes held
        in memory go through `writer` (a store's writer hashes them on the way). `options`
        are the format's own keywords (e.g. `example_inputs` for "pt2"); an unknown one
        raises TypeError."""

    def load(self, files: VersionFiles, info: ModelInfo, **options: Any) -> Any:
        """The object stored in the version's `files`: `files.read(path)` gives a file's
        bytes, read once and verified (for libraries that parse bytes: what was hashed is
        what is parsed), `files.directory` a local directory whose files were all verified
        first (for libraries that only open paths)."""

    def library_versions(self) -> dict[str, str]:
        """Installed versions of the distributions it needs, the library's own first (the
        one `version_warnings` compares)."""


# Optional, for formats that need them (store.py looks for each):
# - `describe(obj)`: what `obj` takes and gives, as the library tells it without running it
#   (the model card's signature, formats/signature.py): snake_case keys; `inputs`/`outputs` as
#   lists of {name, shape, dtype}; e.g. `classes`, `feature_names`, `n_features`, `parameters`,
#   `layers`, `trees`; a key the library cannot tell left out (or None). A format that learns
#   these facts while it writes (the Hugging Face ones) returns them from `save` as
#   `extra["signature"]` instead;
# - a `store` keyword of `save` or `load`: the ModelStore itself, for a format that refers to
#   other models of the store (peft_adapter: an adapter's base);
# - `substitute(obj, options)`: (object, format id) to save in `obj`'s place, or None
#   (peft_adapter with merge=True: the merged model, as hf_transformers);
# - `KEEPS_ORIGIN = True`: the store remembers which of its models an object was saved as or
#   loaded from (origins.py; hf_transformers, for the adapters made on it).


class OptionError(TypeError):
    """A wrong option given to a format's `save` or `load`: the caller's mistake, raised as it
    is (a failure of the library on stored bytes becomes `integrity` instead)."""


def class_path(cls: type) -> str:
    return f"{getattr(cls, '__module__', '?')}.{getattr(cls, '__qualname__', '?')}"


def matched_type(obj: Any, fmt: Format) -> str | None:
    """The first class path in the MRO of `obj` that `fmt` accepts, or None."""
    for cls in type(obj).__mro__:
        path = class_path(cls)
        if path in fmt.TYPES:
            return path
    return None


def import_library(module: str, pip_package: str) -> ModuleType:
    """Import a library a format needs to load, or fail with `library_missing`."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ModelStoreError(
            LIBRARY_MISSING,
            f"loading this model needs {module!r}, which is not importable in this Python "
            f"({exc}); install it with: pip install {pip_package}",
        ) from exc
