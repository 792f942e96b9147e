"""Scenario files and exports: what the CLI writes loads as the CLI computes it; no file can hang or crash."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from costcalc_tui.app import CostcalcApp
from costcalc_tui.files import read_scenario
from costcalc_tui.widgets.screens import FileTree, usable_paths
from textual.pilot import Pilot
from textual.widgets import DirectoryTree, Input, Select, Static
from tui_helpers import drive, load, notes, screen_text, settle, type_into

from costcalc.commands.scenario_files import estimate_file, load_scenario
from costcalc.data.catalog import default_catalog


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await type_into(pilot, "tokens", "3T")
        await load(pilot, path, keys=("ctrl+s",))
        assert path.is_file() and 'tokens = "3T"' in path.read_text()
        assert [p.name for p in tmp_path.iterdir()] == ["plan.toml"]  # nothing half-written left
        await type_into(pilot, "tokens", "1T")
        await load(pilot, path)
        assert app.query_one("#tokens", Input).value == "3T"
        assert app.outcome.estimate is not None and app.outcome.estimate.scenario.tokens.m_as("token") == 3e12

    drive(scenario)
    assert load_scenario(path)[1]["tokens"] == "3T"  # the CLI reads the same file


CLI_FILES = {
    "aliases.toml": 'model = "llama-2-70b"\ngpu = "h100"\ngpus = 2000\n',
    "node.toml": 'params = "7B"\ngpu = "dgx a100"\nnodes = 8\ndtype = "fp16"\nzero = 3\nrecompute = "full"\n',
    "numbers.toml": "params = 7e9\ntokens = 2.0e12\ngpus = 512.0\nmfu = 0.45\nprice = 2\nseq_len = 4096.0\n",
    "extras.toml": (
        'name = "everything"\nmodel = "Llama_3.1 8B"\ngpu = "A100_80GB"\ngpus = 64\npower = "350 W"\npue = 1.2\n'
        'carbon_intensity = "400 gCO2e/kWh"\ngoodput = 0.9\ncheckpoint_overhead = "2%"\neval_overhead = 0.01\n'
        'count_bubble = true\nattention_flops = "full"\nsp = true\ntp = 2\noptimizer = "adam8bit"\n'
    ),
}


@pytest.mark.parametrize("name", sorted(CLI_FILES))
def test_a_file_the_cli_reads_loads_as_the_cli_computes_it(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(CLI_FILES[name])
    _, cli = estimate_file(path)

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await load(pilot, path)
        est = app.outcome.estimate
        assert app.outcome.error is None and est is not None
        assert est.to_dict()["gpu_hours"] == cli.to_dict()["gpu_hours"]
        assert est.to_dict()["cost_usd"] == cli.to_dict()["cost_usd"]
        assert est.to_dict()["memory"] == cli.to_dict()["memory"]
        assert est.scenario.hardware == cli.scenario.hardware
        if cli.scenario.model is not None:
            assert app.query_one("#model", Select).value == cli.scenario.model.name

    drive(scenario)


def test_aliases_resolve_to_the_canonical_presets(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text(CLI_FILES["aliases.toml"])
    _, form = read_scenario(path, default_catalog())
    assert (form.get("model"), form.get("gpu"), form.get("gpus")) == ("LLaMA-2-70B", "H100-SXM", "2000")


def _nested(depth: int) -> str:
    return "gpus = " + "[" * depth + "1" + "]" * depth + "\n"


BAD_FILES = {
    "unknown-model.toml": ('model = "llama-9-999b"\n', "unknown model preset"),
    "both.toml": ('model = "llama-2-70b"\nparams = "7B"\n', "either a model preset or params"),
    "nested.toml": (_nested(300), ""),
    "deeper.toml": (_nested(5000), "nested too deeply"),
    "markup [b].toml": ('params = "[/x]"\n', "params"),
    "tables.toml": ('[link=x]\nparams = "7B"\n', "not valid TOML"),
    "table [x].toml": ('["[/x]"]\nparams = "7B"\n', "unknown key"),
    "binary.toml": ("\udcff", "UTF-8"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_file_is_refused_inline(tmp_path: Path, name: str) -> None:
    text, reason = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogateescape"))

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        before = app.form
        await load(pilot, path)
        assert app.is_running and app.form == before and len(app.screen_stack) == 1
        messages = notes(app)
        assert messages and messages[-1].startswith("Not loaded:") and reason in messages[-1]

    drive(scenario)


def test_special_files_are_never_opened_blocking(tmp_path: Path) -> None:
    """A FIFO (no writer), a folder and a huge file are refused at once."""
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.toml"
    with huge.open("wb") as handle:
        handle.truncate(5_000_000)

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        for path in (fifo, tmp_path, huge):
            await load(pilot, path)
            assert notes(app)[-1].startswith(f"Not loaded: {path}")
        assert app.is_running

    drive(scenario)


@pytest.mark.parametrize(("key", "tab"), [("f2", "estimate"), ("f3", "compare"), ("f4", "plot"), ("f7", "plan"),
                                          ("f8", "costs"), ("f5", "check")])  # fmt: skip
def test_export_every_view_as_json_and_markdown(tmp_path: Path, key: str, tab: str) -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press("f6", key)
        await pilot.pause()
        for name in (f"{tab}.json", f"{tab}.md"):
            await load(pilot, tmp_path / name, keys=("ctrl+r",))
        data = json.loads((tmp_path / f"{tab}.json").read_text())
        assert data
        assert (tmp_path / f"{tab}.md").read_text().count("|") > 4

    drive(scenario)


def test_export_of_the_estimate_is_costcalcs_own_rendering(tmp_path: Path) -> None:
    from costcalc.render.estimate import render_markdown

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await load(pilot, tmp_path / "view.md", keys=("ctrl+r",))
        assert app.outcome.estimate is not None
        assert (tmp_path / "view.md").read_text() == render_markdown(app.outcome.estimate)

    drive(scenario)


def test_paths_with_markup_are_text(tmp_path: Path) -> None:
    (tmp_path / "[").mkdir()
    (tmp_path / "[link=https:").mkdir()

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        for name in ("[/x].toml", "[link=https://example.org]a.toml", "[bold"):
            await load(pilot, tmp_path / name, keys=("ctrl+s",))
            await load(pilot, tmp_path / "missing" / name)
            await load(pilot, tmp_path / name, keys=("ctrl+r",), replace=True)  # the scenario just saved
        assert (tmp_path / "[/x].toml").is_file() and not notes(app)[-1].startswith("Not")
        assert app.is_running

    drive(scenario)


CONTROL = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)] if chr(c) != "\n"]


def test_control_characters_from_a_scenario_file_never_reach_the_terminal(tmp_path: Path) -> None:
    """`costcalc tui --scenario inj.toml` with an escape sequence in the name retitled the window."""
    path = tmp_path / "inj.toml"
    path.write_text('name = "\\u001b]0;pwned\\u0007\\u001b[2J"\nparams="7B"\n')

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.pause()
        shown = notes(app)
        assert len(shown) == 1 and not any(c in shown[0] for c in CONTROL), shown
        # The loader refuses text with control characters (one rule for every file), naming the file and
        # the field; the notification says so with the character escaped.
        assert shown[0].startswith("Not loaded: ") and "inj.toml" in shown[0] and "name" in shown[0], shown
        assert "control character (\\x1b)" in shown[0], shown
        screen = screen_text(app)
        assert not any(c in screen for c in CONTROL)
        await load(pilot, tmp_path / "\x1b]0;also\x07.toml")  # a typed path with escapes: refused, escaped
        assert notes(app)[-1].startswith("Not loaded: ") and "\\x1b]0;also\\x07" in notes(app)[-1]
        assert not any(c in screen_text(app) for c in CONTROL)

    drive(scenario, scenario=str(path), notifications=True)


def test_every_notification_is_one_line_of_text() -> None:
    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        app.report("Loaded", "a\nb\x1b[2J\x9b1m\u2028c", "Not loaded", None)
        app.report("Saved", None, "Not saved", ("path", "x\x07y"))
        await pilot.pause()
        assert notes(app)[-2:] == ["Loaded a\\nb\\x1b[2J\\x9b1m\\u2028c", "Not saved: x\\x07y"]
        assert not any(c in screen_text(app) for c in CONTROL) and "Not saved: x\\x07y" in screen_text(app)

    drive(scenario, notifications=True)


# --- the file dialog: folders and the files it can use, a name, errors inside it ----------------


def test_the_file_tree_lists_folders_and_the_files_it_can_use(tmp_path: Path) -> None:
    for name in ("a.toml", "B.TOML", "c.json", "d.md", "notes.txt", ".hidden.toml", "toml"):
        (tmp_path / name).write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / ".git").mkdir()
    entries = sorted(tmp_path.iterdir())
    assert sorted(p.name for p in usable_paths(entries, (".toml",))) == ["B.TOML", "a.toml", "sub"]
    assert sorted(p.name for p in usable_paths(entries, (".md", ".JSON"))) == ["c.json", "d.md", "sub"]
    assert FileTree.filter_paths is not DirectoryTree.filter_paths  # the tree uses it (not built outside an app)


def _error(app: CostcalcApp) -> str:
    """The reason the open dialog shows ('' when none)."""
    return str(app.screen.query_one("#path-error", Static).render())


async def _tree_loaded(pilot: Pilot[None]) -> list[str]:
    """The names the dialog's tree shows once its folder is listed. The listing runs in a thread
    the tree starts; the wait is bounded in rounds (about 30 s at most), never an assertion on speed.
    (Not ``wait_for_complete``: the tree cancels and restarts its loader, and a cancelled worker
    raises there.)"""
    tree = pilot.app.screen.query_one("#path-tree", FileTree)
    for _ in range(600):
        if tree.root.children:
            await pilot.pause()
            return [str(node.label) for node in tree.root.children]
        await pilot.pause(0.05)
    raise AssertionError("the folder was never listed")


def test_a_scenario_is_picked_from_the_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "run.toml").write_text('params = "13B"\ntokens = "1T"\n')
    (tmp_path / "out.json").write_text("{}")
    (tmp_path / "data").mkdir()

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+o")
        assert await _tree_loaded(pilot) == ["data", "run.toml"]
        tree = app.screen.query_one("#path-tree", FileTree)
        assert app.focused is app.screen.query_one("#path", Input)
        await pilot.press("tab")  # from the name to the tree (Tab works while the dialog is open)
        assert app.focused is tree
        await pilot.press("down", "down", "enter")  # the root, then data, then run.toml
        await settle(pilot)
        assert len(app.screen_stack) == 1 and notes(app)[-1] == "Loaded run"
        assert app.query_one("#params", Input).value == "13B"

    drive(scenario)


def test_a_name_it_cannot_use_is_explained_inside_the_dialog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "other.toml").write_text('params = "7B"\n')

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+o")
        assert await _tree_loaded(pilot) == ["other.toml"]
        dialog = app.screen
        field = dialog.query_one("#path", Input)
        for typed, reason in (("missing.toml", "Not loaded: missing.toml"), ("  ", "expected a file name")):
            field.value = typed
            await pilot.press("enter")
            assert app.screen is dialog and reason in _error(app)
        field.value = "other.toml"  # editing clears the reason
        await pilot.pause()
        assert _error(app) == ""
        await pilot.press("escape")
        assert len(app.screen_stack) == 1

    drive(scenario)


def test_saving_over_a_file_asks_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    kept = tmp_path / "kept.toml"
    kept.write_text('params = "1B"\n')

    async def scenario(app: CostcalcApp, pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+s")
        await _tree_loaded(pilot)
        field = app.screen.query_one("#path", Input)
        field.value = "kept.toml"
        await pilot.press("enter")
        assert len(app.screen_stack) == 2 and "kept.toml exists: press Enter again" in _error(app)
        assert kept.read_text() == 'params = "1B"\n'
        field.value = "kept.toml.new"  # another name: asked again for the first
        field.value = "kept.toml"
        await pilot.press("enter")
        assert len(app.screen_stack) == 2 and kept.read_text() == 'params = "1B"\n'
        await pilot.press("enter")  # confirmed
        assert len(app.screen_stack) == 1 and 'params = "70B"' in kept.read_text()
        await pilot.press("ctrl+s")
        app.screen.query_one("#path", Input).value = "fresh.toml"
        await pilot.press("enter")  # a new file needs no confirmation
        assert len(app.screen_stack) == 1 and (tmp_path / "fresh.toml").is_file()

    drive(scenario)
