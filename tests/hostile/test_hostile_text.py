"""Hostile text: no control character from a file reaches a terminal. Issue 21, item 1.

One rule at both ends (``costcalc.base.text``). Reading: every string of every file (scenario
files, preset files of every kind, claims files, model configs), keys included, is refused when
it holds a control character, with one line naming the file and the field, by every command and
by the TUI. Writing: everything the CLI prints passes ``printable``, so what no reader can refuse
(a file's or folder's name, a typed value) is escaped in every command's every format. Legitimate
Unicode passes both untouched.
"""

from __future__ import annotations

import argparse
import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from costcalc.base import files, streams
from costcalc.base.errors import FileError
from costcalc.base.files import parse_toml
from costcalc.base.text import CONTROL, control_character, printable
from costcalc.cli import build_parser
from costcalc.data.catalog import DATA_KINDS, NAMED_KINDS, builtin_presets_dir
from costcalc.data.model_config import read_model_config

Run = Callable[..., tuple[int, str, str]]
OneLine = Callable[[int, str, str], bool]

#: Retitles the window, rings the bell and clears the screen (the issue's example).
HOSTILE = "\x1b]0;pwned\x07\x1b[2J"
#: One of each family: C0 (ESC, BEL, CR, LF, TAB, NUL), DEL, C1 (CSI) and U+2028.
CONTROLS = ["\x1b", "\x07", "\r", "\n", "\t", "\x00", "\x7f", "\x9b", "\u2028"]
#: Text that must pass untouched: Chinese, the middle dot, the em dash, an emoji.
LEGIT = "中文模型·测试—7B 🚀"
FORMATS = ["table", "markdown"]

#: Every command, with the inputs that make it run; each reads the user's preset folders.
COMMANDS: dict[str, list[str]] = {
    "estimate": ["--params", "7B"],
    "sweep": ["--params", "7B", "--over", "gpus=8,16"],
    "plan": ["--budget", "1M USD"],
    "costs": ["--params", "7B"],
    "memory": ["--model", "llama-2-7b", "--gpus", "8"],
    "presets": [],
    "check": [],
    "recipe": ["deepseek-v3"],
    "backtest": [],
    "calibration": [],
}


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


def test_the_sweeps_cover_every_command() -> None:
    """A new command must join the sweeps below (tui and compare have tests of their own)."""
    assert sorted([*COMMANDS, "compare", "tui"]) == _commands()


def _first_table(kind: str) -> dict[str, Any]:
    """The first built-in table of ``kind`` (a real, valid one), or a bare one if none ships."""
    for path in sorted(builtin_presets_dir().glob("*.toml")):
        tables = tomllib.loads(path.read_text(encoding="utf-8")).get(kind)
        if tables:
            return dict(tables[0])
    return {"source": "me"}


def _field_for(table: dict[str, Any]) -> str:
    """The text field people see first: the name, else the id, else the source, else any text."""
    for key in ("name", "id", "source", "scope"):
        if isinstance(table.get(key), str):
            return key
    return next(key for key, value in table.items() if isinstance(value, str))


# --- reading: every file, every string, every command ------------------------------------------


def _no_raw_control(out: str, err: str) -> bool:
    return not CONTROL.search(out.replace("\n", "")) and err.count("\n") <= 1 and not CONTROL.search(err[:-1])


@pytest.mark.parametrize("kind", [*NAMED_KINDS, *DATA_KINDS])
def test_a_control_character_in_any_preset_kind_is_refused_by_every_command(
    cli: Run, one_line_error: OneLine, user_presets: Path, kind: str
) -> None:
    table = _first_table(kind)
    field = _field_for(table)
    table[field] = f"{table[field]} {HOSTILE}"
    path = user_presets / "hostile.toml"
    path.write_text(tomli_w.dumps({kind: [table]}), encoding="utf-8")
    for command, argv in COMMANDS.items():
        for fmt in FORMATS:
            code, out, err = cli(command, *argv, "--presets", str(user_presets), "--format", fmt)
            assert one_line_error(code, out, err), (command, fmt, err)
            assert f"{path}: {kind}[0].{field}: holds a control character (\\x1b)" in err, (command, err)
            assert _no_raw_control(out, err), (command, err)


def test_the_tui_refuses_hostile_presets_before_it_starts(
    cli: Run, one_line_error: OneLine, user_presets: Path
) -> None:
    (user_presets / "m.toml").write_text(tomli_w.dumps({"model": [{"name": HOSTILE, "params": "7B"}]}))
    code, out, err = cli("tui", "--presets", str(user_presets))
    assert one_line_error(code, out, err) and "model[0].name: holds a control character" in err
    assert _no_raw_control(out, err)


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ('name = "x\\u001b[2J"', "name"),
        ('[[model]]\nname = "m"\naliases = ["a", "b\\u0007"]', "model[0].aliases[1]"),
        ('[[model]]\nname = "m"\n[model.sources]\nparams = """two\nlines"""', "model[0].sources.params"),
        ('[[claim]]\nid = "C1"\n[claim.check.subject]\nmodel = "\\r"', "claim[0].check.subject.model"),
        ('"k\\u001bey" = 1', "k\\x1bey"),
        ('x = "\\u009b2J"', "x"),
        ('x = "a\\u2028b"', "x"),
        ('x = "tab\\there"', "x"),
        ('x = "nul\\u0000"', "x"),
        ('x = "del\\u007f"', "x"),
    ],
)
def test_a_control_character_anywhere_in_a_toml_file_names_its_field(document: str, field: str) -> None:
    with pytest.raises(FileError) as caught:
        parse_toml(document, "f.toml")
    assert caught.value.field == field and str(caught.value).startswith(f"f.toml: {field}: holds a control character")
    assert not CONTROL.search(str(caught.value))


def test_legitimate_unicode_is_read_as_written() -> None:
    text = f'name = "{LEGIT}"\n[t]\n"{LEGIT}" = ["{LEGIT}"]\n'
    assert parse_toml(text, "f.toml") == {"name": LEGIT, "t": {LEGIT: [LEGIT]}}
    assert control_character({"a": [LEGIT, {"b": LEGIT}]}) is None


def test_control_character_reports_the_first_one_and_where() -> None:
    assert control_character({"a": [{"b": "ok"}, {"c": ["x", "y\x1b"]}]}) == ("a[1].c[1]", "\\x1b")
    assert control_character({"ok": 1, "k\ney": 2}) == ("k\\ney", "\\n")
    assert control_character(["\x9b"]) == ("[0]", "\\x9b")
    assert control_character("plain") is None and control_character(3.5) is None


def test_the_issues_scenario_is_refused_by_estimate_compare_and_the_tui(
    cli: Run, one_line_error: OneLine, tmp_path: Path
) -> None:
    hostile = tmp_path / "inj.toml"
    hostile.write_text('name = "\\u001b]0;pwned\\u0007\\u001b[2J"\nparams="7B"\n')
    good = tmp_path / "good.toml"
    good.write_text('params = "7B"\n')
    for argv in (["estimate", "--scenario", str(hostile)], ["compare", str(good), str(hostile)]):
        for fmt in FORMATS:
            code, out, err = cli(*argv, "--format", fmt)
            assert one_line_error(code, out, err), (argv, err)
            assert f"{hostile}: name: holds a control character (\\x1b)" in err and _no_raw_control(out, err)
    assert _tui_notifications(hostile) == [f"Not loaded: {hostile}: name: " + _REFUSED]


_REFUSED = "holds a control character (\\x1b); expected text without control characters"


def test_a_claims_file_with_a_control_character_is_refused(cli: Run, one_line_error: OneLine, tmp_path: Path) -> None:
    path = tmp_path / "claims.toml"
    claim = {"id": "C1", "model": "BLOOM", "claim": f"BLOOM {HOSTILE}", "check": _BLOOM_CHECK}
    path.write_text(tomli_w.dumps({"claim": [claim]}), encoding="utf-8")
    for fmt in FORMATS:
        code, out, err = cli("check", str(path), "--format", fmt)
        assert one_line_error(code, out, err) and f"{path}: claim[0].claim: {_REFUSED}" in err, err
        assert _no_raw_control(out, err)


_BLOOM_CHECK = {
    "kind": "quantity",
    "quantity": "gpu-hours",
    "relation": "=",
    "value": 1082990,
    "subject": {"model": "bloom"},
}


def test_a_claims_file_in_chinese_is_shown_intact(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "claims.toml"
    claim = {
        "id": "C1",
        "model": "BLOOM",
        "claim": f"BLOOM 训练用了 1,082,990 GPU 小时 · {LEGIT}",
        "check": _BLOOM_CHECK,
    }
    path.write_text(tomli_w.dumps({"claim": [claim]}), encoding="utf-8")
    for fmt in [*FORMATS, "json"]:
        code, out, err = cli("check", str(path), "--format", fmt)
        assert code == 0 and "训练用了" in out and LEGIT in out, (fmt, err)


def _model_config_commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found = [name for name, p in sub.choices.items() if any("--model-config" in a.option_strings for a in p._actions)]
    # check offers --model-config but cannot use it yet: its --claim asks for --model or --params
    # and refuses a config with --params, so the file is never read (a separate bug, not this rule)
    return [name for name in found if name != "check"]


LLAMA = {
    "model_type": "llama",
    "architectures": ["LlamaForCausalLM"],
    "hidden_size": 4096,
    "intermediate_size": 11008,
    "num_attention_heads": 32,
    "num_hidden_layers": 32,
    "num_key_value_heads": 32,
    "vocab_size": 32000,
    "max_position_embeddings": 4096,
}


@pytest.mark.parametrize("command", _model_config_commands())
def test_a_model_config_with_a_control_character_is_refused(
    cli: Run, one_line_error: OneLine, tmp_path: Path, command: str
) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**LLAMA, "architectures": [f"Llama{HOSTILE}"]}))
    argv = [*COMMANDS.get(command, []), "--model-config", str(path)]
    argv = [a for a in argv if a not in ("--params", "7B", "--model", "llama-2-7b")]
    code, out, err = cli(command, *argv)
    assert one_line_error(code, out, err), err
    assert f"{path}: architectures[0]: {_REFUSED}" in err and _no_raw_control(out, err)


def test_the_model_config_commands_are_found() -> None:
    assert {"estimate", "memory", "sweep"} <= set(_model_config_commands())


def test_a_user_preset_in_chinese_is_listed_and_used_intact(cli: Run, user_presets: Path) -> None:
    (user_presets / "m.toml").write_text(
        f'[[model]]\nname = "{LEGIT}"\nparams = "7B"\ntokens = "1T"\n[model.sources]\nparams = "我的 · 来源"\n',
        encoding="utf-8",
    )
    for fmt in [*FORMATS, "json"]:
        code, out, err = cli("presets", "--kind", "model", "--presets", str(user_presets), "--format", fmt)
        assert code == 0 and LEGIT in out, err
    code, out, err = cli("estimate", "--model", LEGIT, "--presets", str(user_presets))
    assert code == 0 and LEGIT in out, err


# --- writing: every command's every format, with what no reader can refuse ----------------------


def test_printable_escapes_exactly_the_control_characters_but_the_line_break() -> None:
    for code in [*range(0x3100), 0x2028, 0x2029, 0x1F680, 0x10FFFF]:
        char = chr(code)
        expected = f"\\u{code:04x}" if CONTROL.fullmatch(char) and char != "\n" else char
        assert printable(char) == expected, hex(code)
    assert printable(f"a\n{LEGIT}\n") == f"a\n{LEGIT}\n"


@pytest.mark.parametrize("char", CONTROLS)
def test_printable_json_still_parses_to_the_same_text(char: str) -> None:
    data = {"name": f"x{char}y", char: LEGIT}
    assert json.loads(printable(json.dumps(data, ensure_ascii=False, indent=2))) == data


def test_write_output_escapes_strings_and_chunks(capsys: pytest.CaptureFixture[str]) -> None:
    assert streams.write_output(f"a{HOSTILE}\nb\n", _no_progress) is None
    assert capsys.readouterr().out == "a\\u001b]0;pwned\\u0007\\u001b[2J\nb\n"
    assert streams.write_output(iter([(f"{HOSTILE}\n", 1), ("\x9b\n", 2)]), _no_progress) is None
    assert capsys.readouterr().out == "\\u001b]0;pwned\\u0007\\u001b[2J\n\\u009b\n"


def test_joined_rows_escape_their_text_parts_so_that_writing_skips_the_scan(capsys: pytest.CaptureFixture[str]) -> None:
    """A sweep's streamed rows are made printable where they are joined (the numbers cannot hold a
    control character; the text parts, a label or ``missing``, are escaped), so write_output
    passes them on as they are, and a byte matrix that is not printable ASCII is refused."""
    import numpy as np

    from costcalc.base.text import Printable
    from costcalc.render.numbers import joined_rows

    rows = joined_rows([f"{HOSTILE}{LEGIT},".encode(), np.array([1.5, np.nan]), b"\n"], 2, 6, b"n\x07")
    escaped = printable(HOSTILE)
    assert rows == f"{escaped}{LEGIT},1.5\n{escaped}{LEGIT},n\\u0007\n"
    assert type(rows) is Printable and printable(rows) is rows
    assert streams.write_output(iter([(rows, 2)]), _no_progress) is None
    assert capsys.readouterr().out == rows
    bad = np.frombuffer(b"ok\x1bz", dtype=np.uint8).reshape(1, 4).repeat(2, axis=0)
    with pytest.raises(ValueError, match="printable ASCII"):
        joined_rows([bad], 2)
    assert printable(f"{HOSTILE}") != HOSTILE  # plain text is still scanned


class _no_progress:
    def __enter__(self) -> _no_progress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, done: int) -> None:
        return None


def _let_through(tmp_path: Path) -> dict[str, list[str]]:
    """Per command, inputs that put ``HOSTILE`` in its output, if a reader let it through."""
    folder = tmp_path / "presets"
    folder.mkdir()
    run = {**_first_table("run"), "id": f"evil-run{HOSTILE}", "name": f"Evil run {HOSTILE}"}
    gpu = {**_first_table("accelerator"), "name": f"Evil GPU {HOSTILE}", "aliases": ["evilgpu"]}
    model = {"name": f"Evil {HOSTILE}", "aliases": ["evil"], "params": "7B", "tokens": "1T"}
    rule = {**_first_table("threshold"), "id": "evil-rule", "name": f"Evil rule {HOSTILE}"}
    tables = {"model": [model], "run": [run], "accelerator": [gpu], "threshold": [rule]}
    (folder / "evil.toml").write_text(tomli_w.dumps(tables))
    claims = tmp_path / "claims.toml"
    claims.write_text(
        tomli_w.dumps({"claim": [{"id": "C1", "model": "BLOOM", "claim": f"BLOOM {HOSTILE}", "check": _BLOOM_CHECK}]})
    )
    presets = ["--presets", str(folder)]
    evil = ["--model", "evil", "--gpu", "evilgpu", *presets]
    recipe = tmp_path / "recipe.toml"
    stage = {"name": f"stage {HOSTILE}", "note": f"note {HOSTILE}", "model": "evil", "gpu": "evilgpu", "gpus": 8}
    recipe.write_text(tomli_w.dumps({"name": f"Evil {HOSTILE}", "source": f"src {HOSTILE}", "stage": [stage]}))
    return {
        "estimate": evil,
        "sweep": [*evil, "--over", "gpus=8,16"],
        "plan": ["--budget", "1M USD", *evil],
        "costs": evil,
        "memory": [*evil, "--gpus", "8"],
        "presets": presets,
        "check": [str(claims), *presets],
        "recipe": [str(recipe), *presets],
        "backtest": presets,
        "calibration": presets,
    }


#: A sweep prints numbers and the values typed in --over, never a preset's name or source.
NO_FILE_TEXT = {"sweep"}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_what_a_reader_let_through_is_escaped_in_every_format_of_every_command(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """The second end of the rule on its own: with the readers' check switched off, output is still safe."""
    monkeypatch.setattr(files, "control_character", lambda document: None)
    argv = _let_through(tmp_path)[command]
    for fmt in ["table", "markdown", "json", *(["csv"] if command == "sweep" else [])]:
        code, out, err = cli(command, *argv, "--format", fmt)
        assert code == 0, (fmt, err)
        assert not CONTROL.search(out.replace("\n", "")), (fmt, out)
        if command not in NO_FILE_TEXT:
            assert "\\u001b]0;pwned\\u0007\\u001b[2J" in out, (fmt, out)
        if fmt == "json" and command not in NO_FILE_TEXT:
            assert any(HOSTILE in text for text in _strings(json.loads(out)))  # escaped, nothing lost


def _strings(data: Any) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for key, value in data.items() for s in [*_strings(key), *_strings(value)]]
    if isinstance(data, list):
        return [s for item in data for s in _strings(item)]
    return []


@pytest.mark.parametrize(
    ("command", "formats"),
    [("estimate", ["table", "json"]), ("plan", ["table", "json"]), ("memory", ["table", "markdown", "json"])],
)
def test_file_and_folder_names_in_output_are_escaped(
    cli: Run, tmp_path: Path, command: str, formats: list[str]
) -> None:
    """Names no reader can refuse: a preset folder's (cited as the source) and a config file's (the model's name)."""
    folder = tmp_path / f"presets{HOSTILE}"
    folder.mkdir()
    (folder / "m.toml").write_text('[[model]]\nname = "mine"\nparams = "7B"\ntokens = "1T"\n')
    config = tmp_path / f"config{HOSTILE}.json"
    config.write_text(json.dumps(LLAMA))
    argv = {
        "estimate": ["--model", "mine", "--presets", str(folder)],
        "plan": ["--budget", "1M USD", "--model", "mine", "--presets", str(folder)],
        "memory": ["--model-config", str(config), "--gpus", "8"],
    }[command]
    for fmt in formats:
        code, out, err = cli(command, *argv, "--format", fmt)
        assert code == 0 and not CONTROL.search(out.replace("\n", "")), (fmt, err)
        assert re.search(r"\\+(x1b|u001b)\]0;pwned\\+(x07|u0007)", out), (fmt, out)
    model = read_model_config(config)  # what the API and the TUI show: escaped at the source
    assert not CONTROL.search(model.name) and not any(CONTROL.search(text) for text in model.sources.values())


def test_compare_shows_a_hostile_file_name_escaped(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / f"run{HOSTILE}.toml"
    path.write_text('params = "7B"\n')
    for fmt in ["table", "markdown", "json"]:
        code, out, err = cli("compare", str(path), str(path), "--format", fmt)
        assert code == 0 and not CONTROL.search(out.replace("\n", "")), (fmt, err)
        assert "run\\x1b]0;pwned\\x07\\x1b[2J" in out or "run\\\\x1b]0;pwned" in out, out


# --- the TUI: notifications, the form's lists ----------------------------------------------------


def _tui_notifications(scenario: Path, presets: list[Path] | None = None) -> list[str]:
    """The notifications the TUI shows (as shown, not as asked for) after opening ``scenario``."""
    import asyncio

    from costcalc_tui import make_app

    shown: list[str] = []

    async def main() -> None:
        app = make_app(str(scenario), presets or [], debounce=0.0)
        app.animation_level = "none"
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            shown.extend(str(note.message) for note in app._notifications)

    asyncio.run(main())
    return shown


def test_tui_notifications_escape_what_they_echo(tmp_path: Path) -> None:
    """A scenario whose file name holds escapes loads; the notification names it escaped."""
    path = tmp_path / f"x{HOSTILE}.toml"
    path.write_text('params = "7B"\n')
    assert _tui_notifications(path) == ["Loaded x\\x1b]0;pwned\\x07\\x1b[2J"]
    missing = tmp_path / f"gone{HOSTILE}.toml"
    (shown,) = _tui_notifications(missing)
    assert shown.startswith("Not loaded: ") and "gone\\x1b]0;pwned" in shown and not CONTROL.search(shown)


@pytest.mark.parametrize(("key", "name", "done"), [("ctrl+s", "s{}.toml", "Saved"), ("ctrl+r", "e{}.md", "Exported")])
def test_tui_save_and_export_notifications_escape_the_path(tmp_path: Path, key: str, name: str, done: str) -> None:
    """Every notification passes the app's one notify: the path typed at the prompt is echoed escaped."""
    import asyncio

    from costcalc_tui import make_app
    from textual.widgets import Input

    target = tmp_path / name.format(HOSTILE)
    shown: list[str] = []

    async def main() -> None:
        app = make_app(None, [], debounce=0.0)
        app.animation_level = "none"
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.app.workers.wait_for_complete()
            await pilot.press(key)
            await pilot.pause()
            app.screen.query_one("#path", Input).value = str(target)
            await pilot.press("enter")
            await pilot.pause()
            shown.extend(str(note.message) for note in app._notifications)

    asyncio.run(main())
    assert target.is_file()
    assert shown == [f"{done} {tmp_path}/{name.format('')[0]}\\x1b]0;pwned\\x07\\x1b[2J{Path(name).suffix}"]


def test_tui_lists_show_a_chinese_preset_name_intact(tmp_path: Path, user_presets: Path) -> None:
    import asyncio

    from costcalc_tui import make_app
    from textual.widgets import Select

    (user_presets / "m.toml").write_text(f'[[model]]\nname = "{LEGIT}"\nparams = "7B"\ntokens = "1T"\n')
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'name = "{LEGIT}"\nmodel = "{LEGIT}"\n')
    seen: dict[str, Any] = {}

    async def main() -> None:
        app = make_app(str(scenario), [user_presets], debounce=0.0)
        app.animation_level = "none"
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            seen["notes"] = [str(note.message) for note in app._notifications]
            seen["model"] = app.query_one("#model", Select).value
            seen["options"] = [str(label) for label, _value in app.query_one("#model", Select)._options]

    asyncio.run(main())
    assert seen["notes"] == [f"Loaded {LEGIT}"] and seen["model"] == LEGIT
    assert LEGIT in seen["options"]


def test_every_file_is_parsed_where_the_rule_is_applied() -> None:
    """A new reader cannot skip the rule: TOML is parsed only by ``parse_toml``, JSON only by the
    model-config reader (which applies it) and the two derived files that ship inside the package
    (the calibration, the fine-tuning runs)."""
    import costcalc

    shipped = {"data/calibration.py", "data/finetune_efficiency.py"}
    allowed = {"tomllib.loads": {"base/files.py"}, "json.loads": {"data/model_config.py", *shipped}}
    roots = [Path(costcalc.__file__).parent, Path(costcalc.__file__).parent.parent / "tui" / "costcalc_tui"]
    found: dict[str, set[str]] = {call: set() for call in allowed}
    for root in roots:
        for source in root.rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            for call in allowed:
                if re.search(rf"\b{re.escape(call)}\(|\b{call.split('.')[0]}\.load\(", text):
                    found[call].add(source.relative_to(roots[0]).as_posix() if root == roots[0] else source.name)
    assert found == allowed
