"""Mutation testing of one module at a time: would its tests catch a wrong number?

Each mutant changes one thing in the module's code: an arithmetic operator (+ and -, * and /,
** to *), a comparison's boundary (< and <=, > and >=, == and !=, in and not in, is and is not),
a number (n to n + 1), a unary minus or ``not`` dropped, ``and`` and ``or``, ``True`` and
``False``, ``min`` and ``max``. Docstrings, other strings and annotations are left alone. The
package is copied to a temporary folder, the mutant written there and the given test files run
against it (``pytest -x``, first failure ends the run); a mutant the tests pass survived. The
score is killed / (mutants - equivalent), the equivalent ones being listed by line with the
reason in ``EQUIVALENT`` below.

Run from the repository root (slow: one test run per mutant, a few seconds each):

    python benchmarks/mutants.py costcalc/estimator/compute.py tests/estimator/test_ranges.py [--json]

``--lines 120-180`` mutates only those lines (to try a test on survivors; a score for the module
needs the whole run). ``--recheck result.json`` runs again only the survivors (and equivalent
mutants) of a whole run saved with ``--json``, against the tests as they are now, and gives the
whole module's score: tests are only added, so what they killed stays killed.

The copy is compiled once and each test run is a fork of this process with pytest and the
third-party libraries already imported (the mutated module's compiled file is deleted, so it is
always compiled from the mutant), with ``--assert=plain`` (a failing assert still fails) and only
the hypothesis plugin; ``--spawn`` starts a fresh interpreter per mutant instead, with every
plugin.

Measurements, never assertions: not part of the test suite or of CI.
"""

from __future__ import annotations

import argparse
import ast
import compileall
import gc
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

_SWAP_BINARY: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Pow: ast.Mult,
    ast.Mod: ast.FloorDiv,
}
_SWAP_COMPARE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_SWAP_CALL = {"min": "max", "max": "min"}

#: Mutants no test can kill, by (module, line, description), with why they change nothing observable.
EQUIVALENT: dict[tuple[str, int, str], str] = {
    ("costcalc/estimator/compute.py", 61, "Div -> Mult"): (
        "the efficiency range flipped, 1 / f: combine squares log(f), and log(1 / f)^2 = log(f)^2, so f and 1 / f "
        "give the same range (the flip is kept because it states which side is which)"
    ),
    ("costcalc/estimator/uncertainty.py", 32, "1 -> 2"): (
        "the price drawn from the PUE's quasi-random dimension: no result depends on both (cost on the price, "
        "energy and CO2 on the PUE), and any one dimension of the Halton sequence is as uniform as another"
    ),
    ("costcalc/commands/claims/outcome.py", 103, "True -> False"): (
        "zip(strict=True) in same(): the lengths are compared just before, so zip never meets unequal lists"
    ),
    ("costcalc/formulas/parallel.py", 53, "LtE -> Lt"): (
        "tensor_parallel_comm_fraction's early return for t <= 1: at t = 1 the formula's (t - 1) factor gives "
        "0.0 too, and t is a positive count"
    ),
    ("costcalc/formulas/memory.py", 146, "True -> False"): (
        "MemoryOptions' defer_build: it only delays building the validator to the first use (its other "
        "True, frozen, is killed by a test that assigns to a field)"
    ),
    ("costcalc/formulas/memory.py", 276, "FloorDiv -> Div"): (
        "N_d / e for the experts' ZeRO sharding: _validate_experts has checked that e divides N_d, so the "
        "division is exact and the bytes are the same"
    ),
    ("costcalc/formulas/memory.py", 318, "FloorDiv -> Div"): (
        "N_d = gpus / (t·p): _validate_layout has checked that t·p divides the GPU count, so the division is "
        "exact (and the breakdown's int field takes 4.0 as 4)"
    ),
    ("costcalc/estimator/efficiency.py", 203, "1.0 -> 2.0"): (
        "efficiency_for's ratio before it is computed: it is only used when no efficiency is given, and then "
        "it is set first; a given efficiency ignores it"
    ),
    ("costcalc/estimator/efficiency.py", 207, "Gt -> GtE"): (
        "recounting the FLOPs at the calibration's length when the sequence is exactly that long gives the same count"
    ),
    ("costcalc/formulas/flops.py", 208, "FloorDiv -> Div"): (
        "d_k = d / n_h in flops_per_token: ModelSpec refuses a width the heads do not divide, so the division "
        "is exact, and the FLOP counts are floats either way"
    ),
    **{
        (module, line, "FloorDiv -> Div"): (
            "d_k = d / n_h in the KV-cache size: ModelSpec refuses a width the heads do not divide, so the "
            "division is exact, and the bytes are a float quantity either way"
        )
        for module, line in (("costcalc/formulas/generation.py", 31),)
    },
    ("costcalc/formulas/shapes.py", 49, "4096 -> 4097"): (
        "WIDE: a width from 4,096 up to 4,097 rounds to 4,096 in steps of 128 and of 1,024 alike"
    ),
    ("costcalc/formulas/shapes.py", 94, "GtE -> Gt"): (
        "a width of exactly 4,096 rounds to 4,096 in steps of 1,024 and of 128 alike"
    ),
    ("costcalc/formulas/shapes.py", 91, "Lt -> LtE"): (
        "a real layer count of exactly 8: round(8) and 8 x round(8 / 8) are both 8"
    ),
    ("costcalc/formulas/shapes.py", 102, "FloorDiv -> Div"): (
        "heads = d / 128 with d a multiple of 128: the division is exact and ModelSpec takes 32.0 as 32"
    ),
    **{
        ("costcalc/formulas/shapes.py", line, mutation): (
            "the bisection of _aspect_layers: the bounds 0 and 1e6 (or 1 and 1e6 + 1) hold the root for every "
            "count (l < 1 gives one layer either way; 1e16 parameters need l of about 3,700), 200 halvings "
            "reach the double's precision long before the end, and < against <= differs only where the cubic "
            "equals the count exactly, at the root itself"
        )
        for line, mutation in (
            (62, "0.0 -> 1.0"),
            (62, "1000000.0 -> 1000001.0"),
            (63, "200 -> 201"),
            (65, "Lt -> LtE"),
        )
    },
    ("costcalc/formulas/flops.py", 230, "GtE -> Gt"): (
        "attended_keys with a window exactly as long as the sequence: w - w²/(2s) = s/2 (causal) and w = s "
        "(not), the values without a window"
    ),
    ("costcalc/estimator/layouts.py", 221, "LtE -> Lt"): (
        "suggestions skips the ZeRO stages at or below the current one: trying the current stage again "
        "finds what the search already found, nothing that fits, and moves on"
    ),
    ("costcalc/estimator/layouts.py", 243, "0.0 -> 1.0"): (
        "the recomputation share of _unshaped's layout is never read: only its memory (whether it could fit, "
        "and the model states) is"
    ),
    ("costcalc/formulas/finetune_memory.py", 153, "Or -> And"): (
        "FinetuneMemory.total: the overhead is None exactly when the resident bytes are, so 'or' and 'and' agree"
    ),
    ("costcalc/estimator/efficiency.py", 124, "1 -> 2"): (
        "_percent's reshape(-1): numpy takes reshape(-2) as the same single unknown dimension"
    ),
    ("costcalc/estimator/efficiency.py", 125, "Gt -> GtE"): (
        "_percent's m.size > 1: at size 1 the next test, m.min() != m.max(), is False either way"
    ),
    ("costcalc/estimator/efficiency.py", 159, "Gt -> GtE"): (
        "|r - 1| > 1e-9: for r within 0.5 of 1, r - 1 is exact and a multiple of 2^-53, which the double 1e-9 "
        "is not (1e-9 x 2^53 = 9,007,199.25), so the two comparisons never differ"
    ),
    ("costcalc/estimator/layouts.py", 300, "8 -> 9"): (
        "problem_for's 8 GPUs per node without a node preset only limits TP to powers of two: those up to 9 "
        "are those up to 8"
    ),
    **{
        ("costcalc/estimator/layouts.py", line, mutation): (
            "reshape(-1)[0] of a one-value array: reshape(1) and reshape(-2) give the same one value, and "
            "plan_memory returns before it for any input with more than one value"
        )
        for line in (306, 361)
        for mutation in ("1 -> 2", "drop USub")
    },
    ("costcalc/formulas/memory.py", 371, "Gt -> GtE"): (
        "_validate_experts' e > 1 before dp % e: at e = 1, dp % 1 is 0, so e >= 1 refuses nothing more"
    ),
    ("costcalc/estimator/layouts.py", 197, "1 -> 2"): (
        "rank's first key for a layout that does not fit: 2 instead of 1 still sorts it after those that fit (0)"
    ),
    ("costcalc/estimator/layouts.py", 316, "In -> NotIn"): (
        "_check_given probes the given tp and pp against the GPU count; with the test inverted, a given one "
        "that does not fit is refused a moment later with the same error (field and message) by the "
        "breakdown of the given layout the search falls back to, and one not given is 1 either way"
    ),
    ("costcalc/estimator/layouts.py", 328, "GtE -> Gt"): (
        "a layout is 'given' when tp, pp and recompute all are: with 'recompute' in the set too, a superset "
        "of {tp, pp} is always a strict one"
    ),
    ("costcalc/estimator/layouts.py", 85, "8 -> 9"): (
        "Problem.gpus_per_node's default is only used as the limit of powers of two (TP degrees): the powers "
        "of two up to 9 are those up to 8"
    ),
    ("costcalc/estimator/layouts.py", 119, "1 -> 2"): (
        "_powers_of_two's max(1, limit) only sizes the range; the filter 1 << i <= limit drops the one extra "
        "power it adds for a limit of 0 or 1"
    ),
    ("costcalc/estimator/layouts.py", 135, "min -> max"): (
        "the pipeline degrees tried: min(layers, N / t) only prunes degrees the memory check rejects "
        "anyway (more stages than layers, or t·p above the GPU count, per point in a sweep's grid)"
    ),
    **{
        ("costcalc/estimator/layouts.py", 137, mutation): (
            "N_d for the expert-parallel degrees tried: the mutant only adds degrees (a larger N_d, or 2 "
            "instead of 1), which the memory check rejects because they do not divide the real N_d"
        )
        for mutation in ("1 -> 2", "Mult -> Div")
    },
    ("costcalc/estimator/layouts.py", 196, "0 -> 1"): (
        "rank's first key for a fitting layout: with 1 it ties with the layouts that do not fit, but the next "
        "key still puts it first (a step-time factor of about 1, or 0, against a total of billions of bytes)"
    ),
    **{
        (module, line, "And -> Or"): (
            "an assert that narrows the types for mypy after has_architecture (or is_moe) has checked the "
            "same fields: with 'or' it still never fails"
        )
        for module, line in (
            ("costcalc/formulas/memory.py", 233),
            ("costcalc/formulas/flops.py", 108),
            ("costcalc/formulas/flops.py", 121),
            ("costcalc/formulas/flops.py", 136),
            ("costcalc/formulas/flops.py", 140),
            ("costcalc/formulas/flops.py", 174),
            ("costcalc/formulas/flops.py", 207),
            ("costcalc/formulas/lora.py", 53),
            ("costcalc/formulas/lora.py", 88),
            ("costcalc/formulas/lora.py", 98),
            ("costcalc/formulas/generation.py", 27),
        )
    },
    **dict.fromkeys(
        (
            ("costcalc/commands/claims/subject.py", 51, "64 -> 65"),
            ("costcalc/commands/claims/subject.py", 110, "256 -> 257"),
            ("costcalc/commands/claims/subject.py", 129, "256 -> 257"),
            ("costcalc/commands/claims/subject.py", 147, "256 -> 257"),
            ("costcalc/commands/claims/evidence.py", 290, "1024 -> 1025"),
        ),
        "an lru_cache's maxsize: how many results are kept, never what they are",
    ),
    ("costcalc/commands/claims/quantity.py", 88, "Gt -> GtE"): (
        "_bound_side for '=': a value equal to the high end gives 'high' either way (it falls through to the last "
        "'high')"
    ),
    **{
        ("costcalc/estimator/uncertainty.py", line, mutation): (
            "reshape(-1)[0] of a one-value array: reshape(1) and reshape(-2) give the same one value, and "
            "simulate refuses any input with more than one value before it draws"
        )
        for line in (37, 49)
        for mutation in ("1 -> 2", "drop USub")
    },
}


@dataclass(frozen=True)
class Mutant:
    index: int
    line: int
    description: str


def _skipped(tree: ast.Module) -> set[int]:
    """Nodes never mutated: docstrings, annotations and ``__all__``."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            skip.update(id(n) for n in ast.walk(first))
        annotations: list[ast.AST] = []
        if isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        if isinstance(node, ast.arg) and node.annotation is not None:
            annotations.append(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns is not None:
            annotations.append(node.returns)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            annotations.append(node)
        for annotation in annotations:
            skip.update(id(n) for n in ast.walk(annotation))
    return skip


def _points(node: ast.AST) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """The mutations one node offers: (description, how to apply it)."""
    if isinstance(node, ast.BinOp) and type(node.op) in _SWAP_BINARY:
        binary = _SWAP_BINARY[type(node.op)]
        yield f"{type(node.op).__name__} -> {binary.__name__}", ("op", binary)
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in _SWAP_COMPARE:
                new = _SWAP_COMPARE[type(op)]
                yield f"{type(op).__name__} -> {new.__name__}", ("cmp", i, new)
    elif isinstance(node, ast.Constant) and not isinstance(node.value, str | bytes):
        if isinstance(node.value, bool):
            yield f"{node.value} -> {not node.value}", ("const", not node.value)
        elif isinstance(node.value, int | float):
            yield f"{node.value!r} -> {node.value + 1!r}", ("const", node.value + 1)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
        yield f"drop {type(node.op).__name__}", ("unary",)
    elif isinstance(node, ast.BoolOp):
        new_bool = ast.Or if isinstance(node.op, ast.And) else ast.And
        yield f"{type(node.op).__name__} -> {new_bool.__name__}", ("bool", new_bool)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _SWAP_CALL:
        yield f"{node.func.id} -> {_SWAP_CALL[node.func.id]}", ("call",)


class _Apply(ast.NodeTransformer):
    """Applies mutation number ``target`` (in walk order) and nothing else."""

    def __init__(self, target: int, skip: set[int]) -> None:
        self.target, self.skip, self.count = target, skip, 0
        self.applied: Mutant | None = None

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        if id(node) in self.skip:
            return node
        for description, how in _points(node):
            if self.count == self.target:
                node = _mutate(node, how)
                self.applied = Mutant(self.target, getattr(node, "lineno", 0), description)
            self.count += 1
        return node


def _mutate(node: Any, how: tuple[Any, ...]) -> Any:
    kind, *args = how
    if kind == "op":
        node.op = args[0]()
    elif kind == "cmp":
        node.ops[args[0]] = args[1]()
    elif kind == "const":
        node.value = args[0]
    elif kind == "unary":
        return ast.copy_location(node.operand, node)
    elif kind == "bool":
        node.op = args[0]()
    elif kind == "call":
        node.func.id = _SWAP_CALL[node.func.id]
    return node


def mutants(source: str) -> Iterator[tuple[Mutant, str]]:
    """Every mutant of ``source`` with its code."""
    target = 0
    while True:
        tree = ast.parse(source)
        apply = _Apply(target, _skipped(tree))
        mutated = apply.visit(tree)
        if apply.applied is None:
            return
        yield apply.applied, ast.unparse(ast.fix_missing_locations(mutated))
        target += 1


def _passes(copy: Path, tests: list[str], timeout: float) -> bool:
    env = {**os.environ, "PYTHONPATH": f"{copy}:{ROOT / 'tui'}", "PYTHONDONTWRITEBYTECODE": "1"}
    # -P: the repository (the working folder) must not come before the copy on the path
    command = [sys.executable, "-P", "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header", *tests]
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return False  # a mutant that hangs the tests is caught
    return done.returncode == 0


#: The one pytest plugin the tests need; the others (snapshots of the TUI) are not loaded in the forks.
_HYPOTHESIS_PLUGIN = "_hypothesis_pytestplugin"
#: pytest's options in a fork: -x (the first failure decides), no cache, --assert=plain (pass or
#: fail is all that counts, and rewriting the asserts of every test module, and of the hypothesis
#: package, a plugin's, would cost more than the tests), plugins named rather than looked up.
_FORK_ARGS = ["-x", "-q", "-p", "no:cacheprovider", "--no-header", "--assert=plain", "-p", _HYPOTHESIS_PLUGIN]


def _preload() -> None:
    """Import pytest, its plugins and the libraries costcalc uses once, before any fork (never costcalc).

    Then freeze the garbage collector's view of them: pytest collects garbage at the end of every
    session, and a child that need not walk the parent's objects again ends sooner.
    """
    import pytest  # noqa: F401

    # hypothesis too: with --assert=plain pytest rewrites no module, so none of them is "already imported"
    for name in ("numpy", "pint", "pydantic", "textual", "hypothesis", _HYPOTHESIS_PLUGIN):
        if importlib.util.find_spec(name) is not None:
            __import__(name)
    if any(name == "costcalc" or name.startswith("costcalc.") for name in sys.modules):
        raise SystemExit("costcalc was imported before the fork: the tests would not see the mutant")
    gc.freeze()


def _in_child(copy: Path, action: Any) -> int:
    """Run ``action()`` in a forked child whose path puts the copy first; its exit code (-1 on a timeout)."""
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 3
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            os.chdir(ROOT)
            os.environ["PYTHONPATH"] = f"{copy}:{ROOT / 'tui'}"
            os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # looking up every package's entry points is slow
            sys.dont_write_bytecode = True
            here = {str(ROOT), str(ROOT / "benchmarks"), "", "."}
            sys.path[:] = [str(copy), str(ROOT / "tui"), *(p for p in sys.path if p not in here)]
            code = int(action())
        finally:
            os._exit(code)
    return pid


def _wait(pid: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return -1  # a mutant that hangs the tests is caught
        time.sleep(0.02)


def _passes_forked(copy: Path, tests: list[str], timeout: float) -> bool:
    import pytest

    args = [*_FORK_ARGS, *tests]
    return _wait(_in_child(copy, lambda: pytest.main(args)), timeout) == 0


class _Recorder:
    """A pytest plugin that notes, per test, the lines of one file it runs and the CPU time it takes."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.seen: dict[str, tuple[float, list[int]]] = {}
        self._lines: set[int] = set()

    def _calls(self, frame: FrameType, event: str, arg: object) -> Any:
        if frame.f_code.co_filename.endswith(self.target):
            self._lines.add(frame.f_lineno)
            return self._steps
        return None

    def _steps(self, frame: FrameType, event: str, arg: object) -> Any:
        if event == "line":
            self._lines.add(frame.f_lineno)
        return self._steps

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        self._lines, start = set(), time.process_time()
        sys.settrace(self._calls)
        threading.settrace(self._calls)
        yield
        sys.settrace(None)
        threading.settrace(None)
        self.seen[item.nodeid] = (time.process_time() - start, sorted(self._lines))


def _traced(copy: Path, module: str, tests: list[str], timeout: float) -> dict[str, tuple[float, list[int]]] | None:
    """The unmutated tests, traced: per test its CPU time and the lines of ``module`` it runs (None if they fail)."""
    out = copy / "traced.json"

    def action() -> int:
        recorder = _Recorder(f"/{module}")
        code = pytest.main([*_FORK_ARGS[1:], *tests], [recorder])
        out.write_text(json.dumps(recorder.seen))
        return int(code)

    if _wait(_in_child(copy, action), timeout) != 0:
        return None
    seen: dict[str, tuple[float, list[int]]] = json.loads(out.read_text())
    return seen


def _spans(source: str) -> list[tuple[int, int]]:
    """The line spans of every function and method, innermost last when sorted by start."""
    spans = [
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
    ]
    return sorted(spans)


def _chosen(seen: dict[str, tuple[float, list[int]]], spans: list[tuple[int, int]], line: int) -> list[str]:
    """The tests that run the function a mutant on ``line`` is in (all of them at module level), fastest first."""
    inner = [span for span in spans if span[0] <= line <= span[1]]
    if inner:
        low, high = max(inner)
        tests = [test for test, (_, lines) in seen.items() if any(low <= n <= high for n in lines)]
    else:
        tests = list(seen)
    return sorted(tests, key=lambda test: seen[test][0])


def _imports_copy(copy: Path) -> bool:
    def check() -> int:
        import costcalc

        return 0 if str(costcalc.__file__).startswith(str(copy)) else 1

    return _wait(_in_child(copy, check), 60) == 0


def _lines(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    low, _, high = text.partition("-")
    return int(low), int(high or low)


def _prepare(copy: Path, target: Path, spawn: bool) -> None:
    """Check that the tests import the copy; unless spawning, compile it and import the libraries once."""
    if spawn:
        env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
        where = [sys.executable, "-P", "-c", "import costcalc; print(costcalc.__file__)"]
        imported = subprocess.run(where, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
        if not imported.startswith(str(copy)):
            raise SystemExit(f"the tests would import {imported.strip()}, not the mutated copy")
        return
    compileall.compile_dir(copy / "costcalc", quiet=2)
    for stale in (target.parent / "__pycache__").glob(f"{target.stem}.*.pyc"):
        stale.unlink()  # the mutant is always compiled from its source
    _preload()
    if not _imports_copy(copy):
        raise SystemExit("the tests would not import the mutated copy")


def run(  # long because it sets up the copy, checks it, then runs and sorts every mutant
    module: str,
    tests: list[str],
    timeout: float,
    lines: tuple[int, int] | None = None,
    spawn: bool = False,
    only: set[tuple[int, str]] | None = None,
) -> dict[str, Any]:
    """Every mutant of ``module`` (on ``lines``, or among ``only`` by line and mutation, if given)
    against ``tests``: counts, and the survivors by line.

    Forked runs first try the tests that run the mutated function, fastest first (from one traced run
    of the unmutated tests); a mutant they all pass is run against every test before it counts as a
    survivor, so the selection only makes the kills faster and never changes a verdict.
    """
    with tempfile.TemporaryDirectory(prefix="costcalc-mutants-") as tmp:
        copy = Path(tmp)
        shutil.copytree(ROOT / "costcalc", copy / "costcalc", ignore=shutil.ignore_patterns("__pycache__"))
        (copy / "presets").symlink_to(ROOT / "presets")
        target = copy / module
        original = target.read_text()
        _prepare(copy, target, spawn)
        passes = _passes if spawn else _passes_forked
        seen = None if spawn else _traced(copy, module, tests, timeout * 10)
        if not passes(copy, tests, timeout * 3) or (not spawn and seen is None):
            raise SystemExit(f"the tests fail before any mutation: {' '.join(tests)}")
        spans = _spans(original)
        survivors, equivalent, total = [], [], 0
        for mutant, code in mutants(original):
            if lines is not None and not lines[0] <= mutant.line <= lines[1]:
                continue
            if only is not None and (mutant.line, mutant.description) not in only:
                continue
            total += 1
            target.write_text(code)
            chosen = [] if seen is None else _chosen(seen, spans, mutant.line)
            if chosen and not passes(copy, chosen, timeout):
                survived = False
            else:
                survived = (seen is not None and len(chosen) == len(seen)) or passes(copy, tests, timeout)
            if survived:
                key = (module, mutant.line, mutant.description)
                entry = {"line": mutant.line, "mutation": mutant.description}
                if key in EQUIVALENT:
                    equivalent.append({**entry, "why": EQUIVALENT[key]})
                else:
                    survivors.append(entry)
            print(f"{module}:{mutant.line} {mutant.description}{': survived' * survived}", file=sys.stderr)
        target.write_text(original)
    judged = total - len(equivalent)
    killed = judged - len(survivors)
    return {
        "module": module,
        "lines": None if lines is None else f"{lines[0]}-{lines[1]}",
        "tests": tests,
        "mutants": total,
        "equivalent": equivalent,
        "killed": killed,
        "survivors": survivors,
        "score": killed / judged if judged else 1.0,
    }


def _recheck(previous: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """A whole run whose survivors (and equivalent mutants) were run again against the tests as they are now.

    Tests are only ever added, so a mutant killed before is still killed; the module itself must not
    have changed, which the mutant count checks.
    """
    total = previous["mutants"]
    judged = total - len(result["equivalent"])
    killed = judged - len(result["survivors"])
    return {**result, "mutants": total, "killed": killed, "score": killed / judged, "rechecked": result["mutants"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", help="the module to mutate, e.g. costcalc/estimator/compute.py")
    parser.add_argument("tests", nargs="+", help="the test files to run against each mutant")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per test run (default 120)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--lines", help="mutate only these lines, e.g. 120-180 (a recheck, not a score)")
    parser.add_argument("--spawn", action="store_true", help="a fresh interpreter per mutant instead of a fork")
    parser.add_argument(
        "--recheck", type=Path, help="the --json result of a whole run: run only its survivors and equivalent mutants"
    )
    args = parser.parse_args()
    previous = None if args.recheck is None else json.loads(args.recheck.read_text())
    only = None
    if previous is not None:
        if previous["module"] != args.module or previous["lines"] is not None:
            raise SystemExit(f"{args.recheck} is not a whole run of {args.module}")
        if sum(1 for _ in mutants((ROOT / args.module).read_text())) != previous["mutants"]:
            raise SystemExit(f"{args.module} has changed since {args.recheck}: run it whole again")
        only = {(s["line"], s["mutation"]) for s in previous["survivors"] + previous["equivalent"]}
    result = run(args.module, args.tests, args.timeout, _lines(args.lines), args.spawn, only)
    if previous is not None:
        result = _recheck(previous, result)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    where = f" lines {result['lines']}" if result["lines"] else ""
    print(f"{result['module']}{where}: {result['killed']} of {result['mutants']} mutants killed", end="")
    print(f" ({len(result['equivalent'])} equivalent), score {result['score']:.0%}", end="")
    print(f"; {result['rechecked']} survivors rechecked" if "rechecked" in result else "")
    for s in result["survivors"]:
        print(f"  survived: line {s['line']}: {s['mutation']}")


if __name__ == "__main__":
    main()
