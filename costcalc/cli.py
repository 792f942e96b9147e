"""The ``costcalc`` command: parses arguments, calls the library, renders. Nothing else.

Heavy modules are imported inside the command that needs them, so ``costcalc estimate`` loads
only the engine (and never textual).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

__all__ = ["main"]

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage dump), exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("table", "json", "markdown"),
        default="table",
        help="output format (default: table)",
    )


def _add_presets(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--presets",
        action="append",
        default=[],
        metavar="DIR",
        help="also read preset files (*.toml) from DIR; may be repeated",
    )


def _add_memory(parser: argparse.ArgumentParser, *, with_recompute: bool = True) -> None:
    """Options shared by estimate and memory: the parallel layout and what memory depends on."""
    group = parser.add_argument_group("memory and parallelism")
    group.add_argument("--zero", help="ZeRO stage 0-3 (3 = FSDP full sharding; default 1)")
    group.add_argument("--tp", help="tensor-parallel degree (default: chosen by costcalc)")
    group.add_argument("--pp", help="pipeline-parallel stages (default: chosen by costcalc)")
    group.add_argument("--sp", action="store_true", default=None, help="sequence parallelism (with --tp)")
    group.add_argument("--ep", help="expert-parallel degree for mixture-of-experts models (default 1)")
    group.add_argument("--micro-batch", help="micro-batch size in sequences (default 1)")
    group.add_argument("--optimizer", help="adamw (default), adam8bit or sgd")
    if with_recompute:
        group.add_argument(
            "--recompute", help="activation recomputation: none, selective, full (default: the least that fits)"
        )


def _add_overheads(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("overheads and uncertainty")
    group.add_argument("--goodput", help="share of wall-clock doing useful steps (failures, restarts), e.g. 0.9")
    group.add_argument("--checkpoint-overhead", help="share of time spent checkpointing, e.g. 2%%")
    group.add_argument("--eval-overhead", help="share of time spent on evaluation, e.g. 1%%")
    group.add_argument(
        "--count-bubble", action="store_true", default=None, help="stretch wall-clock by the layout's pipeline bubble"
    )
    group.add_argument("--samples", help="Monte Carlo samples for P10/P50/P90 (e.g. 100000; default: analytic range)")
    group.add_argument("--seed", help="random seed for --samples (default 0)")


def _add_model_and_hardware(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--params", help="total parameters, e.g. 70e9 or 70B")
    parser.add_argument("--active-params", help="parameters active per token (mixture of experts)")
    parser.add_argument("--model", help="model preset, e.g. llama-2-70b (fills params, architecture, tokens)")
    parser.add_argument("--gpu", help="accelerator or node preset, e.g. a100, h100, dgx-a100 (default: A100-80GB)")
    count = parser.add_mutually_exclusive_group()
    count.add_argument("--gpus", help="number of GPUs (needed for wall-clock)")
    count.add_argument("--nodes", help="number of nodes of a node preset such as dgx-a100")
    parser.add_argument("--dtype", help="precision: fp32, tf32, bf16, fp16, fp8, int8 (default: bf16)")
    parser.add_argument("--seq-len", help="sequence length (default: the model preset's)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="costcalc", description="What it costs to train a large language model.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    est = sub.add_parser(
        "estimate",
        help="estimate FLOPs, GPU-hours, wall-clock, cost, energy and CO2",
        description="Estimate a training run. Quantities take units: 70B, 2T tokens, 2.5 USD/GPU/h, 400 W.",
    )
    _add_model_and_hardware(est)
    est.add_argument("--tokens", help="training tokens (default: the model preset's, else 20 x params)")
    est.add_argument(
        "--mfu", help="efficiency (model FLOPs utilisation), in (0, 1] or a percentage; default: calibrated"
    )
    est.add_argument("--price", help="price per GPU-hour, e.g. 2.5 or '2.5 USD/GPU/h' (default: observed median)")
    est.add_argument("--power", help="power per GPU, e.g. '700 W' (default: TDP, or node power / GPUs)")
    est.add_argument("--pue", help="datacenter PUE (default: median of published figures)")
    est.add_argument("--carbon-intensity", help="grid intensity, e.g. '385 gCO2e/kWh' (default: median of published)")
    _add_memory(est)
    _add_overheads(est)
    est.add_argument(
        "--scenario", metavar="FILE", help="read inputs from a scenario file (options given here override)"
    )
    est.add_argument("--save", metavar="FILE", help="also write the inputs to a scenario file (atomically)")
    _add_presets(est)
    _add_format(est)
    est.set_defaults(handler=_estimate)

    swp = sub.add_parser(
        "sweep",
        help="estimate over ranges of inputs, vectorised (table, CSV or JSON)",
        description="Sweep inputs: --over gpus=512,1024,2048 or --over params=1e9..1e12:log:7 (repeatable).",
    )
    swp.add_argument("--over", action="append", default=[], metavar="NAME=VALUES", help="an input and its values")
    swp.add_argument("--model", help="model preset (fixed)")
    swp.add_argument("--params", help="parameters (fixed)")
    swp.add_argument("--tokens", help="tokens (fixed)")
    swp.add_argument("--gpu", help="accelerator or node preset (fixed)")
    swp.add_argument("--gpus", help="GPU count (fixed)")
    swp.add_argument("--mfu", help="efficiency (fixed)")
    swp.add_argument("--price", help="price per GPU-hour (fixed)")
    _add_presets(swp)
    swp.add_argument("--format", choices=("table", "csv", "json", "markdown"), default="table", help="output format")
    swp.set_defaults(handler=_sweep)

    cmp_ = sub.add_parser("compare", help="saved scenario files side by side", description="Compare scenario files.")
    cmp_.add_argument("files", nargs="+", metavar="FILE", help="scenario files (TOML), at least two")
    _add_presets(cmp_)
    _add_format(cmp_)
    cmp_.set_defaults(handler=_compare)

    pl = sub.add_parser(
        "plan",
        help="inverse questions: what a budget buys, how many GPUs meet a deadline",
        description="Plan a run from a budget (USD, FLOP or GPU-hours) and/or a deadline.",
    )
    pl.add_argument("--budget", help="dollars (2M USD), FLOPs (5.76e23 FLOP) or GPU-hours (1e6 GPU*h)")
    pl.add_argument("--deadline", help="wall-clock limit, e.g. '30 days'")
    pl.add_argument("--gpu", help="accelerator or node preset (default: A100-80GB)")
    pl.add_argument("--gpus", help="GPU count (else derived from the deadline)")
    pl.add_argument("--params", help="fix the model size: the plan gives the most tokens the budget buys")
    pl.add_argument("--model", help="fix the model by preset")
    pl.add_argument("--mfu", help="efficiency (default: calibrated)")
    pl.add_argument("--price", help="price per GPU-hour (default: observed median)")
    pl.add_argument(
        "--scaling",
        choices=("hoffmann", "besiroglu"),
        default="hoffmann",
        help="compute-optimal rule (default: hoffmann, 20 tokens per parameter)",
    )
    _add_presets(pl)
    _add_format(pl)
    pl.set_defaults(handler=_plan)

    costs = sub.add_parser(
        "costs",
        help="price a run four ways: cloud on-demand, reserved, market, owned hardware",
        description="Cost models side by side for the run that 'costcalc estimate' would estimate.",
    )
    _add_model_and_hardware(costs)
    costs.add_argument("--tokens", help="training tokens (default: the model preset's, else 20 x params)")
    costs.add_argument("--mfu", help="efficiency (default: calibrated)")
    costs.add_argument("--power", help="power per GPU (default: TDP, or node power / GPUs)")
    costs.add_argument("--pue", help="datacenter PUE (default: median of published figures)")
    costs.add_argument("--lifetime", default="4", help="owned hardware lifetime in years (default 4, stated)")
    costs.add_argument("--network-overhead", default="0", help="owned: network share over server cost (default 0)")
    _add_presets(costs)
    _add_format(costs)
    costs.set_defaults(handler=_costs)

    mem = sub.add_parser(
        "memory",
        help="per-GPU training memory, whether it fits, sensible layouts and the smallest GPU count",
        description="Training memory per GPU (weights, gradients, optimizer, activations, overhead) for a layout.",
    )
    _add_model_and_hardware(mem)
    _add_memory(mem)
    _add_presets(mem)
    _add_format(mem)
    mem.set_defaults(handler=_memory)

    tui = sub.add_parser("tui", help="interactive terminal UI", description="Start the Textual terminal UI.")
    tui.add_argument("--scenario", metavar="FILE", help="open with this scenario file")
    tui.set_defaults(handler=_tui)

    presets = sub.add_parser("presets", help="list accelerator, node and model presets with key figures")
    presets.add_argument("--kind", choices=("accelerator", "node", "model"), help="list only this kind")
    _add_presets(presets)
    _add_format(presets)
    presets.set_defaults(handler=_presets)

    reports = (
        ("check", "recompute the 2023 article's cost and hardware claims and give verdicts",
         "Check each claim of the article against primary sources and costcalc's own arithmetic.", _check),
        ("backtest", "run the estimator on every shipped published run and compare",
         "Predicted vs published GPU-hours (and days) for every published run, with a summary.", _backtest),
        ("calibration", "show how the default efficiency is derived from published runs",
         "Rerun the derivation of the default efficiency (MFU) and its range.", _calibration),
    )  # fmt: skip
    for name, summary, description, handler in reports:
        report = sub.add_parser(name, help=summary, description=description)
        _add_presets(report)
        _add_format(report)
        report.set_defaults(handler=handler)
    return parser


MEMORY_FIELDS = ("zero", "tp", "pp", "sp", "ep", "micro_batch", "optimizer")
MODEL_FIELDS = ("params", "active_params", "model", "gpu", "gpus", "nodes", "dtype", "seq_len", "recompute")


def _given(args: argparse.Namespace, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def _estimate(args: argparse.Namespace) -> str:
    from costcalc.estimator.api import estimate
    from costcalc.render.estimate import render

    if args.scenario:
        from costcalc.commands.scenarios import estimate_file
        from costcalc.render.estimate import render

        overrides = _given(args, MODEL_FIELDS + EXTRA_FIELDS + MEMORY_FIELDS)
        _, result = estimate_file(args.scenario, args.presets, **overrides)
        _save(args, result)
        return render(result, args.format)
    given = _given(args, MODEL_FIELDS + EXTRA_FIELDS + MEMORY_FIELDS)
    result = estimate(presets=args.presets, **given)
    _save(args, result)
    return render(result, args.format)


EXTRA_FIELDS = (
    "tokens",
    "mfu",
    "price",
    "power",
    "pue",
    "carbon_intensity",
    "goodput",
    "checkpoint_overhead",
    "eval_overhead",
    "count_bubble",
    "samples",
    "seed",
)


def _save(args: argparse.Namespace, result: Any) -> None:
    if args.save:
        from costcalc.commands.scenarios import SCENARIO_KEYS, save_scenario

        save_scenario(args.save, {k: v for k, v in result.scenario.inputs.items() if k in SCENARIO_KEYS})


def _sweep(args: argparse.Namespace) -> str:
    from costcalc.commands.scenarios import render_sweep, sweep

    fixed = _given(args, ("model", "params", "tokens", "gpu", "gpus", "mfu", "price"))
    columns, result = sweep(args.over, args.presets, **fixed)
    return render_sweep(columns, result, args.format)


def _compare(args: argparse.Namespace) -> str:
    from costcalc.commands.scenarios import compare, render_compare

    return render_compare(compare(args.files, args.presets), args.format)


def _plan(args: argparse.Namespace) -> str:
    from costcalc.commands.plan import plan, render_plan

    given = _given(args, ("deadline", "gpu", "gpus", "params", "model", "mfu", "price"))
    return render_plan(plan(args.budget, scaling=args.scaling, presets=args.presets, **given), args.format)


def _costs(args: argparse.Namespace) -> str:
    from costcalc.base.parse import parse_quantity
    from costcalc.commands.costs import estimate_cost_models, render_cost_models

    lifetime = float(parse_quantity(args.lifetime, "lifetime", "year").m)
    network = float(parse_quantity(args.network_overhead, "network_overhead", "dimensionless").m)
    given = _given(args, (*MODEL_FIELDS, "tokens", "mfu", "power", "pue"))
    est, models = estimate_cost_models(lifetime_years=lifetime, network_overhead=network, presets=args.presets, **given)
    return render_cost_models(est, models, args.format)


def _memory(args: argparse.Namespace) -> str:
    from costcalc.commands.memory_report import render_memory, training_memory

    return render_memory(
        training_memory(presets=args.presets, **_given(args, MODEL_FIELDS + MEMORY_FIELDS)), args.format
    )


def _tui(args: argparse.Namespace) -> str:
    from costcalc_tui import run

    run(args.scenario)
    return ""


def _presets(args: argparse.Namespace) -> str:
    from costcalc.commands.listing import render_presets

    return render_presets(args.kind, args.presets, args.format)


def _check(args: argparse.Namespace) -> str:
    from costcalc.commands.article import check_article, render_checks

    return render_checks(check_article(args.presets), args.format)


def _backtest(args: argparse.Namespace) -> str:
    from costcalc.commands.backtest import backtest, render_backtest

    return render_backtest(backtest(args.presets), args.format)


def _calibration(args: argparse.Namespace) -> str:
    from costcalc.commands.listing import render_calibration

    return render_calibration(args.presets, args.format)


def _options(parser: argparse.ArgumentParser, command: str) -> list[argparse.Action]:
    """The actions of one subcommand, to name a bad field by the option the user typed."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices[command]._actions)
    return []


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 2 bad input, 1 internal error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from costcalc.base.errors import CostcalcError, InputError

    for name, value in vars(args).items():
        # argparse turns "--option=--" into an empty list; every option but these takes one value
        if isinstance(value, list) and name not in ("presets", "over", "files"):
            print(f"costcalc {args.command}: error: --{name.replace('_', '-')}: expected a value", file=sys.stderr)
            return EXIT_USAGE
    try:
        output = args.handler(args)
    except InputError as err:
        option = f"--{err.field.replace('_', '-')}"
        known = any(option in action.option_strings for action in _options(parser, args.command))
        print(f"costcalc {args.command}: error: {option if known else err.field}: {err.message}", file=sys.stderr)
        return EXIT_USAGE
    except CostcalcError as err:
        print(f"costcalc {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as err:  # a bug: one line for the user, the traceback on request
        if os.environ.get("COSTCALC_DEBUG"):
            raise
        print(
            f"costcalc {args.command}: internal error: {type(err).__name__}: {err} "
            "(set COSTCALC_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1
    sys.stdout.write(output)
    return 0
