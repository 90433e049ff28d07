"""Keeping credentials out of what a remote store says: no password in a store URL, and no
secret we can know of in an error message."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any


def has_password(url: str) -> bool:
    """Whether any URL of an fsspec chain has a `user:password@` part."""
    return any(
        re.match(r"[A-Za-z][A-Za-z0-9+.-]*://[^/@:]*:[^/@]*@", part) for part in url.split("::")
    )


_SENSITIVE_KEY = r"(?i)secret|token|password|passwd|key|credential|sas|signature"
_SENSITIVE_ENV = (
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AZURE_STORAGE_KEY",
    "AZURE_STORAGE_SAS_TOKEN",
    "AZURE_STORAGE_CONNECTION_STRING",
    "GOOGLE_APPLICATION_CREDENTIALS",
)


def scrub(message: str, fs: Any = None) -> str:
    """`message` with every credential we can know of replaced by `***`: the usual
    environment variables, the file system's options and attributes (key, secret, token)."""
    secrets = {os.environ.get(name, "") for name in _SENSITIVE_ENV}
    secrets.update(
        os.environ[k]
        for k in os.environ
        if k.startswith("FSSPEC_") and re.search(_SENSITIVE_KEY, k)
    )
    if fs is not None:
        secrets.update(_sensitive_values(getattr(fs, "storage_options", {})))
        for attribute in ("key", "secret", "token", "password"):
            value = getattr(fs, attribute, None)
            if isinstance(value, str):
                secrets.add(value)
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        message = message.replace(secret, "***")
    return message


def _sensitive_values(options: object, sensitive: bool = False) -> Iterator[str]:
    if isinstance(options, dict):
        for key, value in options.items():
            yield from _sensitive_values(
                value, sensitive or bool(re.search(_SENSITIVE_KEY, str(key)))
            )
    elif isinstance(options, (list, tuple)):
        for value in options:
            yield from _sensitive_values(value, sensitive)
    elif sensitive and isinstance(options, str):
        yield options
