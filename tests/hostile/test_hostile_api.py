"""Hostile API calls: every entry point with bad types gets the typed ``InputError``; results
survive pickling (a process pool returns them); counts read scale suffixes; negative values on
the command line are refused by the value check, not by argparse; Ctrl-C while the command
starts is quiet. Issue 21, items 12, 13 (start-up) and 14 (seq-len); issue 20, item 7.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import costcalc
from costcalc.base.errors import InputError
from costcalc.cli import build_parser
from costcalc.commands.costs import estimate_cost_models
from costcalc.commands.listing import preset_rows
from costcalc.commands.scenario_files import estimate_file
from costcalc.data.catalog import Catalog

Run = Callable[..., tuple[int, str, str]]
OneLine = Callable[[int, str, str], bool]
Q_ = costcalc.Q_

#: Every public call that reads presets, with the least arguments it needs otherwise.
ENTRY_POINTS: dict[str, Callable[..., Any]] = {
    "estimate": lambda **kw: costcalc.estimate(params="7B", gpus=8, **kw),
    "sweep": lambda **kw: costcalc.sweep({"gpus": [8, 16]}, params="7B", **kw),
    "plan": lambda **kw: costcalc.plan("2M USD", gpu="h100", **kw),
    "training_memory": lambda **kw: costcalc.training_memory(params="7B", **kw),
    "memory_limit": lambda **kw: costcalc.memory_limit(params="7B", gpus=8, longest_seq=True, **kw),
    "backtest": lambda **kw: costcalc.backtest(**kw),
    "check_article": lambda **kw: costcalc.check_article(**kw),
    "check_claims": lambda **kw: costcalc.check_claims(["cost > 1M USD"], model="llama-2-7b", **kw),
    "calibration_report": lambda **kw: costcalc.calibration_report(kw.get("presets", ())),
    "preset_rows": lambda **kw: preset_rows("node", kw.get("presets", ())),
    "compare": lambda **kw: costcalc.compare([costcalc.estimate(params="7B"), costcalc.estimate(params="8B")], **kw),
    "estimate_cost_models": lambda **kw: estimate_cost_models(params="7B", gpus=8, **kw),
    "Catalog.load": lambda **kw: Catalog.load(kw.get("presets", ())),
    "recipe": lambda **kw: costcalc.recipe("deepseek-v3", **kw),
}
#: The calls that also take a ready ``catalog=``.
WITH_CATALOG = ["estimate", "sweep", "plan", "training_memory", "memory_limit", "backtest", "check_article", "recipe"]

BAD_PRESETS = [
    (5, "expected a folder or a list of folders, got int"),
    (b"dir", "expected a folder or a list of folders, got bytes"),
    ({"a": 1}, "expected a folder or a list of folders, got dict"),
    ([3], "expected folder names as text or paths, got int"),
    ([None], "expected folder names as text or paths, got NoneType"),
    ([""], "expected a folder, got an empty name"),
    (["a\0b"], "cannot contain a NUL character"),
    ([f"d{i}" for i in range(33)], "too many preset folders (at most 32)"),
]


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(("presets", "message"), BAD_PRESETS)
def test_every_entry_point_refuses_bad_presets_with_the_typed_error(entry: str, presets: Any, message: str) -> None:
    with pytest.raises(InputError) as raised:
        ENTRY_POINTS[entry](presets=presets)
    assert raised.value.field == "presets" and message in raised.value.message


@pytest.mark.parametrize("entry", [e for e in ENTRY_POINTS if e not in ("Catalog.load", "preset_rows")])
def test_presets_none_means_no_extra_folders(entry: str) -> None:
    assert ENTRY_POINTS[entry](presets=None) is not None


@pytest.mark.parametrize("entry", WITH_CATALOG)
@pytest.mark.parametrize("catalog", ["catalog", 3, Path("."), object()])
def test_every_entry_point_refuses_a_catalog_that_is_not_one(entry: str, catalog: Any) -> None:
    with pytest.raises(InputError) as raised:
        ENTRY_POINTS[entry](catalog=catalog)
    assert raised.value.field == "catalog" and "expected a costcalc.Catalog" in raised.value.message


@pytest.mark.parametrize("entry", WITH_CATALOG)
def test_presets_and_a_catalog_together_are_refused(entry: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not both") as raised:
        ENTRY_POINTS[entry](catalog=Catalog.load(), presets=[tmp_path])
    assert raised.value.field == "presets"
    assert ENTRY_POINTS[entry](catalog=Catalog.load(), presets=()) is not None


def test_a_single_folder_is_one_folder_not_its_letters(user_presets: Path) -> None:
    (user_presets / "mine.toml").write_text(
        '[[model]]\nname = "Mine-7B"\nparams = "7B"\n[model.sources]\nparams = "x"\n'
    )
    assert costcalc.estimate(model="mine-7b", gpus=8, presets=user_presets).gpu_hours.m > 0
    assert costcalc.estimate(model="mine-7b", gpus=8, presets=str(user_presets)).gpu_hours.m > 0


@pytest.mark.parametrize(
    ("call", "field", "message"),
    [
        (lambda: costcalc.check_claims(file=5), "file", "expected a file name (text or a path), got int"),
        (lambda: costcalc.check_claims(file=""), "file", "expected a file name, got ''"),
        (lambda: costcalc.check_claims(5, model="llama-2-7b"), "claim", "expected a claim or a list of claims"),
        (lambda: costcalc.check_claims([5], model="llama-2-7b"), "claim", "got int"),
        (lambda: estimate_file(5), "scenario", "expected a file name (text or a path), got int"),
        (lambda: estimate_file("a\0b"), "scenario", "expected a file name"),
        (lambda: costcalc.compare([b"a.toml", b"b.toml"]), "files", "got bytes"),
    ],
)
def test_file_and_claim_arguments_of_the_wrong_type_are_typed_errors(
    call: Callable[[], object], field: str, message: str
) -> None:
    with pytest.raises(InputError) as raised:
        call()
    assert raised.value.field == field and message in raised.value.message


def test_one_claim_as_text_is_one_claim() -> None:
    (check,) = costcalc.check_claims("cost > 1M USD", model="llama-2-7b")
    (listed,) = costcalc.check_claims(["cost > 1M USD"], model="llama-2-7b")
    assert repr(check) == repr(listed) and "cost > 1M USD" in check.claim


# --- quantities and arrays of the wrong kind ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (Q_(7e9 + 1j, "parameter"), "expected a real number, got the complex number"),
        (7e9 + 1j, "expected a real number, got the complex number"),
        (np.complex128(7e9), "expected a real number, got the complex number"),
        (Q_(np.array([7e9, 8e9 + 1j]), "parameter"), "got complex numbers"),
        (Q_(np.array(["7B"]), "parameter"), "expected numbers in the array"),
        (Q_(10**400, "parameter"), "a 401-digit number is too large"),
        (Q_(np.zeros(1_000_001), "parameter"), "too many values (1,000,001; at most 1,000,000)"),
        (range(1, 2 * 10**8), "got range"),
        ({"a": 1}, "got dict"),
    ],
)
def test_quantities_of_the_wrong_kind_are_typed_errors(value: Any, message: str) -> None:
    with pytest.raises(InputError) as raised:
        costcalc.estimate(params=value, gpus=8)
    assert raised.value.field == "params" and message in raised.value.message


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        (np.array([100, 200]), "expected a single whole number, not a list"),
        ([100], "expected a single whole number, not a list"),
        (np.array(100.5), "fractional part"),
        (True, "boolean"),
        (1_000_001, "less than or equal to 1000000"),
        ("1.5", "expected a whole number, got '1.5'"),
        ("lots", "expected a number"),
    ],
)
def test_bad_sample_counts_are_typed_errors(samples: Any, message: str) -> None:
    with pytest.raises(InputError) as raised:
        costcalc.estimate(params="7B", gpus=8, samples=samples)
    assert raised.value.field == "samples" and message in raised.value.message


@pytest.mark.parametrize(("samples", "taken"), [(np.int64(1000), 1000), ("2k", 2000), ("1,000", 1000)])
def test_sample_counts_read_as_counts(samples: Any, taken: int) -> None:
    assert costcalc.estimate(params="7B", gpus=8, samples=samples).scenario.samples == taken


# --- counts: scale suffixes, and seq-len's powers of two -----------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("4k", 4096), ("4K", 4096), ("128k", 131_072), ("1M", 1_048_576), ("4096", 4096), ("4,096", 4096),
     ("1e3", 1000), ("2.5k", 2560)],
)  # fmt: skip
def test_seq_len_reads_k_as_model_cards_do(cli: Run, text: str, value: int) -> None:
    est = costcalc.estimate(model="llama-2-7b", gpus=8, seq_len=text)
    assert est.scenario.seq_len == value
    code, out, err = cli("estimate", "--model", "llama-2-7b", "--gpus", "8", "--seq-len", text, "--format", "json")
    assert code == 0 and f'"seq_len": {value}' in out, err


@pytest.mark.parametrize(
    ("option", "text", "message"),
    [
        ("--seq-len", "0.3k", "expected a whole number, got '0.3k'"),
        ("--seq-len", "4k tokens", "expected a plain number"),
        ("--seq-len", "200M", "less than or equal to 100000000"),
        ("--layers", "1.5", "expected a whole number"),
        ("--micro-batch", "yes", "expected a number"),
    ],
)
def test_bad_counts_are_one_line_errors(
    cli: Run, one_line_error: OneLine, option: str, text: str, message: str
) -> None:
    code, out, err = cli("estimate", "--model", "llama-2-7b", "--gpus", "8", option, text)
    assert one_line_error(code, out, err) and f"{option}: " in err and message in err


def test_other_counts_read_scale_suffixes_as_the_parser_does() -> None:
    est = costcalc.estimate(layers="32", hidden="4k", heads="32", vocab="32k", gpus=8)
    assert (est.scenario.model.layers, est.scenario.model.hidden, est.scenario.model.vocab) == (32, 4000, 32_000)


# --- negative values on the command line ---------------------------------------------------------


def _value_options() -> list[tuple[str, str]]:
    """(command, option) for every option of every command that takes a value (but the TUI's:
    it opens the application, which reports a bad value inside it)."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    found = []
    for command, child in sub.choices.items():
        if command == "tui":
            continue
        for action in child._actions:
            long = [o for o in action.option_strings if o.startswith("--")]
            if long and action.nargs is None and action.choices is None and action.dest not in ("help", "version"):
                found.append((command, long[0]))
    return found


VALUE_OPTIONS = _value_options()


def test_the_options_were_found() -> None:
    assert ("estimate", "--params") in VALUE_OPTIONS and ("plan", "--budget") in VALUE_OPTIONS
    assert len(VALUE_OPTIONS) > 100


@pytest.mark.parametrize(("command", "option"), VALUE_OPTIONS)
def test_a_negative_value_reaches_the_option_check(
    cli: Run, one_line_error: OneLine, command: str, option: str
) -> None:
    code, out, err = cli(command, option, "-5B")
    assert one_line_error(code, out, err), err
    assert "expected one argument" not in err and "unrecognized arguments" not in err


@pytest.mark.parametrize("value", ["-5B", "-5", "-0.5", "-.5", "-5 B", "-5e9", "-7 billion"])
def test_negative_params_say_they_must_be_positive(cli: Run, one_line_error: OneLine, value: str) -> None:
    code, out, err = cli("estimate", "--params", value)
    assert one_line_error(code, out, err) and "error: --params: must be positive (>= 1), got -" in err


@pytest.mark.parametrize(("option", "value"), [("--gpus", "-8"), ("--price", "-2"), ("--power", "-400 W")])
def test_negative_amounts_say_they_must_be_positive(cli: Run, one_line_error: OneLine, option: str, value: str) -> None:
    code, out, err = cli("estimate", "--params", "7B", option, value)
    assert one_line_error(code, out, err) and f"error: {option}: must be positive" in err


def test_an_option_is_still_an_option(cli: Run, one_line_error: OneLine) -> None:
    code, out, err = cli("estimate", "--params", "--gpus")
    assert one_line_error(code, out, err) and "--params: expected one argument" in err


# --- results survive pickling: a process pool can return them -----------------------------------


def _results() -> dict[str, Any]:
    return {
        "Estimate": costcalc.estimate(params="7B", gpus=8),
        "array Estimate": costcalc.estimate(params="7B", gpus=np.array([8, 16])),
        "Plan": costcalc.plan("2M USD", gpu="h100"),
        "MemoryReport": costcalc.training_memory(model="llama-2-7b", gpu="a100", gpus=8),
        "SweepResult": costcalc.sweep({"gpus": [8, 16]}, params="7B"),
        "quantity": Q_(3.0, "FLOP"),
    }


def test_results_load_back_in_another_process() -> None:
    script = textwrap.dedent(
        """
        import pickle, sys
        loaded = pickle.loads(sys.stdin.buffer.read())
        print(repr({name: repr(value) for name, value in loaded.items()}))
        """
    )
    results = _results()
    done = subprocess.run([sys.executable, "-c", script], input=pickle.dumps(results), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().strip() == repr({name: repr(value) for name, value in results.items()})


def test_a_loaded_quantity_is_one_of_costcalc_s_registry() -> None:
    est = pickle.loads(pickle.dumps(costcalc.estimate(params="7B", gpus=8)))
    assert est.gpu_hours._REGISTRY is costcalc.ureg
    again = costcalc.estimate(params=pickle.loads(pickle.dumps(Q_(7e9, "parameter"))), gpus=8)
    assert again.gpu_hours == est.gpu_hours


# --- Ctrl-C while the command starts --------------------------------------------------------------

_INTERRUPTED_IMPORT = """
import sys
STOP = sys.argv[1]


class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == STOP:
            raise KeyboardInterrupt  # as if Ctrl-C arrived while this module was imported
        return None


sys.meta_path.insert(0, Interrupt())
sys.argv = ["costcalc", "--version"]
from costcalc.cli import main  # what the installed costcalc script does

sys.exit(main())
"""


@pytest.mark.parametrize("module", ["argparse", "costcalc.base.streams", "costcalc.base.errors", "None"])
def test_ctrl_c_while_the_command_imports_is_quiet(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _INTERRUPTED_IMPORT, module], capture_output=True, text=True, timeout=120
    )
    if module == "None":  # the control: nothing interrupted, the command runs
        assert (done.returncode, done.stdout) == (0, f"costcalc {costcalc.__version__}\n")
    else:
        assert (done.returncode, done.stdout, done.stderr) == (130, "", "")


HEAVY = ("typing", "importlib", "pint", "numpy", "pydantic")


def test_import_costcalc_imports_nothing_heavy() -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import sys, costcalc; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == "[]", done.stderr
