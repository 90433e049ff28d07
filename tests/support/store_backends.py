"""The storage backends the store tests run on: a local directory, memory:// (in-process
fsspec) and s3:// on a real S3-compatible server (moto, started once per test session on a
free port of 127.0.0.1 and stopped at the end; see s3_server.py).

The fixtures on top of this (`any_store`, `store_url_for`, `s3_endpoint`, ...) are in
tests/conftest.py.

Credentials reach the store only the usual way, through the AWS environment variables that
botocore reads (the endpoint too: AWS_ENDPOINT_URL); the secret is random per session and
exported as SECRET so that tests can check it never shows.
"""

from __future__ import annotations

import atexit
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
BUCKET = "jupyterlab-models-tests"
KEY_ID = "AKIA" + secrets.token_hex(8).upper()
SECRET = "s3cr3t-" + secrets.token_urlsafe(24)

BACKENDS = ["local", "memory", "s3"]
PROCESS_BACKENDS = ["local", "s3"]  # memory:// is not shared between processes


class S3Server:
    """One moto server per test process, started on first use."""

    process: subprocess.Popen | None = None
    endpoint: str = ""

    @classmethod
    def start(cls) -> str:
        if cls.process is not None and cls.process.poll() is None:
            return cls.endpoint
        # A missing moto or s3fs fails here: the S3 cases are never skipped.
        import moto.server  # noqa: F401
        import s3fs  # noqa: F401

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        cls.process = subprocess.Popen(
            [sys.executable, str(HERE / "s3_server.py"), str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        )
        atexit.register(cls.stop)
        deadline = time.monotonic() + 30
        while True:
            if cls.process.poll() is not None:
                raise RuntimeError("the S3 test server did not start")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    cls.stop()
                    raise RuntimeError("the S3 test server did not answer in 30 s") from None
                time.sleep(0.05)
        cls.endpoint = f"http://127.0.0.1:{port}"
        import boto3

        env = s3_env(cls.endpoint)
        boto3.client(
            "s3",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)
        return cls.endpoint

    @classmethod
    def stop(cls) -> None:
        if cls.process is not None and cls.process.poll() is None:
            cls.process.terminate()
            try:
                cls.process.wait(10)
            except subprocess.TimeoutExpired:
                cls.process.kill()
                cls.process.wait()
        cls.process = None


def s3_env(endpoint: str) -> dict[str, str]:
    home = str(HERE / "no-such-aws-config")  # never the developer's ~/.aws
    return {
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CONFIG_FILE": home,
        "AWS_SHARED_CREDENTIALS_FILE": home,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def make_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "local":
        return str(tmp_path / "store")
    if backend == "memory":
        return f"memory://store-{uuid.uuid4().hex}"
    endpoint = request.getfixturevalue("s3_endpoint")
    monkeypatch = request.getfixturevalue("monkeypatch")
    for key, value in s3_env(endpoint).items():
        monkeypatch.setenv(key, value)
    return f"s3://{BUCKET}/{uuid.uuid4().hex}/store"
