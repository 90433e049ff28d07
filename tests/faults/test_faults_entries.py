"""Issue #16, items 1, 3, 4 and 5: the store treats every entry it did not just create as
hostile. A link where the store expects its own directory or file is refused and never
followed, nothing is removed through a link, a FIFO never blocks, a manifest is read with size
and depth caps, one bad entry fails alone, and every error a load raises is a ModelStoreError
with a code. Each test failed on the store before this change (2630a60)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import blake3
import pytest

from jupyterlab_models import ModelStore, ModelStoreError
from tests.support.env import python_env

OLD = time.time() - 7200  # older than any gc age


def _outside(tmp_path: Path) -> Path:
    """A directory outside the store holding a precious file and things that look like the
    store's leftovers (an old staging directory, an old trash entry, a lock file)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("precious")
    (outside / "0123abcd").mkdir()
    (outside / "0123abcd" / "model.txt").write_text("not the store's")
    (outside / "m.lock").write_text("not a lock")
    for path in (outside / "0123abcd", outside / "0123abcd" / "model.txt", outside / "m.lock"):
        os.utime(path, (OLD, OLD))
    return outside


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every file below `root` with its bytes (None for a directory)."""
    found: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        found[str(path.relative_to(root))] = None if path.is_dir() else path.read_bytes()
    return found


def _store_with(tmp_path, clf, *names) -> ModelStore:
    store = ModelStore(tmp_path / "store")
    for name in names:
        store.save(clf, name)
    return store


# --- 1. links where the store expects its own entries -------------------------------------------


@pytest.mark.parametrize("entry", [".trash", ".staging", ".locks", ".numbers"])
def test_a_bookkeeping_directory_that_is_a_link_is_refused(tmp_path, clf, data, entry):
    """A git checkout (or a hostile teammate) can carry `.trash -> /somewhere`: saves, deletes
    and gc either work without it or fail with `integrity`; nothing outside is touched."""
    store = _store_with(tmp_path, clf, "m", "n")
    root = Path(store.location)
    outside = _outside(tmp_path)
    shutil.rmtree(root / entry, ignore_errors=True)
    os.symlink(outside, root / entry)
    before = _tree(outside)

    outcomes = {}
    for action, call in [
        ("save", lambda: store.save(clf, "m")),
        ("delete", lambda: store.delete("n")),
        ("gc", lambda: store.gc(older_than=0)),
    ]:
        try:
            call()
            outcomes[action] = "done"
        except ModelStoreError as exc:
            assert exc.code == "integrity", exc
            assert f"{entry} is a symbolic link" in exc.message
            outcomes[action] = "refused"

    assert _tree(outside) == before
    assert "refused" in outcomes.values()
    assert os.readlink(root / entry) == str(outside)  # refused, not "repaired"
    for info in store.list():
        assert store.load(info.name).predict(data[0]).shape == (len(data[0]),)


def test_a_lock_file_planted_as_a_link_is_never_written(tmp_path, clf):
    """`.locks/m.lock -> ~/precious`: filelock opened it for writing (truncating the target);
    the store now refuses it and the target keeps its bytes."""
    store = _store_with(tmp_path, clf, "other")
    outside = _outside(tmp_path)
    locks = Path(store.location) / ".locks"
    locks.mkdir(exist_ok=True)
    os.symlink(outside / "keep.txt", locks / "m.lock")
    with pytest.raises(ModelStoreError) as failure:
        store.save(clf, "m")
    assert failure.value.code == "integrity" and "symbolic link" in failure.value.message
    assert (outside / "keep.txt").read_text() == "precious"
    assert [m.name for m in store.list()] == ["other"]


def test_gc_removes_a_planted_staging_lock_link_not_its_target(tmp_path, clf):
    store = _store_with(tmp_path, clf, "m")
    outside = _outside(tmp_path)
    staging = Path(store.location) / ".staging"
    staging.mkdir(exist_ok=True)
    (staging / "feed").mkdir()
    os.symlink(outside / "keep.txt", staging / "feed.lock")
    os.symlink(outside / "0123abcd", staging / "cafe")
    for path in (staging / "feed",):
        os.utime(path, (OLD, OLD))
    for link in ("feed.lock", "cafe"):
        os.utime(staging / link, (OLD, OLD), follow_symlinks=False)
    before = _tree(outside)
    removed = store.gc(older_than=3600)
    assert sorted(removed) == [".staging/cafe", ".staging/feed"]
    assert os.listdir(staging) == []
    assert _tree(outside) == before


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _unlisted_file(path: Path) -> None:
    path.write_bytes(b"a file the manifest does not list")


def _link_to_a_file_of_the_store(path: Path) -> None:
    os.symlink(path.parent / "manifest.json", path)


def _directory(path: Path) -> None:
    path.mkdir()
    (path / "inside.bin").write_bytes(b"x")


@pytest.mark.parametrize(
    "plant",
    [_unlisted_file, _fifo, _link_to_a_file_of_the_store, _directory],
    ids=["unlisted-file", "fifo", "link", "directory"],
)
def test_a_version_holds_exactly_its_listed_files(tmp_path, clf, data, plant):
    """Load reads exactly the files the manifest lists, each a regular file reached without a
    link: a version with any other entry fails with `integrity`, alone."""
    store = _store_with(tmp_path, clf, "m", "n")
    plant(Path(store.location) / "m" / "1" / "extra.bin")
    with pytest.raises(ModelStoreError) as failure:
        store.load("m")
    assert failure.value.code == "integrity"
    assert "'extra.bin" in failure.value.message
    report = store.verify()
    assert [(p.name, p.version, p.code) for p in report.bad] == [("m", 1, "integrity")]
    assert store.load("n").predict(data[0]).shape == (len(data[0]),)


def test_a_listed_file_that_is_a_directory_is_refused(tmp_path, clf):
    store = _store_with(tmp_path, clf, "m")
    model = Path(store.location) / "m" / "1" / "model.txt"
    size = model.stat().st_size
    model.unlink()
    _directory(model)
    with pytest.raises(ModelStoreError) as failure:
        store.load("m")
    assert failure.value.code == "integrity" and "a directory" in failure.value.message
    assert size > 0


# --- 3. never block, cap what is parsed ----------------------------------------------------------

NO_HANG = textwrap.dedent(
    """
    import json, sys
    from jupyterlab_models import ModelStore, ModelStoreError
    store = ModelStore(sys.argv[1])
    out = {"listed": [m.name for m in store.list()]}
    out["skipped"] = [s.name for s in store.listing().skipped]
    for call in ("info", "load"):
        try:
            getattr(store, call)("m")
            out[call] = "ok"
        except ModelStoreError as exc:
            out[call] = exc.code
    out["bad"] = [p.name for p in store.verify().bad]
    print(json.dumps(out))
    """
)


def _run(code: str, *args: str, prefix: list[str] | None = None, timeout: float = 120) -> dict:
    """Run `code` in a fresh Python; a hang fails the test (TimeoutExpired)."""
    done = subprocess.run(
        [*(prefix or []), sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=python_env(),
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("where", ["manifest", "cache-file", "model-file"])
def test_a_fifo_never_blocks(tmp_path, clf, where):
    """open() of a FIFO waits for a writer forever: the store opens non-blocking and
    requires a regular file, so a planted FIFO fails alone and at once."""
    store = _store_with(tmp_path, clf, "m", "n")
    root = Path(store.location)
    target = {
        "manifest": root / "m" / "1" / "manifest.json",
        "cache-file": root / ".list-cache.json",
        "model-file": root / "m" / "1" / "model.txt",
    }[where]
    target.unlink(missing_ok=True)
    os.mkfifo(target)
    started = time.monotonic()
    out = _run(NO_HANG, store.location, timeout=60)
    assert time.monotonic() - started < 60
    if where == "manifest":
        assert out == {
            "listed": ["n"],
            "skipped": ["m"],
            "info": "integrity",
            "load": "integrity",
            "bad": ["m"],
        }
    elif where == "cache-file":
        assert out == {"listed": ["m", "n"], "skipped": [], "info": "ok", "load": "ok", "bad": []}
    else:
        assert out["listed"] == ["m", "n"] and out["load"] == "integrity"
        assert out["bad"] == ["m"]


def _manifest_path(store: ModelStore, name: str, version: int = 1) -> Path:
    return Path(store.location) / name / str(version) / "manifest.json"


def test_a_deeply_nested_manifest_fails_alone(tmp_path, clf, data):
    """json.loads recursed until RecursionError, which escaped and broke every list()."""
    store = _store_with(tmp_path, clf, "m", "n")
    path = _manifest_path(store, "m")
    text = path.read_text()
    path.write_text(
        text.replace('"extra": {', '"extra": {"deep": ' + "[" * 100_000 + "]" * 100_000 + ", ", 1)
    )
    assert [m.name for m in store.list()] == ["n"]
    (skipped,) = store.listing().skipped
    assert (skipped.name, skipped.version) == ("m", 1) and "levels deep" in skipped.reason
    with pytest.raises(ModelStoreError) as failure:
        store.info("m", 1)
    assert failure.value.code == "integrity"
    report = store.verify()
    assert [(p.name, p.code) for p in report.bad] == [("m", "integrity")]
    assert store.load("n").predict(data[0]).shape == (len(data[0]),)


def test_a_huge_manifest_is_not_read(tmp_path, clf):
    store = _store_with(tmp_path, clf, "m", "n")
    path = _manifest_path(store, "m")
    text = path.read_text()
    path.write_text(text[:-2] + " " * (17 << 20) + text[-2:])  # valid JSON, 17 MiB
    assert [m.name for m in store.list()] == ["n"]
    (skipped,) = store.listing().skipped
    assert skipped.name == "m" and "over" in skipped.reason


# --- 4. one bad entry fails alone; a read error is worded as one ---------------------------------

UNREADABLE = textwrap.dedent(
    """
    import json, sys
    from jupyterlab_models import ModelStore, ModelStoreError
    store = ModelStore(sys.argv[1])
    out = {"listed": [m.name for m in store.list()]}
    out["skipped"] = [[s.name, s.version] for s in store.listing().skipped]
    for name in ("b", "c"):
        try:
            store.load(name)
            out[name] = "ok"
        except ModelStoreError as exc:
            out[name] = [exc.code, exc.message]
    report = store.verify()
    out["bad"] = [[p.name, p.version] for p in report.bad]
    out["checked"] = [list(c) for c in report.checked]
    print(json.dumps(out))
    """
)

# As root, file modes do not apply; without these capabilities root is held to them like any
# user (the files below are root's own, so their owner bits decide).
NO_DAC = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search",
    "--inh-caps=-dac_override,-dac_read_search",
]


def test_unreadable_entries_fail_alone(tmp_path, clf):
    """A model directory and a model file that cannot be read: list() skips the first and
    says so, verify reports both and checks the rest, loads say why; nothing says the store
    could not be changed."""
    store = _store_with(tmp_path, clf, "a", "b", "c")
    store.list()
    root = Path(store.location)
    os.chmod(root / "b", 0)
    os.chmod(root / "c" / "1" / "model.txt", 0)
    try:
        out = _run(UNREADABLE, store.location, prefix=NO_DAC)
    finally:
        os.chmod(root / "b", 0o755)
        os.chmod(root / "c" / "1" / "model.txt", 0o644)
    assert out["listed"] == ["a", "c"]
    assert out["skipped"] == [["b", None]]
    assert out["b"][0] == "internal" and "no permission to read" in out["b"][1]
    assert out["c"][0] == "internal" and "no permission to read" in out["c"][1]
    assert "change the store" not in out["b"][1] + out["c"][1]
    assert sorted(map(tuple, out["bad"])) == [("b", None), ("c", 1)]
    assert ["a", 1] in out["checked"]


# --- 5. every error of a load is a ModelStoreError with a code --------------------------------


def _replace_file(store: ModelStore, name: str, path: str, data: bytes) -> None:
    """Replace a stored file and record its true size and digest: the checksums pass."""
    version = Path(store.location) / name / "1"
    (version / path).write_bytes(data)
    manifest = json.loads((version / "manifest.json").read_text())
    for entry in manifest["files"]:
        if entry["path"] == path:
            entry["size"] = len(data)
            entry["digest"] = "blake3:" + blake3.blake3(data).hexdigest()
    manifest["size_bytes"] = sum(e["size"] for e in manifest["files"])
    (version / "manifest.json").write_text(json.dumps(manifest))


def test_a_library_parse_error_on_verified_bytes_is_integrity(tmp_path, clf):
    store = _store_with(tmp_path, clf, "m")
    _replace_file(store, "m", "model.txt", b"this is not a LightGBM model\n")
    with pytest.raises(ModelStoreError) as failure:
        store.load("m")
    assert failure.value.code == "integrity"
    assert "lightgbm cannot load it" in failure.value.message


def test_a_missing_field_in_extra_is_integrity(tmp_path, clf):
    store = _store_with(tmp_path, clf, "m")
    path = _manifest_path(store, "m")
    manifest = json.loads(path.read_text())
    del manifest["extra"]["objective"]
    path.write_text(json.dumps(manifest))
    with pytest.raises(ModelStoreError) as failure:
        store.load("m")
    assert failure.value.code == "integrity" and "KeyError" in failure.value.message


def test_a_version_deleted_while_it_loads_is_not_found(tmp_path, clf, monkeypatch):
    store = _store_with(tmp_path, clf, "m")
    store.save(clf, "m")
    other = ModelStore(store.location)  # another process, as far as the store can tell
    real_info = store.info

    def info_then_deleted(name, version=None):
        info = real_info(name, version)
        other.delete(name, info.version)
        return info

    monkeypatch.setattr(store, "info", info_then_deleted)
    with pytest.raises(ModelStoreError) as failure:
        store.load("m", 2)
    assert failure.value.code == "not_found"


def test_an_unknown_load_option_is_the_callers_type_error(tmp_path, clf):
    """Not a damaged model: the caller's mistake, raised as Python raises it, before any file
    is read (the library's own errors on stored bytes are `integrity`, above)."""
    store = _store_with(tmp_path, clf, "m")
    with pytest.raises(TypeError, match="trusted_types"):
        store.load("m", trusted_types=["x"])
