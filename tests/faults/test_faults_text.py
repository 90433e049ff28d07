"""What `jupyter models` prints of a hostile store.

A store is shared: whoever can write a manifest (or name the store's directory) chooses the
text the CLI shows. Every command is run on a store whose descriptions, notebook and variable
fields, library/type/format strings, user, file paths and location carry terminal escape
sequences, C0 and C1 controls, DEL, bidi overrides and isolates, zero-width and tag characters,
line and paragraph separators, and a file name that is not UTF-8 (a lone surrogate in Python);
each output is checked to hold none of them raw (an independent check by Unicode category), to
show them as escapes, and (with --json) to give back every value exactly. A manifest with a lone
surrogate, which no store writes, is left out of listings. Then the entries a listing leaves
out: `list` names each on stderr, after its table, and in --json as "skipped".
"""

from __future__ import annotations

import json
import os
import unicodedata
import warnings
from pathlib import Path

import pytest

from jupyterlab_models import ModelStore, ModelStoreError
from jupyterlab_models.cli import main

# What a terminal acts on or hides: clear the screen, set the window title, a bell, NUL, DEL,
# the C1 CSI, a bidi override and isolate, zero-width characters, a BOM, a tag character, a
# line separator, a tab and a newline. Letters of other scripts must come out as they are.
NASTY = (
    "\x1b[2J\x1b]0;owned\x07\x00\x7f\x9b31m"
    "\u202egpj.exe\u2066x\u2069\u200b\u200d\ufeff\U000e0041\u2028\t\nmodèle 日本"
)
RAW_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def raw_hidden(text: str) -> list[str]:
    """The characters of `text` that a terminal would act on or hide (newlines between lines
    of output aside)."""
    return [
        f"U+{ord(c):04X}" for c in text if c != "\n" and unicodedata.category(c) in RAW_CATEGORIES
    ]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert raw_hidden(out) == [] and raw_hidden(err) == [], (out, err)
    return code, out, err


def _forge(store: ModelStore, name: str, version: int, **fields) -> None:
    """Rewrite fields of a version's manifest as a writer of the store could."""
    path = Path(store.location, name, str(version), "manifest.json")
    manifest = json.loads(path.read_text())
    manifest.update(fields)
    path.write_text(json.dumps(manifest))  # ASCII, with \u escapes


@pytest.fixture
def hostile(tmp_path, clf):
    """A store in a directory whose name sets the terminal's title, holding "m" (2 versions)
    whose every text field is hostile."""
    root = tmp_path / "st\x1b]0;title\x07ore"
    store = ModelStore(root)
    store.save(clf, "m", description=NASTY, notebook=NASTY, variable="clf\u202e")
    store.save(clf, "m", description="two\nlines", notebook="n.ipynb", variable="clf")
    _forge(
        store,
        "m",
        1,
        library=NASTY,
        type=NASTY,
        format="lgbm\x1b[8m",
        user="root\x1b[0m\u2029",
        python_version="3\u2028",
    )
    return store


def test_list_and_versions_escape_every_cell(capsys, hostile):
    store = hostile
    _forge(store, "m", 2, library="light\x1b[5mgbm", user="u\u202eresu")
    code, out, err = run(capsys, "list", "--store", store.location)
    assert (code, err) == (0, "")
    row = out.splitlines()[1]
    assert row.startswith("m ") and "light\\x1b[5mgbm" in row

    code, out, err = run(capsys, "versions", "m", "--store", store.location)
    assert (code, err) == (0, "")
    header, first, second = out.splitlines()
    assert "root\\x1b[0m\\u2029" in first
    # The description's cell: one line, cut at 60 characters between escapes, never in one.
    cell = first[header.index("DESCRIPTION") :]
    assert cell.endswith("…") and len(cell) <= 60
    full = "\\x1b[2J\\x1b]0;owned\\x07\\x00\\x7f\\x9b31m\\u202egpj.exe\\u2066x\\u2069\\u200b"
    assert full.startswith(cell[:-1])
    assert second.endswith("two\\nlines") and "u\\u202eresu" in second


def test_info_escapes_every_field_and_path(capsys, hostile):
    store = hostile
    code, out, err = run(capsys, "info", "m", "--version", "1", "--store", store.location)
    assert (code, err) == (0, "")
    fields = dict(line.split(":", 1) for line in out.splitlines() if not line.startswith(" "))
    escaped = (
        "\\x1b[2J\\x1b]0;owned\\x07\\x00\\x7f\\x9b31m\\u202egpj.exe\\u2066x\\u2069\\u200b"
        "\\u200d\\ufeff\\U000e0041\\u2028\\t\\nmodèle 日本"
    )
    for label in ("description", "library", "type", "notebook"):
        assert fields[label].strip() == escaped, label
    assert fields["variable"].strip() == "clf\\u202e"
    assert fields["format"].strip() == "lgbm\\x1b[8m"
    assert fields["user"].strip() == "root\\x1b[0m\\u2029"
    assert fields["python"].strip() == "3\\u2028"
    assert len(out.splitlines()) == len(fields) + 1  # and one file: no line broke


def test_json_keeps_every_value_exact(capsys, hostile):
    store = hostile
    stored = {1: store.info("m", 1), 2: store.info("m", 2)}
    code, out, err = run(capsys, "--json", "info", "m", "--version", "1", "--store", store.location)
    assert (code, err) == (0, "")
    model = json.loads(out)["model"]
    assert model == stored[1].to_dict()
    assert model["description"] == NASTY and model["user"] == "root\x1b[0m\u2029"
    assert "modèle 日本" in out  # other scripts stay readable: not ensure_ascii
    assert "\\u202e" in out and "\\u2028" in out and "\\udb40\\udc41" in out  # U+E0041

    code, out, err = run(capsys, "versions", "m", "--json", "--store", store.location)
    assert [v["description"] for v in json.loads(out)["versions"]] == [NASTY, "two\nlines"]
    code, out, err = run(capsys, "list", "--json", "--store", store.location)
    result = json.loads(out)
    assert result["store"] == store.location and result["skipped"] == []
    assert result["models"] == [stored[2].to_dict()]


def test_messages_and_locations_are_escaped(capsys, hostile, monkeypatch):
    store = hostile
    loc = store.location
    # A damaged version: verify's report and error line quote the store and its content.
    path = Path(loc, "m", "1", "manifest.json")
    manifest = json.loads(path.read_text())
    hostile_file = "\x1b[2Jmodel\u202e.txt"
    os.rename(Path(loc, "m", "1", manifest["files"][0]["path"]), Path(loc, "m", "1", hostile_file))
    with open(Path(loc, "m", "1", hostile_file), "r+b") as f:
        f.write(b"#")  # and damaged
    manifest["files"][0]["path"] = hostile_file
    path.write_text(json.dumps(manifest))
    code, out, err = run(capsys, "verify", "--store", loc)
    assert code == 1
    assert err == f"error [integrity]: 1 damaged version(s) in {loc[: loc.index(chr(27))]}" + (
        "\\x1b]0;title\\x07ore\n"
    )
    bad = [line for line in out.splitlines() if line.startswith("BAD")]
    assert len(bad) == 1 and "\\x1b[2Jmodel\\u202e.txt" in bad[0]
    code, out, err = run(capsys, "info", "nope", "--store", loc)
    assert code == 1 and err.startswith("error [not_found]: ") and "\\x1b]0;title\\x07" in err
    code, out, err = run(capsys, "info", "m", "--version", "1", "--store", loc)
    assert code == 0 and "  \\x1b[2Jmodel\\u202e.txt  " in out

    # gc names what it removed (a name that is not UTF-8 comes from the file system with a
    # lone surrogate: printed raw, it would stop the CLI); the delete prompt names the store.
    os.makedirs(os.path.join(os.fsencode(loc), b".staging", b"dead\xff\x1b[2J\xe2\x80\xae"))
    code, out, err = run(capsys, "gc", "--older-than", "0", "--store", loc)
    assert (code, out) == (0, "Removed .staging/dead\\udcff\\x1b[2J\\u202e\n")
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "n")
    code, out, err = run(capsys, "delete", "m", "--store", loc)
    assert code == 1 and raw_hidden(prompts[0]) == [] and "\\x1b]0;title" in prompts[0]
    empty = ModelStore(Path(loc).parent / "empty\x9b2J")
    code, out, err = run(capsys, "list", "--store", empty.location)
    assert out.endswith("empty\\x9b2J\n")


def test_a_lone_surrogate_is_no_text(capsys, store, clf):
    """JSON can spell a lone surrogate ("\\ud800"), which is no Unicode text: it could never
    be encoded again (the listing's cache file, a reply). A manifest holding one is left out
    (and named); a save of one is refused."""
    store.save(clf, "m")
    store.save(clf, "m", description="fine 😀")  # a real pair, as `\ud83d\ude00` in JSON
    path = Path(store.location, "m", "2", "manifest.json")
    path.write_text(json.dumps(json.loads(path.read_text())))  # ASCII: the pair as escapes
    assert store.info("m", 2).description == "fine 😀"
    _forge(store, "m", 2, user="\ud800root")
    code, out, err = run(capsys, "list", "--store", store.location)
    assert out.splitlines()[1].split()[:2] == ["m", "1"]
    assert err == (
        f"warning: left out 'm' version 2: {path} has a lone surrogate: it is not Unicode text\n"
    )
    code, out, err = run(capsys, "info", "m", "--version", "2", "--store", store.location)
    assert code == 1 and err.startswith("error [integrity]: ")
    with pytest.raises(ModelStoreError) as refused:
        store.save(clf, "m", description="a\udc00b")
    assert refused.value.code == "bad_request"
    assert refused.value.message == "the description has a lone surrogate: it is not Unicode text"
    assert [m.version for m in store.versions("m")] == [1]


def test_python_warnings_are_escaped(capsys, store, monkeypatch):
    """A warning raised while a command runs (a library's, quoting a path) is printed like
    the CLI's own warnings: on stderr, escaped."""

    def gc(self, older_than):
        warnings.warn("cannot tidy \x1b[2J/tmp/\u202ex", UserWarning, stacklevel=1)
        return []

    monkeypatch.setattr(ModelStore, "gc", gc)
    code, out, err = run(capsys, "gc", "--store", store.location)
    assert code == 0
    assert err == "warning: UserWarning: cannot tidy \\x1b[2J/tmp/\\u202ex\n"


# --- what a listing left out ---------------------------------------------------------------


def test_list_names_what_it_left_out(capsys, clf, tmp_path):
    store = ModelStore(tmp_path / "s\x1b[2Jtore")
    loc, shown = store.location, store.location.replace("\x1b", "\\x1b")
    store.save(clf, "a")
    store.save(clf, "a")
    store.save(clf, "b")
    store.save(clf, "gone")
    Path(loc, "a", "2", "manifest.json").write_text("{not json")
    _forge(store, "gone", 1, created_at="yesterday")  # its only version
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, Path(loc, "linked"))

    code, out, err = run(capsys, "list", "--store", loc)
    assert code == 0
    assert [line.split()[:2] for line in out.splitlines()[1:]] == [["a", "1"], ["b", "1"]]
    lines = err.splitlines()
    assert len(lines) == 3 and all(line.startswith("warning: left out ") for line in lines)
    assert lines[0].startswith(
        f"warning: left out 'a' version 2: cannot read {shown}/a/2/manifest.json: "
    )
    assert lines[1] == (
        "warning: left out 'gone' version 1: invalid manifest: created_at 'yesterday' is not "
        "a UTC ISO 8601 time ending in Z"
    )
    assert lines[2] == "warning: left out 'linked': is a symbolic link; the store follows none"

    code, out, err = run(capsys, "list", "--json", "--store", loc)
    result = json.loads(out)
    assert [m["name"] for m in result["models"]] == ["a", "b"]
    assert result["versions"] == {"a": 2, "b": 1}
    assert [(s["name"], s["version"]) for s in result["skipped"]] == [
        ("a", 2),
        ("gone", 1),
        ("linked", None),
    ]
    assert result["skipped"] == [s.to_dict() for s in store.listing().skipped]
    assert f"cannot read {loc}/a/2/manifest.json" in result["skipped"][0]["reason"]  # exact
    assert len(err.splitlines()) == 3  # named on stderr all the same

    # Nothing valid left: the table says there is nothing, the warnings say why.
    Path(loc, "a", "1", "manifest.json").write_bytes(b"")
    Path(loc, "b", "1", "manifest.json").write_bytes(b"\xff")
    code, out, err = run(capsys, "list", "--store", loc)
    assert out == f"No models in {shown}\n"
    assert [line.split(":")[0] for line in err.splitlines()] == ["warning"] * 5


def test_a_store_without_problems_warns_of_nothing(capsys, store, clf):
    store.save(clf, "a")
    for argv in (["list"], ["list", "--json"]):
        code, out, err = run(capsys, *argv, "--store", store.location)
        assert (code, err) == (0, "")
    assert json.loads(out)["skipped"] == []
