"""What `ModelStore.verify` reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class VersionProblem:
    """A stored version that `verify` found damaged (`version` None: the model's directory
    itself could not be read)."""

    name: str
    version: int | None
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True)
class VerifyReport:
    """What `ModelStore.verify` found: every version checked, the damaged ones, and version
    directories without a manifest (invisible: a save in progress or one that died)."""

    checked: list[tuple[str, int]] = field(default_factory=list)
    bad: list[VersionProblem] = field(default_factory=list)
    incomplete: list[tuple[str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.bad

    def to_dict(self) -> dict[str, Any]:
        bad = {(p.name, p.version) for p in self.bad}
        return {
            "ok": self.ok,
            "checked": [
                {"name": n, "version": v, "ok": (n, v) not in bad} for n, v in self.checked
            ],
            "bad": [p.to_dict() for p in self.bad],
            "incomplete": [{"name": n, "version": v} for n, v in self.incomplete],
        }
