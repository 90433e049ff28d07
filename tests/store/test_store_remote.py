"""What only object storage has: the conditional create that takes a version number, the
layout of the objects, credentials that never show, and the packages a URL needs."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from jupyterlab_models import ModelStore, ModelStoreError
from jupyterlab_models.protocol import PROTOCOL_VERSION
from jupyterlab_models.storage.credentials import has_password, scrub
from tests.support import fake_format, tiny_models
from tests.support.store_raw import raw_files, read_raw


@pytest.fixture(autouse=True)
def _fake_format(monkeypatch):
    fake_format.register(monkeypatch)


@pytest.fixture
def s3(store_url_for):
    return ModelStore(store_url_for("s3"))


def blob(text: str) -> fake_format.Blob:
    return fake_format.Blob(text.encode() * 50)


def test_layout_on_object_storage(s3):
    info = s3.save(blob("a"), "m")
    claim = json.loads(read_raw(s3, "m/1/.claim"))
    assert set(claim) == {"token", "created_at"}
    token = claim["token"]
    # the files under the save's own token, which the manifest names
    assert info.extra == {"parts": 3, "upload_token": token}
    assert raw_files(s3) == sorted(
        [
            "m/1/.claim",
            "m/1/manifest.json",
            f"m/1/{token}/parts/0.bin",
            f"m/1/{token}/parts/1.bin",
            f"m/1/{token}/parts/2.bin",
        ]
    )
    manifest = read_raw(s3, "m/1/manifest.json")
    # byte for byte what a local store writes
    assert manifest == (json.dumps(info.to_dict(), indent=2, ensure_ascii=False) + "\n").encode()


def test_a_version_number_is_taken_by_a_conditional_create(s3):
    backend = s3.storage
    backend.claims.create(backend.path("x", 1, ".claim"), b"first")
    with pytest.raises(FileExistsError):  # S3 answered 412 to If-None-Match: *
        backend.claims.create(backend.path("x", 1, ".claim"), b"second")
    assert read_raw(s3, "x/1/.claim") == b"first"


@pytest.mark.parametrize("backend", ["memory", "s3"])
def test_claims_racing_for_one_name_get_distinct_numbers(store_url_for, backend):
    store = ModelStore(store_url_for(backend))
    storage = store.storage
    with ThreadPoolExecutor(8) as pool:
        numbers = list(
            pool.map(
                lambda i: storage.claims.take(
                    "m", f"{i}".encode(), lambda: storage.version_numbers("m")
                ),
                range(24),
            )
        )
    assert sorted(numbers) == list(range(1, 25))
    for number, i in zip(numbers, range(24)):
        assert read_raw(store, f"m/{number}/.claim") == f"{i}".encode()


def test_a_save_whose_claim_was_taken_away_fails_and_leaves_nothing(s3, monkeypatch, inject_faults):
    """As if `gc --older-than 0` removed the claim of a save still uploading."""

    def crash_point(point):
        if point == "uploading":
            s3.storage.fs.rm_file(s3.storage.path("m", 1, ".claim"))

    inject_faults(crash_point)
    with pytest.raises(ModelStoreError, match="taken away") as info:
        s3.save(blob("a"), "m")
    assert info.value.code == "internal"
    assert raw_files(s3) == []


def test_a_missing_bucket(s3_endpoint, store_url_for):
    store_url_for("s3")  # the S3 settings
    store = ModelStore("s3://no-such-bucket-here/models")
    assert store.list() == []
    with pytest.raises(ModelStoreError) as info:
        store.save(blob("a"), "m")
    assert info.value.code == "internal"
    assert info.value.message.startswith("store s3://no-such-bucket-here/models: ")


# --- credentials -------------------------------------------------------------------------


def test_credentials_never_show(store_url_for, s3_secret, s3_key_id, caplog, capsys):
    url = store_url_for("s3")
    store = ModelStore(url)
    caplog.set_level(logging.DEBUG)
    info = store.save(blob("a"), "m", description="d")
    store.load("m")
    texts = [repr(store), store.location, json.dumps(info.to_dict()), repr(info)]
    texts += [read_raw(store, p).decode("utf-8", "replace") for p in raw_files(store)]
    texts += [json.dumps(store.verify().to_dict()), repr(store.list())]
    # errors, from the store and from the server
    for call in (
        lambda: store.load("nope"),
        lambda: ModelStore("s3://no-such-bucket-here/x").save(blob("a"), "m"),
        lambda: ModelStore(f"s3://{s3_key_id}:{s3_secret}@bucket/x"),
    ):
        with pytest.raises(ModelStoreError) as error:
            call()
        texts += [str(error.value), error.value.message, repr(error.value)]
    # the CLI, in a process of its own with the same environment
    from jupyterlab_models.cli import main

    for argv in (["list"], ["info", "m"], ["verify"], ["versions", "m"], ["info", "nope"]):
        main([*argv, "--store", url, "--json"])
        texts += list(capsys.readouterr())
    for text in texts:
        assert s3_secret not in text and s3_key_id not in text
    # every log record, botocore's and s3fs's debug output included
    assert caplog.records
    for record in caplog.records:
        assert s3_secret not in record.getMessage()


def test_a_password_in_the_url_is_refused():
    for url in ["s3://AKIA123:pa55word@bucket/x", "simplecache::s3://a:pa55word@b/x"]:
        assert has_password(url)
        with pytest.raises(ModelStoreError) as info:
            ModelStore(url)
        assert info.value.code == "bad_request" and "pa55word" not in info.value.message
        assert "AWS_SECRET_ACCESS_KEY" in info.value.message
    for url in ["s3://bucket/x", "memory://x@y/z", "sftp://user@host/p", "s3://b/a:b@c"]:
        assert not has_password(url)


def test_scrub(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "the-secret-value")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "the-session-token")

    class FakeFs:
        storage_options = {
            "client_kwargs": {"aws_secret_access_key": "nested-secret"},
            "anon": False,
        }
        key = "key-attribute"

    message = "the-secret-value the-session-token nested-secret key-attribute anon False"
    assert scrub(message, FakeFs()) == "*** *** *** *** anon False"


def test_the_kernel_refuses_a_store_url_with_a_password():
    from jupyterlab_models.kernel import KernelState, handle

    messages = []
    args = {"protocol_version": PROTOCOL_VERSION, "store": "s3://u:pa55word@bucket/x"}
    handle({"id": "1", "op": "hello", "args": args}, {}, KernelState(), messages.append)
    assert messages[-1]["error"]["code"] == "bad_request"
    assert "pa55word" not in json.dumps(messages)


# --- what a URL needs ------------------------------------------------------------------------


def test_a_protocol_whose_package_is_missing():
    with pytest.raises(ModelStoreError) as info:
        ModelStore("gcs://bucket/models")
    assert info.value.code == "library_missing"
    assert "gcsfs" in info.value.message


def test_without_fsspec_local_stores_work_and_urls_say_what_to_install(tmp_path):
    code = (
        "import sys; sys.modules['fsspec'] = None\n"
        "from jupyterlab_models import ModelStore, ModelStoreError\n"
        f"assert ModelStore({str(tmp_path)!r}).list() == []\n"
        "assert 'jupyterlab_models.storage.remote' not in sys.modules\n"
        "try:\n"
        "    ModelStore('s3://bucket/x')\n"
        "except ModelStoreError as exc:\n"
        "    print(exc.code, exc.message)\n"
    )
    from tests.support.env import python_env

    out = subprocess.run(
        [sys.executable, "-c", code], env=python_env(), capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("library_missing ") and "pip install fsspec" in out


# --- every format through a remote store --------------------------------------------------


@pytest.mark.parametrize("format_id", sorted(tiny_models.BUILDERS))
def test_every_format_round_trips_through_a_remote_store(format_id, store_url_for, scratch):
    """The format writes into and reads from a local scratch directory that is gone once
    `load` returns: the loaded model must not need its files any more."""
    model, options = tiny_models.build(format_id)
    store = ModelStore(store_url_for("memory"))
    tiny_models.save_bases(store, format_id)
    store.save(model, "m", **options)
    try:
        loaded = store.load("m")
    except ModelStoreError as exc:
        assert exc.code == "untrusted", exc
        loaded = store.load("m", trusted=exc.details["untrusted"])
    assert [p for p in scratch.rglob("*") if p.parent != scratch] == []  # cleaned up
    expected = tiny_models.outputs(format_id, model)
    tiny_models.assert_same(format_id, expected, tiny_models.outputs(format_id, loaded))


def test_the_cli_on_s3_in_a_process_of_its_own(store_url_for, child_env, s3_secret):
    """Credentials from the environment only, as a user would run it."""
    url = store_url_for("s3")
    ModelStore(url).save(blob("a"), "m", description="from the test")
    done = subprocess.run(
        [sys.executable, "-m", "jupyterlab_models.cli", "list", "--json", "--store", url],
        env=child_env(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["store"] == url and result["versions"] == {"m": 1}
    assert [m["description"] for m in result["models"]] == ["from the test"]
    assert s3_secret not in done.stdout + done.stderr
