"""Model and variable naming rules.

A model name is 1-128 Unicode code points of letters, digits and combining marks in any script
(Unicode categories L, N and M), `-`, `_`, `.` and space (U+0020); not starting with `.` or a
space, not ending with `.` or a space; not a Windows device name (`CON`, `NUL`, `COM1`, ...,
with or without an extension), so that a store copied to Windows still opens. Control, format
(bidi), private-use and unassigned characters are not letters, so they are refused.

Names come in normalized to NFC (`validate_name` returns that form): the NFD spelling of a
name is the same model. Two names equal after NFC and case folding (`folded`) cannot both be in
a store (the store refuses the second), as they would collide on some file systems.
The same cases are tested on both sides from tests/fixtures/names.json.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Container

from .protocol import NAME_INVALID, VARIABLE_INVALID, ModelStoreError, shown

MAX_NAME_LENGTH = 128
_PUNCTUATION = frozenset("-_. ")
# Windows device names, also with an extension ("nul.txt") or superscript digits ("COM¹").
_DEVICE = re.compile(r"(CON|PRN|AUX|NUL|(COM|LPT)[1-9\u00b9\u00b2\u00b3])", re.IGNORECASE)


# The rule each check enforces; the keys are the `reason`s of tests/fixtures/names.json.
RULES = {
    "type": "must be a string",
    "empty": "must not be empty",
    "length": f"must be at most {MAX_NAME_LENGTH} characters",
    "character": (
        "must contain only letters, digits and combining marks (of any script), '-', '_', "
        "'.' and space"
    ),
    "start": "must not start with '.' or a space",
    "end": "must not end with '.' or a space",
    "reserved": (
        "must not be a Windows device name (CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9), "
        "with or without an extension"
    ),
}


def name_problem(name: object) -> str | None:
    """Return the key of the first rule in RULES that `name` breaks, or None if it is valid."""
    if not isinstance(name, str):
        return "type"
    if not name:
        return "empty"
    if len(name) > MAX_NAME_LENGTH:  # first: a 50 MB name is refused without a look inside
        return "length"
    category = unicodedata.category
    if not all(ch in _PUNCTUATION or category(ch)[0] in "LNM" for ch in name):
        return "character"
    if name[0] in ". ":
        return "start"
    if name[-1] in ". ":
        return "end"
    if _DEVICE.fullmatch(name.split(".", 1)[0].rstrip(" ")):
        return "reserved"
    return None


def validate_name(name: object) -> str:
    """`name` in NFC form, if it is a valid model name; else `name_invalid`."""
    if isinstance(name, str) and len(name) <= 4 * MAX_NAME_LENGTH:
        name = unicodedata.normalize("NFC", name)
    problem = name_problem(name)
    if problem is not None:
        raise ModelStoreError(
            NAME_INVALID, f"invalid model name {shown(name)}: a name {RULES[problem]}"
        )
    return name  # type: ignore[return-value]


def folded(name: str) -> str:
    """What two names that must not both exist have in common: NFC, case folded."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


# Names IPython keeps in a user's namespace: its history (`In`, `Out`, `_`, `_i`, `_oh`, ...),
# its helpers and Python's builtins. A kernel also passes IPython's `user_ns_hidden`.
IPYTHON_NAMES = frozenset(
    ("__builtins__", "get_ipython", "In", "Out", "exit", "quit")
    + ("_", "__", "___", "_i", "_ii", "_iii", "_oh", "_dh", "_ih")
)
_HISTORY_RE = re.compile(r"_i?[0-9]+")  # `_5` (output of cell 5) and `_i5` (its input)
MAX_VARIABLE_LENGTH = 1_000  # characters, for a variable to load into or a save's `variable`


def variable_problem(name: object, hidden: Container[str] = ()) -> str | None:
    """Why `name` cannot be loaded into (the end of a sentence "it ..."), or None."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        return "must be a Python identifier and not a keyword"
    if len(name) > MAX_VARIABLE_LENGTH:  # after isidentifier: a 50 MB name is not normalised
        return f"must be at most {MAX_VARIABLE_LENGTH:,} characters"
    normal = unicodedata.normalize("NFKC", name)
    if normal != name:
        # Python reads identifiers in NFKC: `ｃlf` in source code is `clf`, so a variable set
        # under the other spelling could never be named in a cell.
        return (
            f"is not in the form Python reads it in (NFKC): code names it {shown(normal)}; "
            "use that name"
        )
    if len(name) >= 4 and name.startswith("__") and name.endswith("__"):
        return "is a __dunder__ name, which Python and IPython keep for themselves"
    if name in IPYTHON_NAMES or _HISTORY_RE.fullmatch(name) or name in hidden:
        return "is a name IPython keeps for itself (its history, helpers or hidden names)"
    return None


def validate_variable(name: object, hidden: Container[str] = ()) -> str:
    """A variable to load into: a Python identifier as Python reads it (NFKC), not a keyword,
    not a __dunder__, and not one of the names IPython keeps (`IPYTHON_NAMES`, the history
    names `_5` and `_i5`, and `hidden`: IPython's `user_ns_hidden` in a kernel)."""
    problem = variable_problem(name, hidden)
    if problem is not None:
        raise ModelStoreError(
            VARIABLE_INVALID, f"invalid variable name {shown(name)}: it {problem}"
        )
    return name  # type: ignore[return-value]
