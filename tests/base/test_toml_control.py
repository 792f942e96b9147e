"""parse_toml looks at each string for control characters only when the text may hold one."""

from __future__ import annotations

from pathlib import Path

import pytest

from costcalc.base import files
from costcalc.base.errors import FileError
from costcalc.base.files import may_hold_control, parse_toml
from costcalc.base.text import CONTROL
from costcalc.data.catalog import builtin_presets_dir

#: Control characters TOML keeps as written inside a one-line string or a quoted key (it refuses
#: the other C0 characters and DEL there itself).
RAW = ["\t", "\x85", "\x9b", "\u2028", "\u2029"]


def test_the_pattern_is_the_control_rule_without_line_ends() -> None:
    for code in range(0x3000):
        char = chr(code)
        expected = bool(CONTROL.match(char)) and char not in "\r\n"
        assert bool(files._CONTROL_BUT_LINE_ENDS.match(char)) == expected, hex(code)


@pytest.mark.parametrize("raw", RAW)
@pytest.mark.parametrize(
    ("template", "field"),
    [
        ('name = "a{raw}b"\n', "name"),
        ("name = 'a{raw}b'\n", "name"),
        ('[[model]]\nname = "m"\naliases = ["x", "y{raw}"]\n', "model[0].aliases[1]"),
        ('[t]\n"k{raw}ey" = 1\n', "t.k"),
    ],
)
def test_a_control_character_written_as_is_is_refused(raw: str, template: str, field: str) -> None:
    text = template.format(raw=raw)
    assert may_hold_control(text)
    with pytest.raises(FileError, match="holds a control character") as caught:
        parse_toml(text, "f.toml")
    assert str(caught.value.field).startswith(field)


@pytest.mark.parametrize(
    "text",
    [
        'name = "a\\u001bb"\n',  # an escape
        "name = '''two\nlines'''\n",  # a literal multi-line string keeps its line break
        'name = """two\r\nlines"""\n',
    ],
)
def test_escapes_and_multi_line_strings_are_looked_at(text: str) -> None:
    assert may_hold_control(text)
    with pytest.raises(FileError, match="holds a control character"):
        parse_toml(text, "f.toml")


def test_plain_text_with_any_line_ends_needs_no_look(monkeypatch: pytest.MonkeyPatch) -> None:
    text = 'name = "A100 · 80 GB — 中文"\r\n[t]\n"key" = [\'x\', "y"]\n'
    assert not may_hold_control(text)
    monkeypatch.setattr(files, "control_character", lambda document: ("name", "\\x1b"))  # would refuse
    assert parse_toml(text, "f.toml") == {"name": "A100 · 80 GB — 中文", "t": {"key": ["x", "y"]}}
    with pytest.raises(FileError):  # the probe is called where a look is needed
        parse_toml(text.replace("key", "k\\u0041y"), "f.toml")


@pytest.mark.parametrize("name", ["accelerators.toml", "facility.toml", "thresholds.toml"])
def test_the_presets_an_estimate_reads_need_no_look(name: str) -> None:
    """The shipped presets on the estimate's path take the quick way (a change that needs an
    escape there is still checked, only slower: this pins the start-up figure's assumption)."""
    text = (Path(builtin_presets_dir()) / name).read_text(encoding="utf-8")
    assert not may_hold_control(text)
