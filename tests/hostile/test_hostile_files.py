"""Hostile files: every file costcalc reads or writes, against special files and hostile neighbours.

Issue 11, items 1, 15, 18 (files), 20 (items 2-3, the cache, went with the cache: the calibration
now ships inside the package). Special files are never opened (they are refused after a
stat), so these run in-process; only the signal tests start a process.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w

import costcalc
from costcalc.base import files
from costcalc.base.errors import FileError, InputError
from costcalc.commands.scenario_files import ScenarioFileError, load_scenario, save_scenario
from costcalc.data.catalog import Catalog

PACKAGE = Path(costcalc.__file__).parent


# --- 1. nothing executable is loaded from a writable place -------------------------------------


def test_no_pickle_or_pint_cache_anywhere_in_the_package() -> None:
    for source in [*PACKAGE.rglob("*.py"), *(PACKAGE.parent / "tui").rglob("*.py")]:
        code = source.read_text()
        assert not re.search(r"import (c?pickle|shelve|marshal)|pickle\.|cache_folder\s*=", code), source


def test_an_estimate_writes_no_file(tmp_path: Path) -> None:
    """No cache: the calibrated efficiency ships inside the package, so nothing is stored or trusted."""
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"), "COSTCALC_CACHE_DIR": str(home)}
    done = subprocess.run(
        [sys.executable, "-m", "costcalc", "estimate", "--params", "7B"], env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert list(home.rglob("*")) == []


def test_the_shipped_calibration_is_read_as_a_capped_regular_file(monkeypatch: pytest.MonkeyPatch) -> None:
    from costcalc.data import calibration

    seen: list[tuple[str, int]] = []
    real = files.read_text

    def spy(path: str | Path, *, max_bytes: int, what: str = "file", owner_only: bool = False) -> str:
        seen.append((str(path), max_bytes))
        return real(path, max_bytes=max_bytes, what=what, owner_only=owner_only)

    monkeypatch.setattr(calibration, "read_text", spy)
    calibration.shipped_model.cache_clear()
    try:
        assert calibration.shipped_model().runs
    finally:
        calibration.shipped_model.cache_clear()
    assert seen == [(str(calibration.SHIPPED_FILE), calibration.MAX_CALIBRATION_BYTES)]


def test_missing_or_relative_folders_mean_no_user_presets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pwd

    def no_entry(uid: int) -> object:
        raise KeyError(uid)

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/config")
    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    assert files.user_folder("config") is None
    assert costcalc.estimate(params="7B", catalog=Catalog.load()).gpu_hours.m > 0
    assert list(tmp_path.iterdir()) == []


def _special(path: Path, kind: str) -> None:
    if path.is_dir() and not path.is_symlink():
        path.rmdir()
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    elif kind == "urandom":
        path.symlink_to("/dev/urandom")
    elif kind == "folder":
        path.mkdir()
    elif kind == "huge":
        with path.open("wb") as handle:
            handle.truncate(10 * 1024 * 1024 * 1024)  # sparse: 10 GB that take no disk
    elif kind == "not-utf8":
        path.write_bytes(b"\xff\xfe" * 100)
    elif kind == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000)
    else:
        raise AssertionError(kind)


SPECIAL = ["fifo", "zero", "urandom", "folder", "huge", "not-utf8", "deep"]


# --- 15. every file input against the special files ----------------------------------------------


def _scenario_cases(tmp_path: Path) -> list[tuple[str, list[str], Path]]:
    path = tmp_path / "s.toml"
    good = tmp_path / "good.toml"
    good.write_text('params = "7B"\n')
    presets = tmp_path / "presets"
    presets.mkdir()
    return [
        ("--scenario", ["estimate", "--scenario", str(path)], path),
        ("compare", ["compare", str(good), str(path)], path),
        ("preset file", ["estimate", "--params", "7B", "--presets", str(presets)], presets / "x.toml"),
        ("preset file (presets)", ["presets", "--presets", str(presets)], presets / "x.toml"),
    ]


@pytest.mark.parametrize("kind", SPECIAL)
def test_every_file_input_refuses_special_files_naming_them(
    cli: Callable[..., tuple[int, str, str]],
    one_line_error: Callable[[int, str, str], bool],
    tmp_path: Path,
    kind: str,
) -> None:
    for what, argv, target in _scenario_cases(tmp_path):
        _special(target, kind)
        code, out, err = cli(*argv)  # a FIFO that blocked the read would end in the hang guard
        assert one_line_error(code, out, err) and str(target) in err, (what, kind, err)
        if target.is_dir() and not target.is_symlink():
            target.rmdir()
        else:
            target.unlink()


def test_user_config_folder_files_are_read_safely(
    cli: Callable[..., tuple[int, str, str]], one_line_error: Callable[[int, str, str], bool]
) -> None:
    config = files.user_folder("config")
    assert config is not None
    folder = config / "presets"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.mkfifo(folder / "fifo.toml")
        code, out, err = cli("estimate", "--params", "7B")
        assert one_line_error(code, out, err) and "fifo.toml" in err and "FIFO" in err
    finally:
        (folder / "fifo.toml").unlink()


@pytest.mark.parametrize("depth", [300, 5000])
def test_deeply_nested_toml_names_the_file(
    cli: Callable[..., tuple[int, str, str]],
    one_line_error: Callable[[int, str, str], bool],
    tmp_path: Path,
    depth: int,
) -> None:
    scenario = tmp_path / "deep.toml"
    scenario.write_text("params = " + "[" * depth + "]" * depth + "\n")
    code, out, err = cli("estimate", "--scenario", str(scenario))
    assert one_line_error(code, out, err) and str(scenario) in err
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "deep.toml").write_text(
        '[[model]]\nname = "m"\nparams = ' + "[" * depth + "]" * depth + "\n" + "x = {a = " * 0
    )
    code, out, err = cli("presets", "--presets", str(presets))
    assert one_line_error(code, out, err) and str(presets / "deep.toml") in err
    (presets / "deep.toml").write_text("[[model]]\nname = 'm'\nx = " + "{a = " * depth + "1" + "}" * depth + "\n")
    code, out, err = cli("presets", "--presets", str(presets))
    assert one_line_error(code, out, err) and str(presets / "deep.toml") in err


def test_a_huge_preset_file_is_refused_before_it_is_parsed(
    cli: Callable[..., tuple[int, str, str]],
    one_line_error: Callable[[int, str, str], bool],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    presets = tmp_path / "presets"
    presets.mkdir()
    (presets / "big.toml").write_text("[[pue]]\nvalue = 1.1\nsource = 'x'\n" * 200_000)  # 6 MB of tables
    import tomllib

    from costcalc.base import files

    parse = tomllib.loads

    def small_only(text: str, **kwargs: Any) -> dict[str, Any]:
        assert len(text) < 2_000_000, "a file over the cap was parsed"
        return parse(text, **kwargs)

    monkeypatch.setattr(files.tomllib, "loads", small_only)
    code, out, err = cli("presets", "--presets", str(presets))
    assert one_line_error(code, out, err) and "too large" in err


# --- 3 and 20. --save: only regular files or new paths, editor semantics, clean up ---------------


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.mkdir(), "folder"),
        (lambda p: os.mkfifo(p), "FIFO"),
        (lambda p: p.symlink_to("/dev/null"), "device"),
        (lambda p: p.symlink_to(p.parent), "folder"),
    ],
    ids=["folder", "fifo", "symlink-to-device", "symlink-to-folder"],
)
def test_save_refuses_what_is_not_a_regular_file(
    cli: Callable[..., tuple[int, str, str]],
    one_line_error: Callable[[int, str, str], bool],
    tmp_path: Path,
    make: Callable[[Path], None],
    expected: str,
) -> None:
    target = tmp_path / "target"
    make(target)
    before = os.lstat(target)
    code, out, err = cli("estimate", "--params", "7B", "--save", str(target))
    assert one_line_error(code, out, err) and expected in err and str(target) in err
    after = os.lstat(target)
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_save_never_replaces_a_device_node(
    cli: Callable[..., tuple[int, str, str]], one_line_error: Callable[[int, str, str], bool], tmp_path: Path
) -> None:
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    code, out, err = cli("estimate", "--params", "7B", "--save", str(device))
    assert one_line_error(code, out, err) and "device" in err
    assert stat.S_ISCHR(os.lstat(device).st_mode)


@pytest.mark.parametrize("name", ["", "dir/", ".", ".."])
def test_save_refuses_empty_and_folder_names(
    cli: Callable[..., tuple[int, str, str]],
    one_line_error: Callable[[int, str, str], bool],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir").mkdir()
    code, out, err = cli("estimate", "--params", "7B", "--save", name)
    assert one_line_error(code, out, err), (name, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir"]


def test_save_follows_a_symlink_and_keeps_the_mode(cli: Callable[..., tuple[int, str, str]], tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    code, _out, err = cli("estimate", "--params", "7B", "--save", str(link))
    assert code == 0, err
    assert link.is_symlink() and "params = 7000000000" in real.read_text()
    assert stat.S_IMODE(real.stat().st_mode) == 0o640


def test_a_new_file_gets_the_umask_mode(cli: Callable[..., tuple[int, str, str]], tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        code, _out, err = cli("estimate", "--params", "7B", "--save", str(tmp_path / "new.toml"))
    finally:
        os.umask(old)
    assert code == 0, err
    assert stat.S_IMODE((tmp_path / "new.toml").stat().st_mode) == 0o640


def test_a_full_disk_is_one_line_and_leaves_nothing(
    cli: Callable[..., tuple[int, str, str]],
    one_line_error: Callable[[int, str, str], bool],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "write", full)
    target = tmp_path / "out.toml"
    target.write_text("kept\n")
    code, out, err = cli("estimate", "--params", "7B", "--save", str(target))
    monkeypatch.undo()
    assert one_line_error(code, out, err) and "No space left on device" in err
    assert [p.name for p in tmp_path.iterdir()] == ["out.toml"] and target.read_text() == "kept\n"


def test_names_with_quotes_and_unicode_round_trip(tmp_path: Path) -> None:
    for name in ['quote " and \\ backslash', "中文 · — 名称", "[bold]markup[/] 'single'", "emoji 🚀"]:
        path = save_scenario(tmp_path / "s.toml", {"params": 7e9, "gpu": "a100"}, name=name)
        assert load_scenario(path) == (name, {"params": 7000000000, "gpu": "a100"})


@pytest.mark.parametrize(
    "bad", ["a\nb", "tab\there", "esc \x1b[31m", "bell\x07", "\u2028 separator", "c1 \x9b2J", "del\x7f"]
)
def test_control_characters_are_refused_on_save_and_on_load(tmp_path: Path, bad: str) -> None:
    """What cannot be loaded is not saved: a name or a value with a control character, either way."""
    with pytest.raises(InputError, match=r"^name: holds a control character"):
        save_scenario(tmp_path / "s.toml", {"params": 7e9}, name=bad)
    with pytest.raises(InputError, match=r"^gpu: holds a control character"):
        save_scenario(tmp_path / "s.toml", {"params": 7e9, "gpu": bad}, name="ok")
    assert list(tmp_path.iterdir()) == []
    written = tmp_path / "w.toml"
    written.write_text(tomli_w.dumps({"name": "ok", "gpu": bad}))
    with pytest.raises(ScenarioFileError, match=r"w\.toml: gpu: holds a control character \(\\"):
        load_scenario(written)


@pytest.mark.parametrize("signum", ["SIGTERM", "SIGHUP"])
def test_a_signal_during_save_leaves_no_temporary_file(tmp_path: Path, signum: str) -> None:
    script = textwrap.dedent(
        f"""
        import os, sys, time
        from costcalc.base import files
        def slow(fd):
            print("writing", flush=True)
            time.sleep(30)
        files.os.fsync = slow
        files.write_text({str(tmp_path / "out.toml")!r}, "x = 1\\n")
        """
    )
    number = getattr(signal, signum)

    def as_from_a_terminal() -> None:  # nohup and background jobs start with SIGHUP or SIGINT ignored
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          preexec_fn=as_from_a_terminal) as process:  # fmt: skip
        assert process.stdout is not None and process.stdout.readline() == b"writing\n"
        assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # mid-write
        process.send_signal(number)
        _out, err = process.communicate(timeout=20)
    assert process.returncode == -number, err
    assert list(tmp_path.iterdir()) == [], list(tmp_path.iterdir())


def test_read_text_checks_the_descriptor_and_caps_the_size(tmp_path: Path) -> None:
    path = tmp_path / "f.toml"
    path.write_text("x" * 101)
    with pytest.raises(FileError, match="too large"):
        files.read_text(path, max_bytes=100)
    assert files.read_text(path, max_bytes=101) == "x" * 101


def test_save_errors_name_the_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from costcalc.cli import main

    for target in ("", str(tmp_path) + "/", "/dev/null"):
        assert main(["estimate", "--params", "7B", "--save", target]) == 2
        assert capsys.readouterr().err.startswith("costcalc estimate: error: --save: ")
