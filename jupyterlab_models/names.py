"""Model and variable naming rules.

A model name is 1-128 characters of ASCII letters, digits, `-`, `_`, `.` and space (U+0020),
not starting with `.` or a space and not ending with a space or `.`. ASCII only, so that the
rule is the same in Python and TypeScript, names are safe as directory names everywhere, and
no two names collide through Unicode normalisation or case folding. The same cases are tested
on both sides from tests/fixtures/names.json.
"""

from __future__ import annotations

import keyword
import re

from .protocol import NAME_INVALID, VARIABLE_INVALID, ModelStoreError, shown

MAX_NAME_LENGTH = 128
_ALLOWED_RE = re.compile(r"[A-Za-z0-9_. -]*")


# The rule each check enforces; the keys are the `reason`s of tests/fixtures/names.json.
RULES = {
    "type": "must be a string",
    "empty": "must not be empty",
    "character": "must contain only ASCII letters, digits, '-', '_', '.' and space",
    "length": f"must be at most {MAX_NAME_LENGTH} characters",
    "start": "must not start with '.' or a space",
    "end": "must not end with '.' or a space",
}


def name_problem(name: object) -> str | None:
    """Return the key of the first rule in RULES that `name` breaks, or None if it is valid."""
    if not isinstance(name, str):
        return "type"
    if not name:
        return "empty"
    # Characters before length: JavaScript counts UTF-16 units, so for a non-ASCII name the
    # two sides would disagree on the length but agree on the character rule.
    if not _ALLOWED_RE.fullmatch(name):  # a regular expression: fast on a 50 MB name too
        return "character"
    if len(name) > MAX_NAME_LENGTH:
        return "length"
    if name[0] in ". ":
        return "start"
    if name[-1] in ". ":
        return "end"
    return None


def validate_name(name: object) -> str:
    problem = name_problem(name)
    if problem is not None:
        raise ModelStoreError(
            NAME_INVALID, f"invalid model name {shown(name)}: a name {RULES[problem]}"
        )
    return name  # type: ignore[return-value]


def validate_variable(name: object) -> str:
    """A variable to load into must be a Python identifier that is not a keyword."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ModelStoreError(
            VARIABLE_INVALID,
            f"invalid variable name {shown(name)}: "
            "it must be a Python identifier and not a keyword",
        )
    return name
