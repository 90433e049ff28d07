"""What belongs to which save on object storage: the claim of a version number, the token a
save uploads its files under, the renewal that keeps a running save's claim fresh, the
numbers already given, and the server's clock that every age is judged by. remote.py runs
the protocol with these; see docs/STORE.md.

    <name>/<version>/.claim            {"token", "created_at"}: the save that took the number
    <name>/<version>/<token>/<files>   that save's files; its manifest names the token in
                                       extra["upload_token"]. Versions saved before tokens
                                       have their files at <name>/<version>/<files>.
    .numbers/<name>/<n>                empty objects: the highest n was given to <name> once
    .clock/<uuid>                      a probe written to read the server's time, removed at once

Ages are the server's: LastModified of an object against LastModified of a probe just
written, never this machine's clock (which may be hours off).
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

from ..manifest import ModelInfo, format_time, utc_now
from ..protocol import INTEGRITY, INTERNAL, ModelStoreError
from .layout import CLAIM, MANIFEST, MAX_VERSION, NUMBERS, version_number

# A running save rewrites its claim every CLAIM_RENEWAL seconds, so by the server's clock
# its claim is never older than that plus one request (and LastModified's 1 s resolution).
# gc takes a claim only once it is older than `older_than`: one hour by default (store.py
# GC_AGE, 60 renewals), so only a save that died, or could not reach the server for an
# hour, loses its number. A gc run with `older_than` below 2 * CLAIM_RENEWAL may take the
# number of a running save: that save then fails and removes its own files, nothing else.
CLAIM_RENEWAL = 60.0
EXTRA_KEY = "upload_token"  # key of a manifest's `extra`
CLOCK = ".clock"
PROBE_LEFTOVER_AGE = 3600.0  # seconds; a probe this old is one a dead gc left behind
MAX_CLAIM_ATTEMPTS = 1000

_TOKEN = re.compile(r"[0-9a-f]{32}")
# memory:// lives in this process: a lock makes its "create if absent" and "rewrite if still
# ours" atomic among threads. S3 decides each request alone.
_MEMORY_LOCK = threading.RLock()

Entry = dict[str, Any]  # an object in an fsspec listing: name, size, LastModified...


def new_token() -> str:
    return uuid.uuid4().hex


def is_token(value: object) -> bool:
    return isinstance(value, str) and _TOKEN.fullmatch(value) is not None


def claim_bytes(token: str) -> bytes:
    return json.dumps({"token": token, "created_at": format_time(utc_now())}).encode()


def claim_token(data: bytes | None) -> str | None:
    """The token a claim holds; None if it is not a claim of this format."""
    try:
        token = json.loads(data or b"").get("token")
    except (ValueError, AttributeError):
        return None
    return token if is_token(token) else None


def upload_token(info: ModelInfo) -> str | None:
    """The token a version's files are stored under; None for a version saved before tokens
    (its files are directly in its directory)."""
    token = info.extra.get(EXTRA_KEY)
    if token is not None and not is_token(token):
        raise ModelStoreError(
            INTEGRITY,
            f"model {info.name!r} version {info.version}: invalid manifest: "
            f"extra.{EXTRA_KEY} is not a token of 32 hexadecimal digits",
        )
    return token


def with_upload_token(info: ModelInfo, token: str) -> ModelInfo:
    if EXTRA_KEY in info.extra:
        raise ValueError(f"a format must not write extra[{EXTRA_KEY!r}]")
    return dataclasses.replace(info, extra={**info.extra, EXTRA_KEY: token})


def modified(entry: Entry) -> float:
    """When the server last wrote an object (S3: LastModified), from a listing entry."""
    for key in ("LastModified", "last_modified", "mtime", "updated", "created"):
        value = entry.get(key)
        if value is None:
            continue
        if hasattr(value, "timestamp"):
            return float(value.timestamp())
        try:
            return float(value)
        except (TypeError, ValueError):
            continue
    return 0.0  # unknown: old


@dataclasses.dataclass
class VersionObjects:
    """The objects of one version directory, by the save they belong to: `files` maps a
    token (None: files of a save from before tokens) to {relative path: entry}."""

    claim: Entry | None
    published: bool
    files: dict[str | None, dict[str, Entry]]

    @classmethod
    def of(cls, objects: dict[str, Entry]) -> VersionObjects:
        files: dict[str | None, dict[str, Entry]] = {}
        for path, entry in objects.items():
            if path not in (CLAIM, MANIFEST):
                first, _, rest = path.partition("/")
                owner = first if rest and is_token(first) else None
                files.setdefault(owner, {})[path] = entry
        return cls(objects.get(CLAIM), MANIFEST in objects, files)

    def unowned(self, keep: set[Any], now: float, older_than: float) -> list[str | None]:
        """The owners of files not in `keep` whose newest file is `older_than` old."""
        return [
            owner
            for owner, files in sorted(self.files.items(), key=lambda item: item[0] or "")
            if owner not in keep and now - max(map(modified, files.values())) >= older_than
        ]


class Renewal:
    """While the block runs, `renew()` every `every` seconds in a thread; `lost` once it
    returns False (the claim is gone or someone else's: stop, the save must fail). A renewal
    that fails (the server unreachable) is tried again; the save checks its claim before it
    publishes anyway."""

    def __init__(self, renew: Callable[[], bool], every: float) -> None:
        self._renew, self.every, self.lost = renew, every, False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="claim-renewal", daemon=True)

    def __enter__(self) -> Renewal:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                if not self._renew():
                    self.lost = True
                    return
            except Exception:  # noqa: S112  # the server unreachable: again next time
                continue


class Claims:
    """Claims, given numbers and the server's clock of one store on an fsspec file system;
    `path(*parts)` is the path of an entry of the store."""

    def __init__(self, fs: Any, path: Callable[..., str], memory: bool) -> None:
        self.fs, self.path, self.memory = fs, path, memory

    @contextmanager
    def _atomic(self) -> Iterator[None]:
        if self.memory:
            with _MEMORY_LOCK:
                yield
        else:
            yield

    def create(self, path: str, data: bytes) -> None:
        """Create `path` only if it does not exist (FileExistsError otherwise), atomically:
        S3 `If-None-Match: *`, or a lock for the in-process memory:// file system."""
        if self.memory:
            with _MEMORY_LOCK:
                if self.fs.exists(path):
                    raise FileExistsError(path)
                self.fs.pipe_file(path, data)
        else:
            self.fs.pipe_file(path, data, mode="create")

    def take(self, name: str, data: bytes, numbers: Callable[[], list[int]]) -> int:
        """Create the claim `data` for the next number of `name`: one above every number in
        use (`numbers()`, read first) and every number given before (read after, so that a
        delete that removed versions meanwhile had recorded them)."""
        in_use = numbers()
        version = max([*in_use, self.highest(name)], default=0) + 1
        for _ in range(MAX_CLAIM_ATTEMPTS):
            if version > MAX_VERSION:
                raise ModelStoreError(INTERNAL, f"model {name!r} has no version number left")
            try:
                self.create(self.path(name, version, CLAIM), data)
                return version
            except FileExistsError:  # someone took it: go on from the highest in use now
                version = max([version, *numbers()]) + 1
        raise ModelStoreError(INTERNAL, f"could not take a version number for {name!r}")

    def token(self, name: str, version: int) -> str | None:
        try:
            return claim_token(self.fs.cat_file(self.path(name, version, CLAIM)))
        except FileNotFoundError:
            return None

    def renew(self, name: str, version: int, token: str, data: bytes) -> bool:
        """Rewrite the claim (the server stamps it anew) if it is still `token`'s."""
        with self._atomic():
            if self.token(name, version) != token:
                return False
            self.fs.pipe_file(self.path(name, version, CLAIM), data)
            return True

    def release(self, name: str, version: int, token: str | None) -> None:
        """Remove the claim if it is `token`'s (None: one of no valid token)."""
        path = self.path(name, version, CLAIM)
        with self._atomic():
            try:
                if claim_token(self.fs.cat_file(path)) == token:
                    self.fs.rm_file(path)
            except FileNotFoundError:
                pass

    def sweep(
        self, name: str, version: int, now: float, older_than: float
    ) -> tuple[bool, str | None]:
        """Remove the claim if, read afresh, it is `older_than` old at the server's time
        `now` (its save died, or stopped renewing it); (is it still there, its token)."""
        path = self.path(name, version, CLAIM)
        with self._atomic():
            self.fs.invalidate_cache(path)
            try:  # the token first: a claim taken again meanwhile is young
                token = claim_token(self.fs.cat_file(path))
                if now - modified(self.fs.info(path)) < older_than:
                    return True, token
                self.fs.rm_file(path)
            except FileNotFoundError:
                pass
        return False, None

    def server_now(self) -> float:
        """The server's time: LastModified of a probe object written now. Probes that a
        gc left when it died are removed."""
        probe = self.path(CLOCK, new_token())
        self.fs.pipe_file(probe, b"")
        try:
            self.fs.invalidate_cache(probe)
            now = modified(self.fs.info(probe))
        finally:
            self.fs.rm_file(probe)
        self.fs.invalidate_cache(self.path(CLOCK))
        try:
            for entry in self.fs.ls(self.path(CLOCK), detail=True):
                if now - modified(entry) >= PROBE_LEFTOVER_AGE:
                    self.fs.rm_file(entry["name"])
        except FileNotFoundError:
            pass
        return now

    def _numbers(self, name: str) -> list[int]:
        directory = self.path(NUMBERS, name)
        self.fs.invalidate_cache(directory)
        try:
            entries = self.fs.ls(directory, detail=False)
        except (FileNotFoundError, NotADirectoryError):
            return []
        found = (version_number(str(e).rstrip("/").rsplit("/", 1)[-1]) for e in entries)
        return [n for n in found if n is not None]

    def highest(self, name: str) -> int:
        """The highest version number ever given to `name` and deleted since (0: none)."""
        return max(self._numbers(name), default=0)

    def raise_highest(self, name: str, version: int) -> None:
        """Record `version` as given to `name`, before a delete removes anything. Each
        record is an object of its own, so concurrent deletes never lower the highest; the
        lower records are removed then."""
        recorded = self._numbers(name)
        if version > max(recorded, default=0):
            self.fs.pipe_file(self.path(NUMBERS, name, version), b"")
        for lower in recorded:
            if lower < version:
                try:
                    self.fs.rm_file(self.path(NUMBERS, name, lower))
                except FileNotFoundError:
                    pass
