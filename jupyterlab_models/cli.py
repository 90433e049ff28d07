"""`jupyter models`: look at, check and clean up the model store from a terminal.

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
finds a damaged version (after printing its report).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .manifest import ModelInfo, entry_digest, format_time
from .protocol import INTEGRITY, ModelStoreError
from .store import GC_AGE, ModelStore


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        store = ModelStore(args.store)
        return args.run(store, args)
    except ModelStoreError as exc:
        print(f"error [{exc.code}]: {exc.message}", file=sys.stderr)
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
    latest = store.list_with_counts()
    if args.json:
        _print_json(
            {
                "store": store.location,
                "models": [m.to_dict() for m, _ in latest],
                "versions": {m.name: count for m, count in latest},
            }
        )
    elif not latest:
        print(f"No models in {store.location}")
    else:
        header = ("NAME", "VERSION", "VERSIONS", "LIBRARY", "FORMAT", "SIZE", "CREATED (UTC)")
        rows = [
            (m.name, str(m.version), str(count), m.library, m.format, _size(m.size_bytes))
            + (_time(m),)
            for m, count in latest
        ]
        _table(header, rows)
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
            (str(m.version), m.format, _size(m.size_bytes), _time(m), m.user, _line(m.description))
            for m in versions
        ]
        _table(header, rows)
    return 0


def _delete(store: ModelStore, args: argparse.Namespace) -> int:
    what = f"version {args.version} of" if args.version is not None else "all versions of"
    store.info(args.name, args.version)  # fail with not_found before asking
    if not args.yes:
        try:
            answer = input(f"Delete {what} model {args.name!r} in {store.location}? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.", file=sys.stderr)
            return 1
    deleted = store.delete(args.name, args.version)
    if args.json:
        _print_json({"deleted": deleted})
    else:
        print(f"Deleted {args.name!r} version(s) {', '.join(map(str, deleted))}")
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
            status, note = ("BAD", " ".join(problem.message.split())) if problem else ("ok", "")
            rows.append((status, name, str(version), note))
        rows += [("incomplete", n, str(v), "no manifest: invisible") for n, v in report.incomplete]
        if rows:
            _table(("STATUS", "NAME", "VERSION", "PROBLEM"), sorted(rows, key=lambda r: r[1:3]))
        good = len(report.checked) - len(report.bad)
        print(f"{len(report.checked)} version(s) checked: {good} good, {len(report.bad)} damaged")
    if report.bad:
        print(
            f"error [{INTEGRITY}]: {len(report.bad)} damaged version(s) in {store.location}",
            file=sys.stderr,
        )
        return 1
    return 0


def _gc(store: ModelStore, args: argparse.Namespace) -> int:
    removed = store.gc(args.older_than)
    if args.json:
        _print_json({"removed": removed})
    elif not removed:
        print(f"Nothing to clean up in {store.location}")
    else:
        for entry in removed:
            print(f"Removed {entry}")
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
    width = max(len(label) for label, _ in fields) + 2
    for label, value in fields:
        print(f"{label + ':':<{width}}{value}")
    print("files:")
    for entry in model.files:
        algorithm, hexdigest = entry_digest(entry)
        print(f"  {entry['path']}  {entry['size']} bytes  {algorithm} {hexdigest}")


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def _time(model: ModelInfo) -> str:
    return model.created_at.strftime("%Y-%m-%d %H:%M:%S")


def _line(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
    print(json.dumps(data, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
