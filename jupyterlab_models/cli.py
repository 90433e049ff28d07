r"""`jupyter models`: look at, check and clean up the model store from a terminal.

    jupyter models list [--store URL] [--json]
    jupyter models info NAME [--version N] [--store URL] [--json]
    jupyter models versions NAME [--store URL] [--json]
    jupyter models delete NAME [--version N] [--yes] [--store URL] [--json]
    jupyter models verify [NAME] [--store URL] [--json]
    jupyter models gc [--older-than SECONDS] [--store URL] [--json]

The store is `--store` (a path or an fsspec URL such as s3://bucket/prefix), else
$JUPYTERLAB_MODELS_STORE, else the nearest .jupyterlab-models directory of the current directory
or its parents, else ./.jupyterlab-models. Human-readable tables by default, JSON with --json.
Errors go to stderr as `error [code]: message` and exit with status 1; so does a `verify` that
finds a damaged version (after printing its report). `list` names on stderr, after its table,
each entry of the store it left out (`warning: left out ...`), and in --json as "skipped".

Nothing read from the store reaches the terminal raw: control characters, Unicode format
characters (bidi overrides, zero-width ...) and the like are shown as escapes (`\x1b`,
`\u202e`, `\n`), in tables, details, messages and warnings alike; --json keeps every value
exact, with those characters as JSON \u escapes.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
import warnings
from typing import Any

from .manifest import ModelInfo, entry_digest, format_time
from .protocol import INTEGRITY, ModelStoreError
from .store import GC_AGE, ModelStore


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            store = ModelStore(args.store)
            return args.run(store, args)
        except ModelStoreError as exc:
            print(f"error [{exc.code}]: {printable(exc.message)}", file=sys.stderr)
            return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter models",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # Accepted before or after the command: the copies on the commands default to SUPPRESS so
    # that they do not overwrite a value given before the command.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", default=argparse.SUPPRESS, help="store location (path or URL)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON")
    parser.add_argument("--store", default=None, help="store location (path or URL)")
    parser.add_argument("--json", action="store_true", default=False, help="print JSON")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run: Any, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help, description=help)
        sub.set_defaults(run=run)
        return sub

    command("list", _list, "latest version of each model, with its number of versions")
    info = command("info", _info, "details of one model version")
    info.add_argument("name")
    info.add_argument("--version", type=int, default=None, help="version (default: latest)")
    versions = command("versions", _versions, "every version of a model, oldest first")
    versions.add_argument("name")
    delete = command("delete", _delete, "delete a model (all its versions) or one version")
    delete.add_argument("name")
    delete.add_argument("--version", type=int, default=None, help="version (default: all)")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    verify = command(
        "verify", _verify, "re-hash every file of every version and report damaged ones"
    )
    verify.add_argument("name", nargs="?", default=None, help="only this model")
    gc = command(
        "gc",
        _gc,
        "remove what interrupted saves and deletes left behind (stale staging, .trash)",
    )
    gc.add_argument(
        "--older-than",
        type=float,
        default=GC_AGE,
        metavar="SECONDS",
        help=f"only what is at least this old (default: {GC_AGE}); a save in progress is "
        "never removed from a local store",
    )
    return parser


def _list(store: ModelStore, args: argparse.Namespace) -> int:
    listing = store.listing()
    latest = listing.models
    if args.json:
        _print_json(
            {
                "store": store.location,
                "models": [m.to_dict() for m, _ in latest],
                "versions": {m.name: count for m, count in latest},
                "skipped": [s.to_dict() for s in listing.skipped],
            }
        )
    elif not latest:
        print(f"No models in {printable(store.location)}")
    else:
        header = ("NAME", "VERSION", "VERSIONS", "LIBRARY", "FORMAT", "SIZE", "CREATED (UTC)")
        rows = [
            (m.name, str(m.version), str(count), m.library, m.format, _size(m.size_bytes))
            + (_time(m),)
            for m, count in latest
        ]
        _table(header, rows)
    sys.stdout.flush()  # the table first, then what it left out (stderr)
    for s in listing.skipped:
        what = f"{s.name!r}" + (f" version {s.version}" if s.version is not None else "")
        _warn(f"left out {what}: {s.reason}")
    return 0


def _info(store: ModelStore, args: argparse.Namespace) -> int:
    model = store.info(args.name, args.version)
    if args.json:
        _print_json({"model": model.to_dict()})
    else:
        _print_info(model)
    return 0


def _versions(store: ModelStore, args: argparse.Namespace) -> int:
    versions = store.versions(args.name)
    if args.json:
        _print_json({"versions": [m.to_dict() for m in versions]})
    else:
        header = ("VERSION", "FORMAT", "SIZE", "CREATED (UTC)", "USER", "DESCRIPTION")
        rows = [
            (str(m.version), m.format, _size(m.size_bytes), _time(m), m.user, _cell(m.description))
            for m in versions
        ]
        _table(header, rows)
    return 0


def _delete(store: ModelStore, args: argparse.Namespace) -> int:
    what = f"version {args.version} of" if args.version is not None else "all versions of"
    store.info(args.name, args.version)  # fail with not_found before asking
    if not args.yes:
        try:
            where = printable(store.location)
            answer = input(f"Delete {what} model {printable(repr(args.name))} in {where}? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.", file=sys.stderr)
            return 1
    deleted = store.delete(args.name, args.version)
    if args.json:
        _print_json({"deleted": deleted})
    else:
        print(f"Deleted {printable(repr(args.name))} version(s) {', '.join(map(str, deleted))}")
    return 0


def _verify(store: ModelStore, args: argparse.Namespace) -> int:
    report = store.verify(args.name)
    if args.json:
        _print_json(report.to_dict())
    else:
        problems = {(p.name, p.version): p for p in report.bad}
        rows = []
        for name, version in report.checked:
            problem = problems.get((name, version))
            status, note = ("BAD", problem.message) if problem else ("ok", "")
            rows.append((status, name, str(version), note))
        rows += [("incomplete", n, str(v), "no manifest: invisible") for n, v in report.incomplete]
        if rows:
            _table(("STATUS", "NAME", "VERSION", "PROBLEM"), sorted(rows, key=lambda r: r[1:3]))
        good = len(report.checked) - len(report.bad)
        print(f"{len(report.checked)} version(s) checked: {good} good, {len(report.bad)} damaged")
    if report.bad:
        print(
            f"error [{INTEGRITY}]: {len(report.bad)} damaged version(s) in "
            f"{printable(store.location)}",
            file=sys.stderr,
        )
        return 1
    return 0


def _gc(store: ModelStore, args: argparse.Namespace) -> int:
    removed = store.gc(args.older_than)
    if args.json:
        _print_json({"removed": removed})
    elif not removed:
        print(f"Nothing to clean up in {printable(store.location)}")
    else:
        for entry in removed:
            print(f"Removed {printable(entry)}")
    return 0


def _print_info(model: ModelInfo) -> None:
    fields = [
        ("name", model.name),
        ("version", model.version),
        ("description", model.description),
        ("library", model.library),
        ("type", model.type),
        ("format", model.format),
        ("size", f"{model.size_bytes} bytes"),
        ("created (UTC)", format_time(model.created_at)),
        ("user", model.user),
        ("notebook", model.notebook or ""),
        ("variable", model.variable or ""),
        ("python", model.python_version),
    ]
    fields += [(f"version of {k}", v) for k, v in model.library_versions.items()]
    # what the format says of the model (architecture, parameters, an adapter's base...)
    signature = model.extra.get("signature")
    if isinstance(signature, dict):
        fields += [(str(k).replace("_", " "), _shown(v)) for k, v in signature.items()]
    width = max(len(label) for label, _ in fields) + 2
    for label, value in fields:
        print(f"{printable(label) + ':':<{width}}{printable(value)}")
    print("files:")
    for entry in model.files:
        algorithm, hexdigest = entry_digest(entry)
        path, hexdigest = printable(entry["path"]), printable(hexdigest)
        print(f"  {path}  {entry['size']} bytes  {algorithm} {hexdigest}")


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, dict):  # inputs/outputs specs: name shape dtype
        return " ".join(_shown(v) for v in value.values())
    return "" if value is None else str(value)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    table = [header, *([printable(cell) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def _time(model: ModelInfo) -> str:
    return model.created_at.strftime("%Y-%m-%d %H:%M:%S")


def _cell(text: str, limit: int = 60) -> str:
    """`text` for a table cell: escaped (one line), cut to `limit` characters."""
    shown = printable(text)
    if len(shown) <= limit:
        return shown
    pieces, width = [], 0
    for char in text:  # cut between escapes, never inside one
        piece = _escape(char) if _hidden(char) else char
        if width + len(piece) > limit - 1:
            break
        pieces.append(piece)
        width += len(piece)
    return "".join(pieces) + "…"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    size = n / 1024
    for unit in ("KB", "MB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def _print_json(data: Any) -> None:
    # Not ensure_ascii, which would escape every letter of every other language: only the
    # characters a terminal would act on or hide. JSON escapes C0 controls itself; the JSON
    # text has other such characters only inside strings, where a \u escape keeps them exact.
    lines = json.dumps(data, indent=2, ensure_ascii=False).split("\n")
    for i, line in enumerate(lines):
        if not line.isprintable():
            lines[i] = "".join(_json_escape(c) if _hidden(c) else c for c in line)
    print("\n".join(lines))


# --- what reaches the terminal ---------------------------------------------------------------

_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: object) -> str:
    """`text` as the terminal gets it: every character a terminal would act on or that hides
    or reorders text — controls (C0, DEL, C1), Unicode format characters (bidi overrides and
    isolates, zero-width characters, tags), line and paragraph separators, surrogates,
    private-use and unassigned code points — as an escape (`\\n`, `\\x1b`, `\\u202e`), as
    git and ls do; letters of every script, and spaces, as they are."""
    text = str(text)
    if text.isprintable():  # the common case, at C speed
        return text
    return "".join(_escape(c) if _hidden(c) else c for c in text)


def _hidden(char: str) -> bool:
    # Not printable for Python: categories Cc, Cf, Cs, Co, Cn, Zl, Zp and the spaces (Zs)
    # other than " "; those spaces are shown as spaces.
    return not char.isprintable() and unicodedata.category(char) != "Zs"


def _escape(char: str) -> str:
    code = ord(char)
    short = _SHORT_ESCAPES.get(char)
    if short is not None:
        return short
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _json_escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON spells a character past U+FFFF
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _warn(message: str) -> None:
    print(f"warning: {printable(message)}", file=sys.stderr)


def _show_warning(message: Any, category: type, *args: Any, **kwargs: Any) -> None:
    """warnings.showwarning while a command runs: a Python warning (a library's, which may
    quote a path of the store) is printed escaped, like the CLI's own."""
    _warn(f"{category.__name__}: {message}")


if __name__ == "__main__":
    sys.exit(main())
