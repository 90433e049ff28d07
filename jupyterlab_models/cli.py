"""`jupyter models`: look at and clean up the model store from a terminal.

    jupyter models list [--store PATH] [--json]
    jupyter models info NAME [--version N] [--store PATH] [--json]
    jupyter models delete NAME [--version N] [--yes] [--store PATH] [--json]

Errors go to stderr as `error [code]: message` and exit with status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .manifest import ModelInfo
from .protocol import ModelsError
from .store import ModelStore


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    store = ModelStore(args.store)
    try:
        return args.run(store, args)
    except ModelsError as exc:
        print(f"error [{exc.code}]: {exc.message}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jupyter models", description=__doc__.splitlines()[0])
    # Accepted before or after the command: the copies on the commands default to SUPPRESS so
    # that they do not overwrite a value given before the command.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", default=argparse.SUPPRESS, help="store location")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="JSON")
    parser.add_argument("--store", default=None, help="store location (default: see docs)")
    parser.add_argument("--json", action="store_true", default=False, help="print JSON")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("list", parents=[common], help="latest version of each model").set_defaults(
        run=_list
    )
    info = commands.add_parser("info", parents=[common], help="details of one model version")
    info.add_argument("name")
    info.add_argument("--version", type=int, default=None, help="version (default: latest)")
    info.set_defaults(run=_info)
    delete = commands.add_parser("delete", parents=[common], help="delete a model or a version")
    delete.add_argument("name")
    delete.add_argument("--version", type=int, default=None, help="version (default: all)")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(run=_delete)
    return parser


def _list(store: ModelStore, args: argparse.Namespace) -> int:
    models = store.list()
    if args.json:
        _print_json({"models": [m.to_dict() for m in models]})
    elif not models:
        print(f"No models in {store.location}")
    else:
        rows = [("NAME", "VERSION", "LIBRARY", "FORMAT", "SIZE", "CREATED (UTC)")]
        rows += [
            (m.name, str(m.version), m.library, m.format, _size(m.size_bytes), m.created_at)
            for m in models
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


def _info(store: ModelStore, args: argparse.Namespace) -> int:
    model = store.info(args.name, args.version)
    if args.json:
        _print_json({"model": model.to_dict()})
    else:
        _print_info(model)
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


def _print_info(model: ModelInfo) -> None:
    fields = [
        ("name", model.name),
        ("version", model.version),
        ("description", model.description),
        ("library", model.library),
        ("type", model.type),
        ("format", model.format),
        ("size", f"{model.size_bytes} bytes"),
        ("created (UTC)", model.created_at),
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
        print(f"  {entry['path']}  {entry['size']} bytes  sha256 {entry['sha256']}")


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
