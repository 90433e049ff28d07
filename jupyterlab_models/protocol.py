"""Wire protocol of the `jupyterlab_models` comm (see docs/PROTOCOL.md).

Mirrored by `src/protocol.ts`; both sides are tested against tests/fixtures/protocol/*.json.
"""

from __future__ import annotations

from typing import Any

# 2: `list` answers with summaries (no files, library_versions or extra).
PROTOCOL_VERSION = 2
COMM_TARGET = "jupyterlab_models"

BAD_REQUEST = "bad_request"
UNKNOWN_OP = "unknown_op"
PROTOCOL_MISMATCH = "protocol_mismatch"
NAME_INVALID = "name_invalid"
VARIABLE_INVALID = "variable_invalid"
VARIABLE_NOT_FOUND = "variable_not_found"
VARIABLE_EXISTS = "variable_exists"
UNSUPPORTED_TYPE = "unsupported_type"
NOT_FOUND = "not_found"
LIBRARY_MISSING = "library_missing"
INTEGRITY = "integrity"
UNTRUSTED = "untrusted"
INTERNAL = "internal"
CANCELLED = "cancelled"  # a request that waited for the running cell, cancelled by the panel
BASE_MISSING = "base_missing"  # an adapter's base model is not in the store (peft_adapter)

# Codes the kernel may send.
ERROR_CODES = (
    BAD_REQUEST,
    UNKNOWN_OP,
    PROTOCOL_MISMATCH,
    NAME_INVALID,
    VARIABLE_INVALID,
    VARIABLE_NOT_FOUND,
    VARIABLE_EXISTS,
    UNSUPPORTED_TYPE,
    NOT_FOUND,
    LIBRARY_MISSING,
    INTEGRITY,
    UNTRUSTED,
    INTERNAL,
    CANCELLED,
    BASE_MISSING,
)

# Codes only the frontend produces; listed so both sides agree on the full set.
FRONTEND_ERROR_CODES = ("timeout", "kernel_unavailable")


class ModelStoreError(Exception):
    """An error with a stable wire code; the same code reaches the panel, the API and the CLI."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        # Machine-readable specifics the panel acts on (e.g. {"untrusted": [...]}).
        self.details = details

    def __repr__(self) -> str:
        return f"ModelStoreError({self.code!r}, {self.message!r})"


def shown(value: object, limit: int = 80) -> str:
    """`repr(value)` for a message, cut to about `limit` characters: a value from a request
    may be megabytes long, and an error message echoes only enough of it to recognise it."""
    if isinstance(value, str) and len(value) > limit:  # no repr of all 50 MB
        return f"{repr(value[:limit])[: limit - 20]}... ({len(value)} chars)"
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 20]}... ({len(text)} chars)"


def ok_reply(request_id: str, result: dict[str, Any]) -> dict[str, Any]:
    return {"id": request_id, "ok": True, "result": result}


def error_reply(
    request_id: str, code: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"id": request_id, "ok": False, "error": error}


def progress_event(request_id: str, done: int, total: int) -> dict[str, Any]:
    return {"id": request_id, "event": "progress", "done": done, "total": total}


def waiting_event(request_id: str) -> dict[str, Any]:
    """The request waits for the running cell: it touches the user's objects (docs/PROTOCOL.md)."""
    return {"id": request_id, "event": "waiting"}
