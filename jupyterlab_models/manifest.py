"""The manifest of one stored model version (`manifest.json`), as the `ModelInfo` dataclass.

The manifest is written last when a model is saved and is the only thing `list()` trusts, so
`from_dict` validates it strictly: a manifest that fails here makes its version invisible.

In Python `created_at` is a timezone-aware UTC `datetime` (millisecond precision); in the
manifest and on the wire it stays the ISO 8601 text with a trailing Z that `to_dict` writes,
e.g. `2024-05-01T12:00:00.123Z`.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timezone
from typing import Any, NoReturn, TypedDict

from .protocol import INTEGRITY, ModelStoreError

SCHEMA_VERSION = 2  # what a save writes; READABLE lists what a load accepts
READABLE_SCHEMAS = (1, 2)  # 1: files' `sha256`; 2: files' `digest`, "<algorithm>:<hex>"
MAX_MANIFEST_BYTES = 16 << 20  # a manifest is a few KB; a bigger file is not one
MAX_JSON_DEPTH = 32  # nesting of objects and lists in a manifest (its `extra` included)
MAX_VERSION = 2**53 - 1  # JSON readers that use doubles (the panel) read up to this exactly

_SHA256 = re.compile(r"[0-9a-f]{64}")
# Schema 2 names each file's hash: BLAKE3 for every new version; sha256 stays a known name.
_DIGEST = re.compile(r"(blake3|sha256):([0-9a-f]{64})")
BLAKE3 = "blake3"
SHA256 = "sha256"


class _PathAndSize(TypedDict):
    path: str
    size: int


class FileEntry(_PathAndSize, total=False):
    """One stored file: a relative POSIX path inside the version, its size, and its hash:
    `digest` ("blake3:<64 hex>") in schema 2, `sha256` (64 hex) in schema 1. Read the hash
    with `entry_digest`, never a key."""

    digest: str
    sha256: str


def entry_digest(entry: FileEntry) -> tuple[str, str]:
    """(algorithm, hex digest) of a validated file entry of either schema."""
    digest = entry.get("digest")
    if digest is None:
        return SHA256, entry["sha256"]
    algorithm, _, hexdigest = digest.partition(":")
    return algorithm, hexdigest


def file_entry(path: str, size: int, algorithm: str, hexdigest: str) -> FileEntry:
    """A schema 2 (SCHEMA_VERSION) file entry."""
    return {"path": path, "size": size, "digest": f"{algorithm}:{hexdigest}"}


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """One stored version, with every manifest field (see ARCHITECTURE.md)."""

    schema_version: int
    name: str
    version: int
    description: str
    library: str
    type: str
    format: str
    files: list[FileEntry]
    size_bytes: int
    created_at: datetime  # timezone-aware UTC; ISO 8601 with a trailing Z in the manifest
    user: str
    notebook: str | None
    variable: str | None
    python_version: str
    library_versions: dict[str, str]
    extra: dict[str, Any]

    def __post_init__(self) -> None:
        if not isinstance(self.created_at, datetime) or self.created_at.tzinfo is None:
            raise TypeError("created_at must be a timezone-aware datetime")

    def to_dict(self, *, copy: bool = True) -> dict[str, Any]:
        """The manifest as JSON-able data (fields in manifest order, `created_at` as text).
        `copy=False` shares the nested lists and dicts with this object instead of copying
        them: for data serialized right away (the kernel sends thousands of manifests)."""
        data = {field: getattr(self, field) for field in _FIELD_TYPES}
        if copy:
            data["files"] = [dict(entry) for entry in self.files]
            data["library_versions"] = dict(self.library_versions)
            data["extra"] = _json_copy(self.extra)
        data["created_at"] = self._created_at_text()
        return data

    @classmethod
    def from_dict(cls, data: object) -> ModelInfo:
        """Validate a parsed manifest; raises ModelStoreError("integrity") saying what is wrong."""
        if not isinstance(data, dict):
            _invalid("it is not a JSON object")
        schema = data.get("schema_version")
        if type(schema) is not int or schema not in READABLE_SCHEMAS:
            newer = type(schema) is int and schema > SCHEMA_VERSION
            _invalid(
                f"unknown schema_version {schema!r} "
                f"(this version of jupyterlab-models reads 1 and {SCHEMA_VERSION})"
                + (": a newer jupyterlab-models wrote it; upgrade to read it" if newer else "")
            )
        if not _FIELD_SET <= data.keys():
            _invalid(f"missing fields: {', '.join(n for n in _FIELD_TYPES if n not in data)}")
        values = {}
        for name, types in _FIELD_TYPES.items():
            value = values[name] = data[name]
            # bool is an int subclass, but never a valid int field here
            if type(value) not in types and (
                not isinstance(value, types) or (isinstance(value, bool) and bool not in types)
            ):
                _invalid(f"field {name!r} has the wrong type ({type(value).__name__})")
        if not 1 <= values["version"] <= MAX_VERSION:
            _invalid(f"version must be at least 1 and at most {MAX_VERSION}")
        files = [_check_file(entry, schema) for entry in values["files"]]
        if sum(entry["size"] for entry in files) != values["size_bytes"]:
            _invalid("size_bytes is not the sum of the file sizes")
        values["files"] = files
        values["created_at"] = _parse_created_at(values["created_at"])
        return cls(**values)

    @classmethod
    def from_trusted(cls, summary: dict[str, Any], deferred: bytes | memoryview) -> ModelInfo:
        """A manifest that passed `from_dict` and was kept intact since (list_cache.py checks
        a sha256 over it), from `trusted_parts`: nothing is validated again, and `created_at`
        and the DEFERRED fields are parsed when first read. `summary` becomes the instance's
        __dict__ (it was just parsed, nobody else holds it): the frozen dataclass's __init__
        sets each field through object.__setattr__, ten times slower, for thousands of
        manifests."""
        if summary.keys() != _TRUSTED_KEYS:
            _invalid("the fields are not those of a manifest")
        info = object.__new__(cls)
        object.__setattr__(info, "__dict__", summary)
        summary[_DEFERRED_TEXT] = deferred
        return info

    def summary(self) -> dict[str, Any]:
        """Every field but the DEFERRED ones, as JSON-able data (`created_at` as text)."""
        data = {field: getattr(self, field) for field in _EAGER_BUT_TIME}
        data["created_at"] = self._created_at_text()
        return data

    def trusted_parts(self) -> tuple[dict[str, Any], bytes | memoryview]:
        """The summary (`created_at` as text under another key, so that reading the attribute
        parses it) and the DEFERRED fields as JSON text, for `from_trusted`; the text is
        reused as it is if no deferred field was read."""
        deferred = self.__dict__.get(_DEFERRED_TEXT)
        if deferred is None:
            deferred = json.dumps(
                {field: getattr(self, field) for field in DEFERRED},
                separators=(",", ":"),
                ensure_ascii=False,
                allow_nan=False,
            ).encode("utf-8")
        summary = self.summary()
        summary[_CREATED_AT_TEXT] = summary.pop("created_at")
        return summary, deferred

    def _created_at_text(self) -> str:
        # An instance from from_trusted keeps the text it was made from until created_at is read.
        text = self.__dict__.get(_CREATED_AT_TEXT)
        return text if text is not None else format_time(self.created_at)

    def __getstate__(self) -> dict[str, Any]:
        # For pickle and copy: every field, the deferred ones parsed (a memoryview of the
        # cache file cannot be pickled).
        return {field: getattr(self, field) for field in _FIELD_TYPES}

    def __getattr__(self, name: str) -> Any:
        # Called only for attributes missing from __dict__: `created_at` and the DEFERRED
        # fields of an instance made by from_trusted, parsed here on first use. Threads may
        # race to parse the same text; they store equal values, and the text goes only once
        # they are stored.
        state = self.__dict__
        if name == "created_at" and _CREATED_AT_TEXT in state:
            value = state["created_at"] = _parse_trusted_time(state[_CREATED_AT_TEXT])
            return value
        if name in DEFERRED:
            text = state.get(_DEFERRED_TEXT)
            if text is not None:
                state.update(_parse_deferred(text))
                state.pop(_DEFERRED_TEXT, None)
            if name in state:
                return state[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "schema_version": (int,),
    "name": (str,),
    "version": (int,),
    "description": (str,),
    "library": (str,),
    "type": (str,),
    "format": (str,),
    "files": (list,),
    "size_bytes": (int,),
    "created_at": (str,),
    "user": (str,),
    "notebook": (str, type(None)),
    "variable": (str, type(None)),
    "python_version": (str,),
    "library_versions": (dict,),
    "extra": (dict,),
}
_FIELD_SET = frozenset(_FIELD_TYPES)
assert tuple(_FIELD_TYPES) == tuple(f.name for f in dataclasses.fields(ModelInfo))

# What list() returns for thousands of models but neither the panel's rows nor the CLI's table
# show: `from_trusted` keeps these as JSON text until one of them is read. They are most of a
# manifest's bytes and objects: the first list() of a process on a big store reads its cache
# file in about half the time.
DEFERRED = ("files", "library_versions", "extra")
EAGER = tuple(field for field in _FIELD_TYPES if field not in DEFERRED)
_DEFERRED_TEXT = "_deferred_json"
_CREATED_AT_TEXT = "_created_at_iso"
_EAGER_BUT_TIME = tuple(field for field in EAGER if field != "created_at")
_TRUSTED_KEYS = frozenset(_EAGER_BUT_TIME) | {_CREATED_AT_TEXT}


def utc_now() -> datetime:
    """The current UTC time at the precision stored in `created_at` (milliseconds)."""
    now = datetime.now(timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def format_time(value: datetime) -> str:
    """`created_at` as stored: UTC, ISO 8601, milliseconds and a trailing Z
    (2024-05-01T12:00:00.123Z); microseconds only if the value has some."""
    if value.tzinfo is None:
        raise ValueError("created_at must be a timezone-aware datetime")
    value = value.astimezone(timezone.utc)
    fraction = value.microsecond
    digits = f"{fraction // 1000:03d}" if fraction % 1000 == 0 else f"{fraction:06d}"
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + digits + "Z"


def _json_copy(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists and immutable scalars), several times faster
    than copy.deepcopy."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_copy(item) for item in value]
    return value


def _invalid(reason: str) -> NoReturn:
    raise ModelStoreError(INTEGRITY, f"invalid manifest: {reason}")


def _parse_created_at(value: str) -> datetime:
    try:
        if not value.endswith("Z"):
            raise ValueError
        parsed = datetime.fromisoformat(value[:-1])
        if parsed.tzinfo is not None:  # "+00:00Z"
            raise ValueError
    except ValueError:
        _invalid(f"created_at {value!r} is not a UTC ISO 8601 time ending in Z")
    return parsed.replace(tzinfo=timezone.utc)


def _parse_trusted_time(value: str) -> datetime:
    # Python >= 3.11 reads format_time's "...Z" itself, much faster than _parse_created_at.
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return _parse_created_at(value)
    return parsed if parsed.tzinfo is timezone.utc else _parse_created_at(value)


def _parse_deferred(text: bytes | memoryview) -> dict[str, Any]:
    try:
        values = json.loads(bytes(text))
    except ValueError:
        values = None
    if not isinstance(values, dict) or values.keys() != set(DEFERRED):
        _invalid("its files, library_versions and extra, kept as text, are damaged")
    for field in DEFERRED:
        if type(values[field]) not in _FIELD_TYPES[field]:
            _invalid(f"field {field!r} has the wrong type ({type(values[field]).__name__})")
    return values


def _check_file(entry: object, schema: int) -> FileEntry:
    key = "sha256" if schema == 1 else "digest"
    if not isinstance(entry, dict) or set(entry) != {"path", "size", key}:
        _invalid(
            f"each file of a schema {schema} manifest must be an object with exactly path, "
            f"size and {key}"
        )
    path, size, digest = entry["path"], entry["size"], entry[key]
    if not isinstance(path, str) or not path:
        _invalid("a file path must be a non-empty string")
    # Paths are relative POSIX paths inside the version directory: nothing that could escape it.
    if path.startswith("/") or "\\" in path or ":" in path:
        _invalid(f"file path {path!r} must be a relative POSIX path")
    if any(part in ("", ".", "..") for part in path.split("/")):
        _invalid(f"file path {path!r} must not contain '..', '.' or empty parts")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        _invalid(f"file {path!r} has an invalid size")
    if schema == 1:
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            _invalid(f"file {path!r} has an invalid sha256")
        return {"path": path, "size": size, "sha256": digest}
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        _invalid(f"file {path!r} has an invalid digest (expected blake3:<64 hex digits>)")
    return {"path": path, "size": size, "digest": digest}


# --- the manifest file ----------------------------------------------------------------------


def manifest_bytes(info: ModelInfo) -> bytes:
    """The bytes of `manifest.json`: indented UTF-8 JSON, as every store writes it."""
    text = json.dumps(info.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return text.encode("utf-8")


def checked(info: ModelInfo) -> ModelInfo:
    """`info`, once its manifest is known to pass `from_dict`: never publish a manifest that
    readers would reject (and so never list)."""
    ModelInfo.from_dict(json.loads(manifest_bytes(info)))
    return info


def parse_manifest(name: str, version: int, data: bytes | Exception, where: str) -> ModelInfo:
    """The validated manifest of version `version` of `name`, read from `where` (`data` is
    its bytes, or the error reading them); raises `integrity` saying what is wrong."""
    if isinstance(data, Exception):
        raise ModelStoreError(INTEGRITY, f"cannot read {where}: {data}")
    if len(data) > MAX_MANIFEST_BYTES:
        raise ModelStoreError(INTEGRITY, f"{where} has over {MAX_MANIFEST_BYTES} bytes")
    if json_depth(data) > MAX_JSON_DEPTH:
        raise ModelStoreError(INTEGRITY, f"{where} nests over {MAX_JSON_DEPTH} levels deep")
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ModelStoreError(INTEGRITY, f"cannot read {where}: {exc}") from None
    if _SURROGATE_ESCAPE.search(data) and not _is_unicode_text(parsed):
        # JSON can spell a lone surrogate (`"\\ud800"`), which is no Unicode text: no store
        # writes one, and it could not be encoded again (a listing's cache file).
        raise ModelStoreError(INTEGRITY, f"{where} has a lone surrogate: it is not Unicode text")
    info = ModelInfo.from_dict(parsed)
    if info.name != name or info.version != version:
        raise ModelStoreError(INTEGRITY, f"{where} describes {info.name!r} version {info.version}")
    return info


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # also found in pairs (emoji): then checked


def _is_unicode_text(parsed: Any) -> bool:
    try:
        json.dumps(parsed, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"\\')


def json_depth(data: bytes) -> int:
    """How deep the lists and objects of the JSON text `data` nest (brackets inside strings
    do not count), read without parsing: a parser recurses once per level."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data.translate(None, _NOT_STRUCTURE):
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest
