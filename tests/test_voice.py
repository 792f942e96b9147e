"""One voice: assumptions are data, domain code formats no number, errors below the CLI name fields.

Wording and number styles live in ``costcalc.render`` (``words.py``, ``numbers.py``); the layers
below it (base, schemas, formulas, data, estimator, commands) hand over quantities and typed
choices. These tests hold that: a walk of the AST for number formatting outside error messages,
a walk of real estimates' assumptions for pre-formatted values, and the errors' field names.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pint
import pytest

import costcalc
from costcalc.base.errors import InputError
from costcalc.cli import main
from costcalc.cli_options import in_options
from costcalc.estimator.scenario import KINDS, Assumption
from costcalc.formulas.flops import CountMethod
from costcalc.render.estimate import assumption_record
from costcalc.render.words import NAMES, worded

PACKAGE = Path(costcalc.__file__).parent
DOMAIN = ("base", "schemas", "formulas", "data", "estimator", "commands")

#: Where domain code still formats a number outside a ``raise``, and why. A key is a module, or a
#: module and the function the formatting is in. The list may only shrink: an entry that no longer
#: formats anything fails the test, so it is removed when its module is converted.
ALLOWED = {
    # Not display: the parser's own count style, error messages built before they are raised, files.
    "base/parse.py:format_count": "the parser's own: a count written the way parse_quantity reads it back",
    "base/parse.py:to_quantity": "the given quantity echoed in the error its conversion raises",
    "base/fields.py:magnitude_check": "returns the error message its callers raise",
    "base/fields.py:_hint": "a hint appended to an error message",
    "base/fields.py:__get_pydantic_core_schema__": "a quantity serialised to JSON as text (its unit), not shown",
    "base/text.py:printable": "a control character's escape code (\\uXXXX), not a number",
    "data/calibration.py:rounded": "derived JSON files' numbers rounded to 6 significant digits (stable files)",
    "data/model_config.py:spec_from_config": "the message of the error re-raised below",
}


def _numeric_spec(spec: ast.JoinedStr) -> bool:
    """Whether an f-string format spec formats a number (``.1f``, ``,``, ``g``, ``.0%``, ``04x``...);
    a pure alignment/width spec or a conversion of text (``>10``, ``s``) does not."""
    text = "".join(str(v.value) for v in spec.values if isinstance(v, ast.Constant))
    return bool(re.search(r"[,_%bcdeEfFgGnoxX]|\.\d|~P", text)) and not re.fullmatch(r"[<>^]?\d*s?", text)


def _formatting(node: ast.AST) -> str | None:
    """What number formatting ``node`` is, if any: an f-string numeric spec, ``%`` on a string, ``format()``."""
    if isinstance(node, ast.FormattedValue) and isinstance(node.format_spec, ast.JoinedStr):
        return "format spec" if _numeric_spec(node.format_spec) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        left = node.left
        if (isinstance(left, ast.Constant) and isinstance(left.value, str)) or isinstance(left, ast.JoinedStr):
            return "% formatting"
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id == "format":
            return "format()"
        if isinstance(func, ast.Attribute) and func.attr == "format" and isinstance(func.value, ast.Constant):
            return "str.format"
    return None


def _hits(path: Path) -> list[tuple[str, int, str]]:
    """(enclosing function or "", line, what) for each number formatting outside a ``raise``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int, str]] = []

    def walk(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.Raise):
            return  # an error message may show the number it is about
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = function or node.name  # the outermost function names the place
        what = _formatting(node)
        if what is not None:
            found.append((function, getattr(node, "lineno", 0), what))
        for child in ast.iter_child_nodes(node):
            walk(child, function)

    walk(tree, "")
    return found


def _domain_hits() -> dict[str, list[tuple[str, int, str]]]:
    out: dict[str, list[tuple[str, int, str]]] = {}
    for layer in DOMAIN:
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            hits = _hits(path)
            if hits:
                out[path.relative_to(PACKAGE).as_posix()] = hits
    return out


def test_domain_code_formats_no_number_outside_error_messages() -> None:
    problems = []
    for module, hits in _domain_hits().items():
        for function, line, what in hits:
            if module not in ALLOWED and f"{module}:{function}" not in ALLOWED:
                problems.append(f"{module}:{line} ({function or 'module level'}): {what}")
    assert not problems, "number styles belong in costcalc/render/numbers.py:\n" + "\n".join(problems)


def test_every_allowance_is_still_needed() -> None:
    """The allowances only shrink: one whose module or function formats nothing any more must go."""
    hits = _domain_hits()
    used = set(hits) | {f"{m}:{f}" for m, found in hits.items() for f, _, _ in found}
    assert sorted(set(ALLOWED) - used) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('f"{x:.1f}"', "format spec"),
        ('f"{x:,}"', "format spec"),
        ('f"{x:.0%}"', "format spec"),
        ('f"{x:g}"', "format spec"),
        ('"%d GPUs" % n', "% formatting"),
        ('format(x, ",")', "format()"),
        ('"{:.2f}".format(x)', "str.format"),
        ('f"{name:>10}"', None),
        ('f"{x}"', None),
    ],
)
def test_the_walk_sees_each_kind_of_number_formatting(source: str, expected: str | None) -> None:
    found = [_formatting(n) for n in ast.walk(ast.parse(source))]
    assert (expected in found) if expected else not any(found)


def test_formatting_inside_a_raise_is_an_error_message(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('def f(x):\n    y = f"{x:.2f}"\n    raise ValueError(f"bad {x:,}")\n', encoding="utf-8")
    assert _hits(module) == [("f", 2, "format spec")]


# --- assumptions are data -----------------------------------------------------------------------

#: Scenarios that between them make every kind of assumption the estimator states.
SCENARIOS: list[dict[str, Any]] = [
    {"model": "llama-2-70b", "gpus": 2048},
    {"params": "70B", "gpus": 1000, "gpu": "h100-sxm", "dtype": "fp8", "goodput": 0.9, "samples": 1000},
    {"model": "llama-2-7b", "gpu": "DGX-A100", "nodes": 4, "zero": 1, "ep": 2},
    {"params": "7B", "stage": "sft", "examples": 10000, "seq_len": 2048, "method": "qlora"},
    {"params": "7B", "stage": "dpo", "tokens": "1B", "seq_len": 2048, "gpus": 8},
    {"params": [1e9, 1e10], "zero": 1},
    {"layers": 32, "hidden": 4096, "heads": 32, "vocab": 32000, "gpus": 64, "count_bubble": True},
    {"params": "7B", "gpu": "tpu-v4", "gpus": 256},
    {"params": "7B", "gpu": "a100", "dtype": "fp32", "mfu": 0.3},
    {"params": "7B", "gpu": "tpu-v5p", "seq_len": 2048},
    {"params": "70B", "active_params": "20B", "gpus": 512, "checkpoint_overhead": 0.05},
    {"model": "llama-2-7b", "stage": "ppo", "examples": 1000, "prompt_tokens": 256, "generated_tokens": 256,
     "gpus": 8, "reward_model": "350M"},
    {"model": "llama-2-7b", "stage": "grpo", "method": "lora", "examples": 1000, "prompt_tokens": 256,
     "generated_tokens": 256, "group_size": 4, "setup_time": "10 min"},
    {"params": "1B", "stage": "sft", "tokens": "1B", "seq_len": 2048, "teacher": "llama-2-7b", "gpus": 8},
    {"params": "1B", "stage": "simpo", "examples": 1000, "seq_len": 2048},
]  # fmt: skip

#: The assumptions whose value is an amount: a quantity (None when unknown), never text.
QUANTITIES = {
    "tokens", "active_params", "gpus", "price", "power", "pue", "carbon_intensity", "peak", "efficiency",
    "finetune_efficiency", "overheads",
}  # fmt: skip
#: The assumptions whose value is a model beside the trained one: a preset's name or a parameter count.
MODELS = {"reward_model", "critic_model", "reference_model", "teacher"}
#: The assumptions whose value is a choice: a preset's name, a category, a method.
CHOICES = {"model", "gpu", "preset", "attention_flops", "recompute", "stage", "ranges", "optimizer"}


@pytest.fixture(scope="module")
def assumptions() -> list[Assumption]:
    return [a for inputs in SCENARIOS for a in costcalc.estimate(**inputs).assumptions]


def _typed(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(_typed(v) for v in value)
    return value is None or isinstance(value, pint.Quantity | int | float | bool | str | CountMethod)


def test_assumption_values_are_quantities_or_typed_choices(assumptions: list[Assumption]) -> None:
    keys = {a.key for a in assumptions}
    assert keys >= QUANTITIES, QUANTITIES - keys  # the scenarios reach every amount
    rl = MODELS | {"phases", "group_size", "ppo_epochs", "generation_batch"}
    assert keys >= rl, rl - keys  # and every model and default of PPO, GRPO and distillation
    for a in assumptions:
        assert a.kind in KINDS and _typed(a.value) and all(_typed(v) for v in a.basis.params.values()), a
        if a.key in QUANTITIES:
            assert a.value is None or isinstance(a.value, pint.Quantity), a
        if isinstance(a.value, str):  # a choice: a name or a category, never a phrase or a number in words
            assert a.key in CHOICES | MODELS and " " not in a.value, a
        if a.key == "phases":  # each part of the time and its GPU-hours
            assert all(isinstance(part, str) and isinstance(q, pint.Quantity) for part, q in a.value), a  # type: ignore[union-attr]
        for end in (a.low, a.high):
            assert end is None or (isinstance(end, pint.Quantity) and end.dimensionality == a.value.dimensionality), a  # type: ignore[union-attr]


def test_every_assumption_is_worded_and_recorded(assumptions: list[Assumption]) -> None:
    for a in assumptions:
        words = worded(a)
        assert words.name and words.value and words.basis, a
        record = assumption_record(a)
        assert record["key"] == a.key and record["kind"] == a.kind and record["name"] == words.name
        if isinstance(a.value, pint.Quantity):
            assert record["quantity"] is not None and record["quantity"]["unit"] == str(a.value.units)
    named = {a.key for a in assumptions if not a.basis["unused"]} - {"preset"}
    assert named <= set(NAMES), named - set(NAMES)


def test_a_sentence_changes_in_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """Renaming an assumption in render/words.py renames it in the table, Markdown, HTML and JSON."""
    from costcalc.render import words

    monkeypatch.setitem(words.NAMES, "tokens", "training tokens")
    est = costcalc.estimate(params="7B", gpus=8)
    assert "- training tokens: 140B tokens" in str(est)
    assert "| training tokens |" in costcalc.render.estimate.render_markdown(est)
    assert ">training tokens<" in est._repr_html_()
    assert [a["name"] for a in est.to_dict()["assumptions"] if a["key"] == "tokens"] == ["training tokens"]


# --- errors name fields; the CLI names options --------------------------------------------------

_OPTION = re.compile(r"--[a-z]")


def test_errors_below_the_cli_name_no_option() -> None:
    """No message raised in the domain layers names a command-line option (a field in backquotes
    instead); a command to run (``'costcalc check --template'``) is not an option name."""
    problems = []
    for layer in DOMAIN:
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Raise):
                    continue
                for part in ast.walk(node):
                    text = part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else ""
                    if _OPTION.search(re.sub(r"'costcalc [^']*'", "", text)):
                        problems.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {text!r}")
    assert not problems, problems


def test_the_api_names_fields_and_the_cli_names_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError) as caught:
        costcalc.estimate(params="7B", stage="sft", tokens="1B")
    assert caught.value.field == "seq_len" and "`stage` sft needs `seq_len`" in caught.value.message
    assert "--" not in str(caught.value)
    with pytest.raises(InputError) as shape:
        costcalc.estimate(layers=4, gpus=8)
    assert "`config_file`" not in str(shape.value) and "`layers`, `hidden`, `heads` and `vocab`" in str(shape.value)
    assert main(["estimate", "--params", "7B", "--stage", "sft", "--tokens", "1B"]) == 2
    err = capsys.readouterr().err
    expected = "costcalc estimate: error: --seq-len: --stage sft needs --seq-len (a stage does not take the preset's)"
    assert err == expected + "\n"
    assert main(["check", "--claim", "cost > 1M USD"]) == 2
    err = capsys.readouterr().err
    assert "--model (a preset), --model-config (a config.json) or a shape (--layers, ...)" in err


def test_the_cli_maps_only_fields_and_only_to_its_own_options() -> None:
    options = {"--seq-len", "--stage"}
    assert in_options("`stage` x needs `seq_len`", options) == "--stage x needs --seq-len"
    assert in_options("give `examples` too", options) == "give examples too"  # not an option of this command
    assert in_options("give `config_file`") == "give --model-config"  # the declared option's spelling
    assert in_options("a preset named `mine`", options) == "a preset named `mine`"  # a user's text, untouched
