"""The package's shape (issue #18): every import of jupyterlab_models read from the source (top
level, inside functions, under TYPE_CHECKING); no import cycle among its modules, no private
name imported from another module, no module over the size a reader takes in at once, and
every registered format implementing the Format protocol."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from jupyterlab_models import formats
from jupyterlab_models.storage.files import FileWriter

PACKAGE = Path(__file__).resolve().parents[2] / "jupyterlab_models"
MAX_LINES = 420  # "no module over ~400 lines"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "labextension" in path.parts:
            continue
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def imports(module: str) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) of every import in `module` that names
    a module of the package."""
    package = module if _is_package(module) else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in MODULES:  # `from . import x` of a module x
                    found.append((submodule, None, node.lineno))
                else:
                    found.append((source, alias.name, node.lineno))
    return [(m, n, line) for m, n, line in found if m.split(".")[0] == "jupyterlab_models"]


def test_the_import_reader_sees_every_kind_of_import():
    """The reader finds imports inside functions and under TYPE_CHECKING, relative and
    absolute, of modules and of names (checked on modules known to have each kind)."""
    store = {m for m, _n, _l in imports("jupyterlab_models.store")}
    assert {"jupyterlab_models.formats", "jupyterlab_models.storage"} <= store
    opened = {m for m, _n, _l in imports("jupyterlab_models.storage")}
    assert "jupyterlab_models.storage.remote" in opened  # imported inside open_storage
    assert ("jupyterlab_models.formats.catboost", None) in {
        (m, n) for m, n, _l in imports("jupyterlab_models.formats")
    }


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for module in MODULES:
        for target, _name, _line in imports(module):
            if target in MODULES and target != module:
                graph[module].add(target)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for following in sorted(graph[node]):
            if state.get(following) == 1:
                return path[path.index(following) :] + [following]
            if following not in state:
                found = visit(following)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycle():
    assert _cycle(_graph()) is None


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert _cycle(graph) == ["a", "b", "c", "a"]


def test_no_private_name_imported_from_another_module():
    private = [
        f"{module}:{line} imports {name} from {target}"
        for module in MODULES
        for target, name, line in imports(module)
        if name is not None
        and name.startswith("_")
        and not (name.startswith("__") and name.endswith("__"))
        and target != module
    ]
    assert private == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_too_long_to_read(module):
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines"


@pytest.mark.parametrize("fmt", formats.FORMATS, ids=lambda fmt: fmt.FORMAT_ID)
def test_every_format_implements_the_format_protocol(fmt):
    for attribute in ("FORMAT_ID", "LIBRARY", "PIP_PACKAGE"):
        assert isinstance(getattr(fmt, attribute), str) and getattr(fmt, attribute)
    for attribute in ("MODULES", "TYPES"):
        value = getattr(fmt, attribute)
        assert isinstance(value, tuple) and value and all(isinstance(v, str) for v in value)
    assert fmt.LIBRARY in fmt.MODULES
    save = inspect.signature(fmt.save).parameters
    assert list(save)[:2] == ["obj", "directory"]
    assert save["writer"].kind is inspect.Parameter.KEYWORD_ONLY
    assert isinstance(save["writer"].default, FileWriter)
    assert list(inspect.signature(fmt.load).parameters)[:2] == ["files", "info"]
    assert isinstance(fmt.library_versions(), dict)
