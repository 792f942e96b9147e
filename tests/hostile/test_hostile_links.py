"""Hostile neighbours on save: planted links, other users' files, hard links. Issue 21, item 2.

In a sticky folder everyone may write (``/tmp``, a shared drop folder), another user's link
``report.toml -> /etc/important.conf`` must not make root's ``--save report.toml`` replace the
target: ``write_text`` follows links one at a time by the kernel's ``fs.protected_symlinks`` rule
(which does not apply when a program resolves a path itself), keeps following the user's own
links, keeps the owner of a file it replaces and never splits hard links silently. The CLI's
``--save``, the TUI's save and its export all write through ``write_text``.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from costcalc.base import files
from costcalc.base.errors import FileError
from costcalc.base.files import planted_link
from costcalc.commands.scenario_files import write_atomic

Run = Callable[..., tuple[int, str, str]]
OneLine = Callable[[int, str, str], bool]

ROOT = os.geteuid() == 0
OTHER = 65534  # the conventional "nobody"; only root can give a file or link to another user
needs_root = pytest.mark.skipif(not ROOT, reason="only root can make a file or link belong to another user")

STICKY_SHARED = stat.S_IFDIR | stat.S_ISVTX | 0o777  # /tmp's mode: drwxrwxrwt


def _status(mode: int, uid: int) -> os.stat_result:
    return os.stat_result((mode, 1, 1, 1, uid, uid, 0, 0, 0, 0))


LINK = stat.S_IFLNK | 0o777


# --- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("folder_mode", "folder_uid", "link_uid", "me", "refused"),
    [
        (STICKY_SHARED, 0, 1001, 0, True),  # the attack: another user's link in root's /tmp
        (STICKY_SHARED, 1001, 1002, 1003, True),  # neither mine nor the folder owner's
        (STICKY_SHARED, 0, 0, 0, False),  # my own link
        (STICKY_SHARED, 1001, 1001, 0, False),  # the folder owner's link
        (STICKY_SHARED, 0, 1001, 1001, False),  # my own link, as a user
        (stat.S_IFDIR | 0o777, 0, 1001, 0, False),  # writable by all but not sticky: the rule is the kernel's
        (stat.S_IFDIR | stat.S_ISVTX | 0o775, 0, 1001, 0, False),  # sticky, writable by the group only
        (stat.S_IFDIR | stat.S_ISVTX | 0o772, 0, 1001, 0, True),  # sticky, others may write: enough
        (stat.S_IFDIR | 0o755, 0, 1001, 0, False),  # a private folder
    ],
)
def test_the_ownership_rule(folder_mode: int, folder_uid: int, link_uid: int, me: int, refused: bool) -> None:
    assert planted_link(_status(LINK, link_uid), _status(folder_mode, folder_uid), me) is refused


# --- following links as realpath does, but one at a time ---------------------------------------


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """a/ b/file, links of every shape; the working folder is ``tmp_path``."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "file.toml").write_text("x\n")
    (tmp_path / "abs.toml").symlink_to(tmp_path / "b" / "file.toml")
    (tmp_path / "a" / "rel.toml").symlink_to("../b/file.toml")
    (tmp_path / "dirlink").symlink_to("b")
    (tmp_path / "chain.toml").symlink_to("a/rel.toml")
    (tmp_path / "dangling.toml").symlink_to("b/new.toml")
    (tmp_path / "up").symlink_to("a/..")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "name",
    ["abs.toml", "a/rel.toml", "dirlink/file.toml", "chain.toml", "dangling.toml", "up/b/file.toml",
     "dirlink/../a/x.toml", "./a/./new.toml", "new.toml", "a/../b/file.toml"],
)  # fmt: skip
def test_links_resolve_as_realpath_resolves_them(tree: Path, name: str) -> None:
    for given in (name, str(tree / name)):
        expected = Path(os.path.realpath(given))
        place = files._follow(given, "file")
        try:
            opened = Path(os.readlink(f"/proc/self/fd/{place.folder}"))  # the folder really opened
            assert (opened / place.name, Path(place.path) / place.name) == (expected, expected)
        finally:
            os.close(place.folder)


@pytest.mark.parametrize(
    ("name", "message"), [("nowhere/x.toml", "has no 'nowhere'"), ("b/file.toml/x", "Not a directory")]
)
def test_a_missing_folder_is_one_error(tree: Path, name: str, message: str) -> None:
    with pytest.raises(FileError, match=message):
        files.write_text(name, "x\n")


def test_a_folder_swapped_for_a_link_after_the_check_is_not_followed(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write lands in the folder that was checked (held open), not where the path points by then."""
    elsewhere = tree / "elsewhere"
    elsewhere.mkdir()
    checked = files._target

    def swap_after_check(path: str | Path, what: str) -> tuple[files._Place, os.stat_result | None]:
        found = checked(path, what)
        (tree / "a").rename(tree / "a-moved")
        (tree / "a").symlink_to(elsewhere)
        return found

    monkeypatch.setattr(files, "_target", swap_after_check)
    files.write_text(tree / "a" / "x.toml", "x\n")
    assert (tree / "a-moved" / "x.toml").read_text() == "x\n" and list(elsewhere.iterdir()) == []


def test_a_link_loop_is_one_error(tree: Path) -> None:
    (tree / "loop1").symlink_to("loop2")
    (tree / "loop2").symlink_to("loop1")
    with pytest.raises(FileError, match="too many levels of symbolic links"):
        files.write_text("loop1", "x\n")


def test_forty_links_are_followed_and_forty_one_are_not(tree: Path) -> None:
    """The kernel's limit (40) is the boundary."""
    previous = "b/file.toml"
    for n in range(1, files.MAX_LINKS + 2):
        (tree / f"l{n}").symlink_to(previous)
        previous = f"l{n}"
    files.write_text(f"l{files.MAX_LINKS}", "forty\n")
    assert (tree / "b" / "file.toml").read_text() == "forty\n"
    with pytest.raises(FileError, match="too many levels"):
        files.write_text(f"l{files.MAX_LINKS + 1}", "forty-one\n")


# --- a planted link in a shared sticky folder ----------------------------------------------------


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """A folder like /tmp: sticky, writable by everyone, owned by the user running the tests."""
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o1777)
    return folder


def _plant(link: Path, target: Path, uid: int = OTHER) -> None:
    link.symlink_to(target)
    os.lchown(link, uid, uid)


@needs_root
def test_save_refuses_a_link_planted_by_another_user(
    cli: Run, one_line_error: OneLine, tmp_path: Path, shared: Path
) -> None:
    important = tmp_path / "important.conf"
    important.write_text("keep me\n")
    _plant(shared / "report.toml", important)
    code, out, err = cli("estimate", "--params", "7B", "--save", str(shared / "report.toml"))
    assert one_line_error(code, out, err)
    assert f"the symbolic link '{shared / 'report.toml'}' belongs to another user (uid {OTHER})" in err
    assert important.read_text() == "keep me\n" and sorted(p.name for p in shared.iterdir()) == ["report.toml"]


@needs_root
def test_tui_save_and_export_refuse_it_too(tmp_path: Path, shared: Path) -> None:
    from costcalc_tui import make_app
    from textual.widgets import Input

    important = tmp_path / "important.conf"
    important.write_text("keep me\n")
    _plant(shared / "s.toml", important)
    _plant(shared / "e.md", important)
    shown: list[str] = []

    async def main() -> None:
        app = make_app(None, [], debounce=0.0)
        app.animation_level = "none"
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.app.workers.wait_for_complete()
            for key, name in (("ctrl+s", "s.toml"), ("ctrl+r", "e.md")):
                await pilot.press(key)
                await pilot.pause()
                app.screen.query_one("#path", Input).value = str(shared / name)
                await pilot.press("enter")  # the name exists (the planted link): the dialog asks first
                await pilot.pause()
                await pilot.press("enter")  # yes: then the link is refused, inside the dialog too
                await pilot.pause()
                await pilot.press("escape")
                await pilot.pause()
            shown.extend(str(note.message) for note in app._notifications)

    asyncio.run(main())
    assert [s.split(":")[0] for s in shown] == ["Not saved", "Not exported"], shown
    assert all("belongs to another user" in s for s in shown)
    assert important.read_text() == "keep me\n" and sorted(p.name for p in shared.iterdir()) == ["e.md", "s.toml"]


@needs_root
def test_a_planted_folder_link_or_a_link_further_down_a_chain_is_refused(tmp_path: Path, shared: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.toml").write_text("keep me\n")
    _plant(shared / "dir", elsewhere)
    mine = tmp_path / "mine.toml"
    mine.symlink_to(shared / "dir" / "x.toml")  # my own link, into the planted one
    for target in (shared / "dir" / "x.toml", mine):
        with pytest.raises(FileError, match="belongs to another user"):
            write_atomic(target, "replaced\n")
    assert (elsewhere / "x.toml").read_text() == "keep me\n"


@needs_root
@pytest.mark.parametrize("owner", ["me", "folder owner"])
def test_links_of_mine_or_of_the_folders_owner_are_followed(tmp_path: Path, shared: Path, owner: str) -> None:
    target = tmp_path / "target.toml"
    target.write_text("old\n")
    if owner == "folder owner":
        os.chown(shared, OTHER, OTHER)
        _plant(shared / "link.toml", target, OTHER)
    else:
        (shared / "link.toml").symlink_to(target)
    write_atomic(shared / "link.toml", "new\n")
    assert target.read_text() == "new\n" and (shared / "link.toml").is_symlink()


@pytest.fixture
def second_user_folder() -> Iterator[Path]:
    """A sticky folder everyone may write, where a second user (``nobody``) can reach it."""
    if not ROOT:
        pytest.skip("needs root to run a command as a second user")
    try:
        pwd.getpwuid(OTHER)
    except KeyError:
        pytest.skip(f"this machine has no user with uid {OTHER} to act as the second user")
    folder = Path(tempfile.mkdtemp(prefix="costcalc-shared-"))
    try:
        folder.chmod(0o1777)
        yield folder
    finally:
        shutil.rmtree(folder)


def test_a_link_a_second_user_planted_is_refused(
    cli: Run, one_line_error: OneLine, tmp_path: Path, second_user_folder: Path
) -> None:
    """The attack as it happens: ``nobody`` plants the link with ``ln -s``, root saves."""
    important = tmp_path / "important.conf"
    important.write_text("keep me\n")
    link = second_user_folder / "report.toml"
    done = subprocess.run(
        ["ln", "-s", str(important), str(link)], user=OTHER, group=OTHER, capture_output=True, timeout=30, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"the second user cannot write to {second_user_folder}: {done.stderr.decode().strip()}")
    assert link.lstat().st_uid == OTHER
    code, out, err = cli("estimate", "--params", "7B", "--save", str(link))
    assert one_line_error(code, out, err) and "belongs to another user" in err
    assert important.read_text() == "keep me\n" and [p.name for p in second_user_folder.iterdir()] == ["report.toml"]


# --- another user's file, hard links ------------------------------------------------------------


@needs_root
def test_saving_over_another_users_file_keeps_its_owner_and_mode(cli: Run, tmp_path: Path) -> None:
    target = tmp_path / "theirs.toml"
    target.write_text("old\n")
    os.chown(target, OTHER, OTHER)
    target.chmod(0o640)
    code, _out, err = cli("estimate", "--params", "7B", "--save", str(target))
    assert code == 0, err
    status = target.stat()
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (OTHER, OTHER, 0o640)
    assert "params = 7000000000" in target.read_text()


def test_an_owner_that_cannot_be_kept_is_refused(
    cli: Run, one_line_error: OneLine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a user, a new file cannot be given to someone else: the old one stays as it was."""
    target = tmp_path / "theirs.toml"
    target.write_text("old\n")
    real_fstat = os.fstat

    def not_mine(fd: int) -> os.stat_result:  # the new file looks like it has another owner
        found = real_fstat(fd)
        return os.stat_result((*found[:4], found.st_uid + 1, *found[5:10]))

    def refused(fd: int, uid: int, gid: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(files.os, "fstat", not_mine)
    monkeypatch.setattr(files.os, "fchown", refused)
    code, out, err = cli("estimate", "--params", "7B", "--save", str(target))
    monkeypatch.undo()
    assert one_line_error(code, out, err) and "belongs to another user or group" in err
    assert target.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["theirs.toml"]


def test_a_hard_linked_file_is_not_split(cli: Run, one_line_error: OneLine, tmp_path: Path) -> None:
    target = tmp_path / "one.toml"
    target.write_text("old\n")
    os.link(target, tmp_path / "two.toml")
    code, out, err = cli("estimate", "--params", "7B", "--save", str(target))
    assert one_line_error(code, out, err) and "has 2 hard links" in err
    assert (tmp_path / "two.toml").read_text() == "old\n" and target.stat().st_nlink == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.toml", "two.toml"]
    (tmp_path / "two.toml").unlink()  # one link left: written as usual
    code, _out, err = cli("estimate", "--params", "7B", "--save", str(target))
    assert code == 0 and "params = 7000000000" in target.read_text(), err
