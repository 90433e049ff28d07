"""How failures below the API reach its callers: every error of the store, the API and the
CLI is a `ModelStoreError` with a stable code (protocol.py)."""

from __future__ import annotations

import functools
from typing import Any, Callable, Protocol, TypeVar

from .protocol import ModelStoreError

_F = TypeVar("_F", bound=Callable[..., Any])


class _HasStorage(Protocol):
    @property
    def storage(self) -> Any: ...


def _mapping(writing: bool) -> Callable[[_F], _F]:
    def decorate(method: _F) -> _F:
        @functools.wraps(method)
        def wrapper(self: _HasStorage, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except ModelStoreError:
                raise
            except Exception as exc:
                mapped = self.storage.error(exc, writing)
                if mapped is None:
                    raise
                raise mapped from exc

        return wrapper  # type: ignore[return-value]

    return decorate


# A method of a `ModelStore` whose file system and network failures become
# ModelStoreError("internal"), as the storage words them (what it means for the user, never a
# credential); any other exception goes through as it is. `reading` for the methods that
# change nothing: their errors never say the store could not be changed.
reading = _mapping(writing=False)
writing = _mapping(writing=True)
