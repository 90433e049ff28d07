"""A store shared by a team, and stores that another user controls.

Everything runs as real users: the test (root) picks two members of a team and an outsider,
uids and gids with no account on this machine, and runs each step in a child Python that
becomes that user (tests/support/team_child.py), so the kernel checks every file system call
against that user's rights. No account is created, so none is left behind.

- A team store (a directory owned by the team's group, setgid, group-writable): each member
  saves a new version of a model the other saved, loads the other's versions, deletes them,
  lists (rewriting the list cache file the other wrote), and collects what the other's killed
  save or delete left; every entry the store made keeps the team's group and rights.
- A `.jupyterlab-models` found by searching upwards that another user owns, or that every
  user may write, or a teammate's team store, is refused with a message that says how to use
  it on purpose; given explicitly it is used.
- Remote saves and loads stage in a private directory that mkdtemp makes (mode 0700, a name
  no one can guess): a `jupyterlab-models-<uid>` that another user planted in the temp
  directory, as a link or a directory, is never used.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from jupyterlab_models import ModelStore, ModelStoreError
from jupyterlab_models.location import ENV_VAR, resolve_location
from jupyterlab_models.storage.locks import SCRATCH_PREFIX
from tests.support.env import REPO, python_env
from tests.support.processes import Child
from tests.support.store_raw import age_tree

CHILD = "tests.support.team_child"


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int  # a group of its own, as useradd makes
    groups: tuple[int, ...]  # supplementary

    def spec(self, umask: int, remote: bool) -> str:
        return json.dumps(
            {
                "uid": self.uid,
                "gid": self.gid,
                "groups": list(self.groups),
                "umask": umask,
                "remote": remote,
            }
        )

    def env(self, **extra: str) -> dict[str, str]:
        return {**python_env(), "USER": self.name, "LOGNAME": self.name, **extra}


@dataclass(frozen=True)
class Team:
    base: Path  # a directory every user may enter, removed at the end
    gid: int  # the team's group
    ana: User
    ben: User
    mallory: User  # not in the team

    def store_dir(self) -> Path:
        """A team store: owned by root and the team's group, setgid, group-writable."""
        path = self.base / "team-store"
        path.mkdir()
        os.chown(path, 0, self.gid)
        os.chmod(path, 0o2770)
        return path


def _unused(number: int) -> bool:
    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(number)
            return False
        except KeyError:
            pass
    return True


@pytest.fixture
def team():
    assert os.geteuid() == 0, "these tests switch to other users and need root"
    first = 42000 + (os.getpid() % 1000) * 4
    while not all(_unused(n) for n in range(first, first + 4)):
        first += 4
    team_gid = first
    ana = User("ana", first + 1, first + 1, (team_gid,))
    ben = User("ben", first + 2, first + 2, (team_gid,))
    mallory = User("mallory", first + 3, first + 3, ())
    base = Path(tempfile.mkdtemp(prefix="jupyterlab-models-team-test-"))
    try:
        os.chmod(base, 0o755)  # mkdtemp made it 0700: root's alone
        yield Team(base, team_gid, ana, ben, mallory)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def run_as(user: User, code: str, umask: int = 0o022, remote: bool = False, **env: str):
    """What `code` sets as `result`, run as `user` (see tests/support/team_child.py)."""
    done = subprocess.run(
        [sys.executable, "-m", CHILD, user.spec(umask, remote), code],
        capture_output=True,
        text=True,
        env=user.env(**env),
        cwd=REPO,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def killed_at(user: User, store: Path, point: str, action: str) -> None:
    """Run `action` (code using `store`) as `user`, and SIGKILL it at the step `point`."""
    code = (
        f"store = ModelStore({str(store)!r})\n"
        "def crash(reached):\n"
        f"    if reached == {point!r}:\n"
        "        print('AT', reached, flush=True)\n"
        "        time.sleep(600)\n"
        "faults.set_handler(crash)\n"
        f"{action}\n"
    )
    child = Child([user.spec(0o022, False), code], user.env(), module=CHILD)
    assert child.line() == f"AT {point}"
    child.kill()


def at(store: Path) -> str:
    return f"store = ModelStore({str(store)!r})\n"


def loads(name: str, version: int, text: str) -> str:
    """Code: whether version `version` of `name` holds `blob(text)`."""
    return f"store.load({name!r}, {version}).data == blob({text!r}).data"


def not_shared(store: Path, team_gid: int) -> list[str]:
    """Every entry below `store` whose group or rights would shut a member out: a directory
    must be the team's, setgid and group-writable, a file the team's and group-readable."""
    found = []
    for directory, dirs, files in os.walk(store):
        for entry in dirs + files:
            path = os.path.join(directory, entry)
            st = os.lstat(path)
            if stat.S_ISDIR(st.st_mode):
                ok = st.st_mode & 0o2070 == 0o2070
            else:
                ok = stat.S_ISREG(st.st_mode) and st.st_mode & 0o040
            if not ok or st.st_gid != team_gid:
                relative = os.path.relpath(path, store)
                found.append(f"{relative} {stat.filemode(st.st_mode)} gid {st.st_gid}")
    return found


# --- a team store -----------------------------------------------------------------------


def test_every_member_saves_loads_lists_and_deletes_the_others_versions(team):
    store = team.store_dir()
    ana, ben = team.ana, team.ben
    cache = store / ".list-cache.json"

    # each saves a new version of the model the other saved (ben's first save is the step
    # that failed before: `.staging` was made 0700 by the first saver)
    assert run_as(ana, at(store) + "result = store.save(blob('ana-1'), 'm').version") == 1
    assert run_as(ben, at(store) + "result = store.save(blob('ben-2'), 'm').version") == 2
    assert run_as(ana, at(store) + "result = store.save(blob('ana-3'), 'm').version") == 3
    assert run_as(ben, at(store) + "result = store.save(blob('ben-o'), 'o').version") == 1

    # each loads the other's versions, byte for byte (the test format's files are in a
    # sub-directory its library made with the saver's umask)
    code = f"result = [{loads('m', 2, 'ben-2')}, {loads('o', 1, 'ben-o')}]"
    assert run_as(ana, at(store) + code) == [True, True]
    code = f"result = [{loads('m', 1, 'ana-1')}, {loads('m', 3, 'ana-3')}]"
    assert run_as(ben, at(store) + code) == [True, True]
    code = "report = store.verify()\nresult = [report.bad, len(report.checked)]"
    assert run_as(ben, at(store) + code) == [[], 4]

    # the list cache file: written by ana, read and rewritten by ben (a rename over ana's
    # file), read by ana again; stamps are trusted only once 2 s old, hence the ageing
    listing = at(store) + (
        "list_cache.REWRITE_AFTER = 1\n"
        "result = [[i.name, i.version, n] for i, n in store.list_with_counts()]"
    )
    age_tree(str(store), time.time() - 60)
    assert run_as(ana, listing) == [["m", 3, 3], ["o", 1, 1]]
    assert cache.stat().st_uid == ana.uid
    assert run_as(ben, at(store) + "result = store.save(blob('ben-4'), 'm').version") == 4
    age_tree(str(store), time.time() - 60)
    assert run_as(ben, listing) == [["m", 4, 4], ["o", 1, 1]]
    assert cache.stat().st_uid == ben.uid
    assert run_as(ana, listing) == [["m", 4, 4], ["o", 1, 1]]

    # each deletes the other's versions; the highest number deleted (.numbers/m, written by
    # one, replaced by the other) is never given again
    assert run_as(ben, at(store) + "result = store.delete('m', 1)") == [1]  # ana's
    assert run_as(ana, at(store) + "result = store.delete('m', 4)") == [4]  # ben's, the highest
    assert run_as(ben, at(store) + "result = store.save(blob('ben-5'), 'm').version") == 5
    assert run_as(ben, at(store) + "result = store.delete('m', 5)") == [5]
    assert run_as(ana, at(store) + "result = store.save(blob('ana-6'), 'm').version") == 6
    assert (store / ".numbers" / "m").read_text() == "5\n"
    assert run_as(ana, at(store) + "result = [v.version for v in store.versions('m')]") == [2, 3, 6]
    assert run_as(ana, at(store) + "result = store.delete('o')") == [1]  # ben's model
    assert run_as(ben, at(store) + "result = store.delete('m')") == [2, 3, 6]  # both users'
    assert os.listdir(store / ".trash") == []  # removed at once, nothing left for gc
    assert sorted(os.listdir(store / ".locks")) == ["m.lock", "o.lock"]
    assert not_shared(store, team.gid) == []
    assert run_as(ana, at(store) + "result = store.list()") == []


def test_a_member_with_umask_077_shares_what_the_store_holds(team):
    store = team.store_dir()
    ana, ben = team.ana, team.ben
    code = at(store) + "result = store.save(blob('ben-1'), 'm').version"
    assert run_as(ben, code, umask=0o077) == 1  # the library writes files 0600
    assert not_shared(store, team.gid) == []
    assert run_as(ana, at(store) + f"result = {loads('m', 1, 'ben-1')}") is True
    assert run_as(ana, at(store) + "result = store.save(blob('ana-2'), 'm').version") == 2
    assert run_as(ben, at(store) + "result = store.delete('m')", umask=0o077) == [1, 2]
    assert run_as(ana, at(store) + "result = [store.list(), store.gc(0)]") == [[], []]
    assert not_shared(store, team.gid) == []


def test_a_member_collects_what_the_others_killed_saves_and_deletes_left(team):
    store = team.store_dir()
    ana, ben = team.ana, team.ben
    assert run_as(ana, at(store) + "result = store.save(blob('ana-1'), 'm').version") == 1

    # ana's save killed once its files are hashed: a staging directory and its lock
    killed_at(ana, store, "hashed", "store.save(blob('killed'), 'm')")
    (left,) = [e for e in os.listdir(store / ".staging") if not e.endswith(".lock")]
    assert sorted(os.listdir(store / ".staging")) == [left, f"{left}.lock"]
    assert run_as(ben, at(store) + "result = store.gc(0)") == [f".staging/{left}"]
    assert os.listdir(store / ".staging") == []

    # ana's delete killed after the version went to .trash
    killed_at(ana, store, "trashed", "store.delete('m', 1)")
    (trashed,) = os.listdir(store / ".trash")
    assert run_as(ben, at(store) + "result = store.gc(0)") == [f".trash/{trashed}"]
    assert os.listdir(store / ".trash") == []

    # ana's save killed while its library still wrote (the test format's `parts/`, made
    # with ana's umask 022, which ben may not empty): ben's gc removes what it may and
    # names nothing; ana's own gc removes the rest
    killed_at(ana, store, "format_writing", "store.save(blob('killed'), 'm')")
    (left,) = [e for e in os.listdir(store / ".staging") if not e.endswith(".lock")]
    assert run_as(ben, at(store) + "result = store.gc(0)") == []
    assert run_as(ana, at(store) + "result = store.gc(0)") == [f".staging/{left}"]
    assert os.listdir(store / ".staging") == []

    # nothing else was touched: the next save is version 2, both members load it
    assert run_as(ben, at(store) + "result = store.save(blob('ben-2'), 'm').version") == 2
    assert run_as(ana, at(store) + f"result = {loads('m', 2, 'ben-2')}") is True
    assert not_shared(store, team.gid) == []


# --- stores that another user controls --------------------------------------------------


def _refused(base: Path, make) -> tuple[Path, Path]:
    """A project `base/project/sub/dir` under `base/.jupyterlab-models`, made by `make`."""
    found = base / ".jupyterlab-models"
    make(found)
    here = base / "project" / "sub" / "dir"
    here.mkdir(parents=True)
    return found, here


def _another_users(team: Team):
    def make(path: Path) -> None:
        path.mkdir()
        os.chown(path, team.mallory.uid, team.mallory.gid)

    return make


def _a_teammates_team_store(team: Team):
    def make(path: Path) -> None:
        path.mkdir()
        os.chown(path, team.ben.uid, team.gid)
        os.chmod(path, 0o2770)

    return make


def _world_writable(team: Team):
    def make(path: Path) -> None:
        path.mkdir()
        os.chmod(path, 0o777)

    return make


def _a_link_of_another_user(team: Team):
    def make(path: Path) -> None:
        target = path.parent / "mine"
        target.mkdir()
        path.symlink_to(target)
        os.lchown(path, team.mallory.uid, team.mallory.gid)

    return make


@pytest.mark.parametrize(
    "make, problem",
    [
        (_another_users, "is owned by another user (uid {mallory}), so it is not used: "),
        (
            _a_teammates_team_store,
            "is a team store (its group may write it) owned by another user (uid {ben}), so it "
            "is not used: a team store found by searching is used only when given explicitly",
        ),
        (_world_writable, "is writable by every user, so it is not used: anyone could"),
        (_a_link_of_another_user, "is owned by another user (uid {mallory}), so it is not"),
    ],
    ids=["another-users", "a-teammates-team-store", "world-writable", "a-link-of-another-user"],
)
def test_a_store_found_upwards_that_another_user_controls_is_refused(
    team, monkeypatch, make, problem
):
    found, here = _refused(team.base, make(team))
    monkeypatch.chdir(here)
    for attempt in (resolve_location, ModelStore):
        with pytest.raises(ModelStoreError) as caught:
            attempt()
        assert caught.value.code == "bad_request"
        message = caught.value.message
        assert message.startswith(f"the store {found}, found in a parent of the current ")
        assert problem.format(mallory=team.mallory.uid, ben=team.ben.uid) in message
        for way in (f"ModelStore({str(found)!r})", f"--store {found}", f"{ENV_VAR}={found}"):
            assert way in message
    # given explicitly, in every way, it is used as given
    assert ModelStore(found).location == str(found)
    assert resolve_location(None, str(team.base)) == str(found)  # the panel's server root
    monkeypatch.setenv(ENV_VAR, str(found))
    assert ModelStore().location == str(found)


def test_a_store_of_ones_own_found_upwards_is_used(team, monkeypatch):
    for mode in (0o755, 0o2775):  # private, or a team store of one's own
        base = team.base / f"own-{mode:o}"
        base.mkdir()
        found, here = _refused(base, lambda path, m=mode: (path.mkdir(), os.chmod(path, m)))
        monkeypatch.chdir(here)
        assert ModelStore().location == str(found)


def test_a_user_is_not_given_a_store_another_user_planted(team):
    """As ana, in her project under a shared directory (like /tmp) where mallory made a
    `.jupyterlab-models` holding a model: the API and the CLI refuse it until it is named."""
    shared = team.base / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    planted = shared / ".jupyterlab-models"
    code = f"result = ModelStore({str(planted)!r}).save(blob('bait'), 'bait').version"
    assert run_as(team.mallory, code) == 1
    project = shared / "ana-project"
    (project / "notebooks").mkdir(parents=True)
    shutil.chown(project, team.ana.uid, team.ana.gid)
    shutil.chown(project / "notebooks", team.ana.uid, team.ana.gid)
    code = f"""
from jupyterlab_models import save_model
os.chdir({str(project / "notebooks")!r})
result = {{}}
for what, attempt in [("store", ModelStore), ("save", lambda: save_model(blob("mine"), "mine"))]:
    try:
        attempt()
    except ModelStoreError as exc:
        result[what] = [exc.code, exc.message]
err = io.StringIO()
with contextlib.redirect_stderr(err):
    result["cli"] = [cli.main(["list"]), err.getvalue()]
out = io.StringIO()
with contextlib.redirect_stdout(out):
    status = cli.main(["list", "--json", "--store", {str(planted)!r}])
result["cli --store"] = [status, out.getvalue()]
result["explicit"] = [i.name for i in ModelStore({str(planted)!r}).list()]
os.environ[{ENV_VAR!r}] = {str(planted)!r}
result["environment"] = [i.name for i in ModelStore().list()]
del os.environ[{ENV_VAR!r}]
os.mkdir({str(project / ".jupyterlab-models")!r})
result["own"] = ModelStore().save(blob("mine"), "mine").version
"""
    result = run_as(team.ana, code)
    problem = f"is owned by another user (uid {team.mallory.uid})"
    for what in ("store", "save"):
        error, message = result[what]
        assert error == "bad_request" and f"the store {planted}, found" in message
        assert problem in message and f"--store {planted}" in message
    status, stderr = result["cli"]
    assert status == 1 and stderr.startswith(f"error [bad_request]: the store {planted}")
    status, stdout = result["cli --store"]
    assert status == 0 and [m["name"] for m in json.loads(stdout)["models"]] == ["bait"]
    assert result["explicit"] == result["environment"] == ["bait"]
    assert result["own"] == 1  # her own store, nearer, is found and used
    assert sorted(os.listdir(planted)) == [".locks", ".staging", "bait"]  # nothing of ana's


# --- remote stores: private scratch directories ------------------------------------------


@pytest.mark.parametrize("planted", ["symlink", "directory"])
def test_remote_scratch_is_private_and_never_a_planted_path(team, planted):
    """As ana, with a shared temp directory where mallory planted `jupyterlab-models-<ana's
    uid>` (a link to a directory of his, or a directory of his) and an old directory named
    like a scratch directory: every save and load stages in a new mkdtemp directory, mode
    0700, ana's, named unpredictably; mallory's entries are neither used nor removed."""
    ana, mallory = team.ana, team.mallory
    tmp = team.base / "tmp"
    tmp.mkdir()
    os.chmod(tmp, 0o1777)
    trap = tmp / "mallorys"
    trap.mkdir(mode=0o777)
    guess = tmp / f"jupyterlab-models-{ana.uid}"
    if planted == "symlink":
        guess.symlink_to(trap)
    else:
        guess.mkdir()
    old = tmp / f"{SCRATCH_PREFIX}mallorys"
    old.mkdir()
    for path in (trap, guess, old):
        os.lchown(path, mallory.uid, mallory.gid)
        if not path.is_symlink():
            os.chmod(path, 0o777)
    age_tree(str(old), time.time() - 7200)
    code = """
import tempfile
seen = []
def recorded(original, position):
    def call(*args, **kwargs):
        directory = args[position]  # where the format writes, or the files it reads
        directory = getattr(directory, "directory", directory)
        top = os.path.dirname(directory)
        st = os.stat(top)
        seen.append([top, stat.S_IMODE(st.st_mode), st.st_uid, os.path.realpath(directory)])
        return original(*args, **kwargs)
    return call
import stat
fake_format.save = recorded(fake_format.save, 1)
fake_format.load = recorded(fake_format.load, 0)
store = ModelStore("memory://team-scratch")
for text in ("a", "b"):
    store.save(blob(text), "m")
ok = [store.load("m", v).data == blob(t).data for v, t in ((1, "a"), (2, "b"))]
result = [seen, ok, store.gc(0), tempfile.gettempdir()]
"""
    seen, ok, collected, tempdir = run_as(ana, code, remote=True, TMPDIR=str(tmp))
    assert tempdir == str(tmp) and ok == [True, True] and len(seen) == 4
    names = set()
    for top, mode, owner, real in seen:
        name = os.path.basename(top)
        assert os.path.dirname(top) == str(tmp) and real == os.path.join(top, "files")
        assert mode == 0o700 and owner == ana.uid
        assert name.startswith(SCRATCH_PREFIX) and len(name) >= len(SCRATCH_PREFIX) + 8
        names.add(name)
    assert len(names) == 4  # a new name each time, none that another user could make first
    assert str(guess) not in [s[0] for s in seen]
    assert collected == []  # mallory's old scratch directory is not ana's to judge
    assert os.listdir(trap) == [] and old.is_dir() and os.listdir(old) == []
    assert guess.is_symlink() if planted == "symlink" else os.listdir(guess) == []
    assert sorted(os.listdir(tmp)) == sorted(p.name for p in (trap, guess, old))
