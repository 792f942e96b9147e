"""Hostile preset folders and files: every folder source, every preset kind, every cap at the cap.

Issue 21, items 6 and 14: folders named several times are read once, a missing folder in
$COSTCALC_PRESETS is a warning (a missing --presets folder an error), an empty --presets name is
refused, a UTF-8 byte-order mark is read, the user's files are capped in number and total size,
and a user run implying an absurd efficiency is refused naming the file and field.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable
from pathlib import Path

import pytest

import costcalc
from costcalc.base.errors import InputError, PresetError
from costcalc.base.files import read_text
from costcalc.commands.scenario_files import load_scenario
from costcalc.data import catalog as catalog_module
from costcalc.data import folders
from costcalc.data.catalog import Catalog, builtin_presets_dir
from costcalc.render.words import worded

Run = Callable[..., tuple[int, str, str]]
OneLine = Callable[[int, str, str], bool]

MODEL = '[[model]]\nname = "{name}"\nparams = "7B"\ntokens = "1T"\n[model.sources]\nparams = "mine"\n'


def _model_folder(folder: Path, name: str = "Mine-7B") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mine.toml").write_text(MODEL.format(name=name))
    return folder


def _user_files(catalog: Catalog) -> list[Path]:
    return [f.path for f in catalog.files if not f.builtin]


# --- the same folder named again is read once ----------------------------------------------------


def test_a_folder_listed_three_times_in_the_environment_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _model_folder(tmp_path / "mine")
    link = tmp_path / "link"
    link.symlink_to(folder)
    monkeypatch.setenv("COSTCALC_PRESETS", os.pathsep.join([str(folder), str(folder), str(link)]))
    catalog = Catalog.load([folder, str(folder) + "/"])
    assert _user_files(catalog) == [folder / "mine.toml"]
    assert catalog.notices == []  # no "overrides" notice of the file against itself
    assert catalog.model("mine-7b").name == "Mine-7B"


def test_the_builtin_folder_given_as_a_user_folder_is_not_read_twice() -> None:
    catalog = Catalog.load([builtin_presets_dir()])
    assert _user_files(catalog) == [] and catalog.notices == []


# --- missing folders: the environment warns, an option or argument is an error ----------------


def test_a_missing_environment_folder_is_a_warning_and_the_command_runs(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _model_folder(tmp_path / "good")
    monkeypatch.setenv("COSTCALC_PRESETS", os.pathsep.join([str(tmp_path / "gone"), str(good)]))
    code, out, err = cli("estimate", "--model", "mine-7b", "--gpus", "8")
    assert code == 0 and "Training compute" in out
    assert err.splitlines() == [
        f"costcalc estimate: warning: {tmp_path / 'gone'}: preset folder (from $COSTCALC_PRESETS) is not a folder; "
        "not used"
    ]
    est = costcalc.estimate(model="mine-7b", gpus=8)
    unread = [worded(a) for a in est.assumptions if a.key == "presets" and a.kind == "notice"]
    assert any(w.value == "folder not read" and "gone" in w.basis for w in unread)


def test_a_file_named_in_the_environment_is_a_warning_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file.toml").write_text(MODEL.format(name="x"))
    monkeypatch.setenv("COSTCALC_PRESETS", str(tmp_path / "file.toml"))
    catalog = Catalog.load()
    assert _user_files(catalog) == [] and "is not a folder; not used" in catalog.notices[0]


def test_a_missing_config_folder_means_no_user_presets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "nothing"))
    assert Catalog.load().notices == []


def test_the_config_folder_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    _model_folder(tmp_path / "config" / "costcalc" / "presets")
    assert Catalog.load().model("mine-7b").name == "Mine-7B"


def test_a_missing_presets_folder_given_is_an_error(cli: Run, one_line_error: OneLine, tmp_path: Path) -> None:
    code, out, err = cli("estimate", "--params", "7B", "--presets", str(tmp_path / "gone"))
    assert one_line_error(code, out, err) and f"{tmp_path / 'gone'}: presets: is not a folder" in err
    with pytest.raises(PresetError, match="is not a folder"):
        costcalc.estimate(params="7B", presets=[tmp_path / "gone"])


@pytest.mark.parametrize("name", ["", " "])
def test_an_empty_presets_name_is_refused_not_read_as_the_current_folder(
    cli: Run, one_line_error: OneLine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    _model_folder(tmp_path)  # the current folder holds a preset: it must not be read
    monkeypatch.chdir(tmp_path)
    for command in ("estimate", "presets", "backtest"):
        code, out, err = cli(command, "--presets", name)
        assert one_line_error(code, out, err) and f"costcalc {command}: error: --presets: expected a folder" in err
    with pytest.raises(InputError) as raised:
        costcalc.estimate(params="7B", presets=[name])
    assert raised.value.field == "presets"
    assert Catalog.load(["."]).model("mine-7b").name == "Mine-7B"  # "." says it: then it is read


def test_empty_entries_in_the_environment_are_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _model_folder(tmp_path / "mine")
    monkeypatch.setenv("COSTCALC_PRESETS", f"{os.pathsep}{folder}{os.pathsep}{os.pathsep}")
    assert _user_files(Catalog.load()) == [folder / "mine.toml"]


# --- a byte-order mark is read, for every preset kind and every other file --------------------


def test_a_byte_order_mark_is_read_in_every_preset_kind(tmp_path: Path) -> None:
    folder = tmp_path / "bom"
    folder.mkdir()
    for path in sorted(builtin_presets_dir().glob("*.toml")):
        (folder / path.name).write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    catalog = Catalog.load([folder])
    kinds = set(catalog_module.NAMED_KINDS) | set(catalog_module.DATA_KINDS)
    assert catalog.user_kinds() == kinds  # every kind of table was found in the user's copies
    assert len(_user_files(catalog)) == len(list(builtin_presets_dir().glob("*.toml")))
    assert catalog.accelerator("h100").name == "H100-SXM"


def test_a_byte_order_mark_is_read_in_scenario_files_and_by_the_reader(tmp_path: Path) -> None:
    scenario = tmp_path / "run.toml"
    scenario.write_bytes(codecs.BOM_UTF8 + b'params = "7B"\ngpus = 8\n')
    assert load_scenario(scenario)[1]["gpus"] == 8
    assert read_text(scenario, max_bytes=100).startswith("params")
    inner = tmp_path / "inner.txt"
    inner.write_bytes(b"a" + codecs.BOM_UTF8)  # only a leading mark is dropped
    assert read_text(inner, max_bytes=100) == "a\ufeff"


# --- caps: at the cap it loads, one over it is refused before anything is parsed --------------


def _comment_file(path: Path, size: int) -> None:
    """A valid preset file of exactly ``size`` bytes (comments only)."""
    line = "#" * 99 + "\n"
    path.write_text(line * (size // 100) + "#" * (size % 100))
    assert path.stat().st_size == size


def test_the_number_of_user_preset_files_is_capped_at_the_cap(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    half = folders.MAX_USER_PRESET_FILES // 2
    for i in range(half):
        (one / f"f{i:03}.toml").write_text("")
    for i in range(folders.MAX_USER_PRESET_FILES - half):
        (two / f"f{i:03}.toml").write_text("")
    assert len(_user_files(Catalog.load([one, two]))) == folders.MAX_USER_PRESET_FILES
    (two / "extra.toml").write_text("")
    with pytest.raises(PresetError) as raised:
        Catalog.load([one, two])
    assert raised.value.path == str(two) and f"over {folders.MAX_USER_PRESET_FILES} preset files" in str(raised.value)


def test_the_total_size_of_user_preset_files_is_capped_at_the_cap(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    half = folders.MAX_USER_PRESET_BYTES // 2
    _comment_file(one / "a.toml", half)
    _comment_file(two / "b.toml", folders.MAX_USER_PRESET_BYTES - half)
    assert len(_user_files(Catalog.load([one, two]))) == 2
    _comment_file(two / "b.toml", folders.MAX_USER_PRESET_BYTES - half + 1)
    with pytest.raises(PresetError) as raised:
        Catalog.load([one, two])
    assert raised.value.path == str(two / "b.toml")
    assert f"add up to over {folders.MAX_USER_PRESET_BYTES:,} bytes" in raised.value.message


def test_one_preset_file_at_the_size_cap_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    _comment_file(tmp_path / "a.toml", folders.MAX_PRESET_BYTES)  # a built-in file may be this large
    assert len(Catalog.load(builtin_dir=tmp_path, user=False).files) == 1
    _comment_file(tmp_path / "a.toml", folders.MAX_PRESET_BYTES + 1)
    with pytest.raises(PresetError, match="too large"):
        Catalog.load(builtin_dir=tmp_path, user=False)
    with pytest.raises(PresetError, match=r"too large \(2,097,153 bytes; at most 2,097,152\)"):
        Catalog.load([tmp_path])  # a user's file: said as the reader says it, not as the total


def test_twenty_five_full_size_files_are_refused_before_any_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(25):  # the case: 25 files of 2 MB each (sparse: only their sizes matter)
        with (tmp_path / f"f{i:02}.toml").open("wb") as file:
            file.truncate(folders.MAX_PRESET_BYTES)
    parsed: list[str] = []
    monkeypatch.setattr(catalog_module, "parse_preset_text", lambda text, path, builtin: parsed.append(path) or [])
    with pytest.raises(PresetError, match="add up to over"):
        Catalog.load([tmp_path])
    assert parsed == []


def test_the_number_of_preset_folders_is_capped_at_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))  # the config folder would count too
    dirs = [tmp_path / f"d{i}" for i in range(folders.MAX_PRESET_FOLDERS + 1)]
    for d in dirs:
        d.mkdir()
    assert len(Catalog.load(dirs[:-1]).dirs) == folders.MAX_PRESET_FOLDERS + 1  # with the built-in folder
    with pytest.raises(InputError, match="too many preset folders"):
        Catalog.load(dirs)
    monkeypatch.setenv("COSTCALC_PRESETS", os.pathsep.join(map(str, dirs)))
    with pytest.raises(PresetError, match="too many preset folders"):
        Catalog.load()


# --- a user run implying an impossible efficiency -----------------------------------------------

RUN = """[[run]]
id = "mine"
name = "Mine"
developer = "Me"
family = "mine"
params = 7000000000
tokens = {tokens}
accelerator = "A100-80GB"
hardware = "A100"
gpus = 64
gpu_hours = {hours}
reliability = "A"
source = "my notes"
quote = "we trained it"
"""


@pytest.mark.parametrize(
    ("tokens", "hours", "accepted"),
    [
        ("1000", "1e300", False),  # MFU about 4e-305: the case
        ("1e12", "1e9", False),  # MFU about 3.7e-5
        ("1e12", "1e4", False),  # MFU about 3.7: above 1
        ("1e12", "37_400", True),  # MFU about 0.9998
        ("1e12", "37_000_000", True),  # MFU about 0.00101, just above the floor
        ("1e12", "37_500_000", False),  # MFU about 0.000997, just below it
    ],
)
def test_a_user_run_must_imply_an_efficiency_from_the_floor_to_one(
    cli: Run, one_line_error: OneLine, tmp_path: Path, tokens: str, hours: str, accepted: bool
) -> None:
    (tmp_path / "run.toml").write_text(RUN.format(tokens=tokens, hours=hours))
    code, out, err = cli("calibration", "--presets", str(tmp_path))
    if accepted:
        assert code == 0, err
    else:
        assert one_line_error(code, out, err)
        assert f"{tmp_path / 'run.toml'}: run[0] (Mine).gpu_hours: imply an efficiency (MFU)" in err
        assert "outside [0.001, 1]" in err


@pytest.mark.parametrize(("value", "accepted"), [(0.001, True), (0.000999, False), (1e-294, False), (1.0, True)])
def test_a_reported_mfu_below_the_floor_is_refused(tmp_path: Path, value: float, accepted: bool) -> None:
    text = RUN.format(tokens="1e12", hours="100_000") + f"reported_mfu = {value!r}\n"
    (tmp_path / "run.toml").write_text(text)
    if accepted:
        Catalog.load([tmp_path])
    else:
        with pytest.raises(PresetError, match=r"run\[0\] \(Mine\)\.reported_mfu"):
            Catalog.load([tmp_path])


# --- counts in preset files: read as typed, never a boolean ----------------------------------------

NODE = '[[node]]\nname = "n"\naccelerator = "a100"\ncount = {value}\npower = "6 kW"\n[node.sources]\ncount = "x"\n'


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (MODEL.format(name="m").replace('tokens = "1T"', "layers = true"), "model[0] (m).layers"),
        (MODEL.format(name="m").replace('tokens = "1T"', "dense_layers = false"), "model[0] (m).dense_layers"),
        (MODEL.format(name="m").replace('tokens = "1T"', "heads = [32]"), "model[0] (m).heads"),
        (NODE.format(value="true"), "node[0] (n).count"),
        (RUN.format(tokens="1e12", hours="100_000").replace("gpus = 64", "gpus = true"), "run[0] (Mine).gpus"),
    ],
)
def test_a_boolean_or_list_count_in_a_preset_file_is_refused(tmp_path: Path, text: str, field: str) -> None:
    (tmp_path / "bad.toml").write_text(text)
    with pytest.raises(PresetError) as raised:
        Catalog.load([tmp_path])
    assert raised.value.field == field and "whole number" in raised.value.message


def test_counts_in_a_preset_file_read_as_typed(tmp_path: Path) -> None:
    shape = 'layers = "32"\nhidden = "4k"\nheads = 32\nseq_len = "4k"'
    (tmp_path / "m.toml").write_text(MODEL.format(name="m").replace('tokens = "1T"', shape) + NODE.format(value='"8"'))
    catalog = Catalog.load([tmp_path])
    model = catalog.model("m")
    assert (model.layers, model.hidden, model.heads, model.seq_len) == (32, 4000, 32, 4096)
    assert catalog.hardware("n").count == 8
