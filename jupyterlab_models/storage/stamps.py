"""Stamps: what a file's or directory's stat says about whether it changed.

A stamp is `[inode, mtime in ns, link count, size]`, a list as JSON reads it back, so that
the list cache's stamps compare without conversion. Changes closer together than RACY_NS may
share one mtime on coarse file systems (FAT: 2 s); a stamp that recent is not trusted (None),
so such a change is never missed ("racy" stamps, as git calls them).
"""

from __future__ import annotations

import os
import time

RACY_NS = 2_000_000_000

Stamp = list[int]


def stamp_of(st: os.stat_result, now_ns: int) -> Stamp | None:
    if abs(now_ns - st.st_mtime_ns) < RACY_NS:
        return None
    return [st.st_ino, st.st_mtime_ns, st.st_nlink, st.st_size]


def path_stamp(path: str, dir_fd: int | None = None, now_ns: int | None = None) -> Stamp | None:
    """The stamp of a file or directory (`path` relative to `dir_fd` if given); None when it is
    gone or changed too recently."""
    try:
        st = os.stat(path, dir_fd=dir_fd)
    except OSError:
        return None
    return stamp_of(st, time.time_ns() if now_ns is None else now_ns)
