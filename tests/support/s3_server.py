"""A real S3-compatible server for the tests: moto's standalone server on 127.0.0.1.

    python tests/support/s3_server.py PORT

is `moto_server -H 127.0.0.1 -p PORT` with one fix: moto checks a PUT's `If-None-Match: *`
and then writes, with no lock in between, so two simultaneous conditional PUTs of the same
key can both succeed on its threaded server. AWS S3 decides them atomically, and the store
relies on that (two writers must never take the same version), so this wrapper makes moto's
object PUT handler exclusive. Everything else is moto as it is, over HTTP.
"""

from __future__ import annotations

import functools
import sys
import threading


def _serialize_puts() -> None:
    from moto.s3.responses import S3Response

    original = S3Response.put_object
    lock = threading.Lock()

    @functools.wraps(original)
    def put_object(self, *args, **kwargs):
        with lock:
            return original(self, *args, **kwargs)

    S3Response.put_object = put_object


def main() -> None:
    from moto.server import main as moto_main

    port = sys.argv[1]
    _serialize_puts()
    moto_main(["-H", "127.0.0.1", "-p", port])


if __name__ == "__main__":
    main()
