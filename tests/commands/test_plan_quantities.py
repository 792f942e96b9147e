"""``costcalc plan`` works on quantities: no bare-float arithmetic, one validation, a true fixed point."""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path

import pytest

import costcalc
from costcalc.base.errors import InputError
from costcalc.base.units import Q_
from costcalc.commands.plan import question as question_module
from costcalc.commands.plan.question import PLAN_INPUTS
from costcalc.data.catalog import default_catalog
from costcalc.estimator.efficiency import resolve_efficiency
from costcalc.estimator.inputs import EstimateInputs

PLAN_PACKAGE = Path(costcalc.__file__).parent / "commands" / "plan"
#: Expressions that leave pint: their results are bare numbers.
_LEAVES_PINT_CALLS = {"float", "int"}
_LEAVES_PINT_METHODS = {"m_as", "to_tuple"}
_LEAVES_PINT_ATTRIBUTES = {"magnitude", "m"}


def _leaves_pint(node: ast.expr, bare: set[str]) -> bool:
    """Whether an expression is a number taken out of a quantity (or a name bound to one)."""
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id in _LEAVES_PINT_CALLS:
            return True
        return isinstance(func, ast.Attribute) and func.attr in _LEAVES_PINT_METHODS
    if isinstance(node, ast.Attribute):
        return node.attr in _LEAVES_PINT_ATTRIBUTES
    if isinstance(node, ast.Subscript):
        return _leaves_pint(node.value, bare)
    return isinstance(node, ast.Name) and node.id in bare


def _bound_names(node: ast.AST, bare: set[str]) -> None:
    """Names an assignment binds to bare numbers (``x = float(q.m)``, ``a, b = q.m_as(u), r.m``)."""
    if not isinstance(node, ast.Assign | ast.AnnAssign):
        return
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    value = node.value
    for target in targets:
        if isinstance(target, ast.Name) and value is not None and _leaves_pint(value, bare):
            bare.add(target.id)
        elif isinstance(target, ast.Name) and isinstance(value, ast.Tuple | ast.List):
            if any(_leaves_pint(item, bare) for item in value.elts):  # a pair of numbers out of pint
                bare.add(target.id)
        elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            for name, item in zip(target.elts, value.elts, strict=False):
                if isinstance(name, ast.Name) and _leaves_pint(item, bare):
                    bare.add(name.id)


def bare_arithmetic(source: str) -> list[str]:
    """Each arithmetic operation with an operand taken out of pint: ``line: expression``."""
    tree = ast.parse(source)
    bare: set[str] = set()
    for node in ast.walk(tree):  # walk order visits a binding before later uses in the same body
        _bound_names(node, bare)
    found = []
    for node in ast.walk(tree):
        operands: list[ast.expr] = []
        if isinstance(node, ast.BinOp):
            operands = [node.left, node.right]
        elif isinstance(node, ast.AugAssign):
            operands = [node.target, node.value]
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            operands = [node.operand]
        if any(_leaves_pint(op, bare) for op in operands):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def _plan_modules() -> list[Path]:
    modules = sorted(PLAN_PACKAGE.glob("*.py"))
    assert {p.name for p in modules} >= {"__init__.py", "answer.py", "question.py", "rates.py", "result.py"}
    return modules


def test_the_plan_modules_do_no_arithmetic_on_bare_numbers() -> None:
    problems = {p.name: bare_arithmetic(p.read_text(encoding="utf-8")) for p in _plan_modules()}
    assert not {name: found for name, found in problems.items() if found}


@pytest.mark.parametrize(
    "snippet",
    [
        'hours = float(amount.m_as("USD")) / rates.price',  # the float version of plan, before quantities
        'low = _whole_nodes(float(v.m_as("GPU_hour")) / hours, per_node)',
        'gpu_hours = base.gpu_hours.m_as("GPU_hour")\ncount = _whole_nodes(gpu_hours / hours, per_node)',
        "n, d = q.params.m, q.tokens.magnitude\nx = n * d",
        "x = -q.magnitude",
        "total = 0.0\ntotal += int(q.m_as('GPU'))",
        "span = (q.m_as('day'), r.m_as('day'))\nwidth = span[1] - span[0]",
    ],
)
def test_the_bare_arithmetic_check_finds_it(snippet: str) -> None:
    assert bare_arithmetic(snippet)


def test_the_bare_arithmetic_check_passes_quantities() -> None:
    clean = "hours = runtime.gpu_hours_for_cost(budget, price)\nflops = hours * rate\nwords = f'{q.m_as(\"day\"):g}'"
    assert bare_arithmetic(clean) == []


def test_the_plan_modules_have_no_exemption_and_no_magic_numbers() -> None:
    for path in _plan_modules():
        text = path.read_text(encoding="utf-8")
        assert "# long because" not in text, path.name
        literals = [n.value for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Constant)]
        assert 24 not in literals and 70e9 not in literals, path.name


def test_a_plan_holds_quantities_and_reports_plain_numbers() -> None:
    p = costcalc.plan("2M USD", deadline="30 days", gpu="h100")
    assert p.params.units == Q_(1, "parameter").units and p.tokens.units == Q_(1, "token").units
    assert p.gpus is not None and p.gpus.units == Q_(1, "GPU").units and p.flops.units == Q_(1, "FLOP").units
    low, high = p.range["params"]  # type: ignore[misc]
    assert low.units == p.params.units and low < p.params < high
    data = json.loads(json.dumps(p.to_dict()))
    assert data["params"] == p.params.m_as("parameter") and data["tokens"] == p.tokens.m_as("token")
    assert data["gpus"] == p.gpu_count == p.gpus.m_as("GPU") and isinstance(data["gpus"], int)
    assert data["range"]["gpus"] == [g.m_as("GPU") for g in p.range["gpus"]]  # type: ignore[union-attr]
    assert data["range"]["params"] == [low.m_as("parameter"), high.m_as("parameter")]
    assert list(data) == ["question", "params", "tokens", "gpus", "flops", "wall_clock_days", "cost_usd",
                          "gpu_hours", "binding", "scaling", "range", "command", "estimate"]  # fmt: skip
    assert list(data["range"]) == ["params", "tokens", "gpus", "wall_clock_days", "cost_usd", "gpu_hours"]


def test_budget_and_deadline_are_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"budget": 0, "deadline": 0}
    budget, deadline = question_module._budget, question_module._deadline

    def counted_budget(value: object) -> object:
        calls["budget"] += 1
        return budget(value)

    def counted_deadline(value: object) -> object:
        calls["deadline"] += 1
        return deadline(value)

    monkeypatch.setattr(question_module, "_budget", counted_budget)
    monkeypatch.setattr(question_module, "_deadline", counted_deadline)
    costcalc.plan("2M USD", deadline="30 days", gpu="h100", gpus=1024)  # calibrated efficiency: several rounds
    assert calls == {"budget": 1, "deadline": 1}


@pytest.mark.parametrize(("budget", "gpu"), [("2M USD", "h100"), ("20k USD", "a100"), ("1e25 FLOP", "h100")])
def test_the_plan_is_the_fixed_point_of_size_and_efficiency(budget: str, gpu: str) -> None:
    """Planning at the efficiency calibrated for the planned size gives back the planned size."""
    p = costcalc.plan(budget, gpu=gpu)
    catalog = default_catalog()
    accelerator = catalog.accelerator("H100-SXM" if gpu == "h100" else "A100-80GB")
    eta = resolve_efficiency(None, accelerator, catalog, flop_params=p.params).value
    again = costcalc.plan(budget, gpu=gpu, mfu=eta)
    assert again.params.m_as("parameter") == pytest.approx(p.params.m_as("parameter"), rel=1e-9)
    if "FLOP" not in budget:  # a FLOP budget does not depend on the efficiency at all
        first_round = costcalc.plan(budget, gpu=gpu, mfu=1.0)  # the peak, where the fixed point starts
        assert first_round.params > p.params * 1.5


@pytest.mark.parametrize(
    ("budget", "deadline", "gpus"),
    [
        ("1000 GPU*h", "125 hours", 8),  # exactly 8 GPUs: one node
        ("1000 GPU*h", "124 hours", 16),  # 8.06 GPUs: two nodes
        ("1000 GPU*h", "62.5 hours", 16),
        ("1000 GPU*h", "1000 hours", 8),  # one GPU: still a whole node
        ("1e6 GPU*h", "1 minute", 60_000_000),  # exactly 7.5M nodes (float noise once added an 8th GPU-node)
    ],
)
def test_deadline_gpus_are_the_fewest_whole_nodes(budget: str, deadline: str, gpus: int) -> None:
    """GPU-hours / deadline, rounded up to whole nodes of 8 (A100 servers), at the boundaries."""
    assert costcalc.plan(budget, deadline=deadline, gpu="a100", mfu=0.4).gpu_count == gpus


def test_a_plan_takes_only_its_estimate_inputs() -> None:
    with pytest.raises(InputError) as err:
        costcalc.plan("1M USD", dtype="fp8")
    assert err.value.field == "dtype" and "gpu, gpus, params, model, tokens, mfu, price" in err.value.message
    assert costcalc.plan("1M USD", dtype=None).to_dict() == costcalc.plan("1M USD").to_dict()  # left out
    shown = inspect.signature(costcalc.plan).parameters
    assert list(shown)[-len(PLAN_INPUTS) :] == list(PLAN_INPUTS)
    assert all(shown[n].annotation == EstimateInputs.model_fields[n].annotation for n in PLAN_INPUTS)


def test_the_rerun_command_repeats_the_efficiency_and_price_as_typed() -> None:
    p = costcalc.plan("1M USD", mfu="40%", price="2.5 USD/GPU/h")
    assert p.command.endswith(" --mfu 40% --price '2.5 USD/GPU/h'")
    same = costcalc.plan("1M USD", mfu=0.4, price=2.5)
    assert same.command.endswith(" --mfu 0.4 --price 2.5") and same.to_dict()["params"] == p.to_dict()["params"]
