"""The ``costcalc`` command: parses arguments, calls the library, renders. Nothing else.

Heavy modules are imported inside the command that needs them, so ``costcalc estimate`` loads
only the engine (and never textual).
"""

# long because every subcommand's options and handler are declared here, each a few lines, so the
# whole command line reads in one file (the logic behind each handler lives in costcalc.commands).

from __future__ import annotations

import sys

try:  # Ctrl-C while the command starts (before main's handler runs) ends as quietly as later: 130
    import argparse
    import os
    import re
    from collections.abc import Iterator, Sequence
    from typing import Any, NoReturn

    from costcalc.base.streams import discard_stdout, stderr_line, tolerant_streams, write_output
except KeyboardInterrupt:
    raise SystemExit(130) from None

__all__ = ["main"]

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage dump), exit code 2.

    A value that starts with a minus and a digit, a point or a dollar (``-5B``, ``-.5``, ``-$2M``,
    ``-inf``) is a value, not an option (argparse reads only ``-5`` and ``-0.5`` so), so that
    ``--params -5B`` is refused by the input's own check ("must be positive"), as every option's
    negative values are. No option of costcalc starts with a minus and a digit.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-(?:[0-9.$]|inf|nan)", re.IGNORECASE)

    def error(self, message: str) -> NoReturn:
        from costcalc.base.errors import one_line

        self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line(message)} (see '{self.prog} --help')\n")


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


def _add_inputs(parser: argparse.ArgumentParser, names: Sequence[str], help_for: dict[str, str] | None = None) -> None:
    """One option per estimate input, generated from ``EstimateInputs`` (help, choices, flags).

    Options are grouped as the inputs are (model, hardware, costs, memory, overheads); only the
    parsing happens here: values stay strings and are validated by the input model.
    """
    from costcalc.estimator.inputs import GROUPS, EstimateInputs, choices, field_group, option_name

    fields = EstimateInputs.model_fields
    groups = {g: parser.add_argument_group(g) for g in GROUPS if any(field_group(n) == g for n in names)}
    for name in names:
        info = fields[name]
        text = (help_for or {}).get(name) or info.description or name
        allowed = choices(name)
        if allowed:
            text += f"; one of: {', '.join(allowed)}"
        option = option_name(name)
        if info.annotation in (bool, bool | None):
            groups[field_group(name)].add_argument(option, dest=name, action="store_true", default=None, help=text)
        else:
            groups[field_group(name)].add_argument(option, dest=name, help=text.replace("%", "%%"))


def _inputs(*groups: str, exclude: Sequence[str] = ()) -> list[str]:
    """The names of the CLI inputs in ``groups`` (in the input model's order)."""
    from costcalc.estimator.inputs import EstimateInputs, field_group, in_cli

    return [n for n in EstimateInputs.model_fields if in_cli(n) and field_group(n) in groups and n not in exclude]


_EVERY_GROUP = ("model", "hardware", "costs", "memory", "overheads")


def _estimate_parser(sub: Any) -> None:
    est = sub.add_parser(
        "estimate",
        help="estimate FLOPs, GPU-hours, wall-clock, cost, energy and CO2",
        description="Estimate a training run. Quantities take units: 70B, 2T tokens, 2.5 USD/GPU/h, 400 W.",
    )
    _add_inputs(est, _inputs(*_EVERY_GROUP))
    est.add_argument(
        "--scenario", metavar="FILE", help="read inputs from a scenario file (options given here override)"
    )
    est.add_argument("--save", metavar="FILE", help="also write the inputs to a scenario file (atomically)")
    _add_presets(est)
    _add_format(est)
    est.set_defaults(handler=_estimate)


def _sweep_parser(sub: Any) -> None:
    swp = sub.add_parser(
        "sweep",
        help="estimate over ranges of inputs, vectorised (table, CSV or JSON)",
        description="Sweep inputs: --over gpus=512,1024,2048, --over params=1e9..1e12:log:7 or "
        "--over gpu=a100,h100,b200 (repeatable). Options fix the other inputs. Each point gets a memory check.",
    )
    swp.add_argument("--over", action="append", default=[], metavar="NAME=VALUES", help="an input and its values")
    _add_inputs(swp, _inputs("model", "hardware", "costs", "memory"))
    _add_presets(swp)
    swp.add_argument("--format", choices=("table", "csv", "json", "markdown"), default="table", help="output format")
    swp.set_defaults(handler=_sweep)

    cmp_ = sub.add_parser("compare", help="saved scenario files side by side", description="Compare scenario files.")
    cmp_.add_argument("files", nargs="+", metavar="FILE", help="scenario files (TOML), at least two")
    _add_presets(cmp_)
    _add_format(cmp_)
    cmp_.set_defaults(handler=_compare)


def _plan_parser(sub: Any) -> None:
    pl = sub.add_parser(
        "plan",
        help="inverse questions: what a budget buys, how many GPUs meet a deadline, how long GPUs take",
        description="Plan a run from a budget (USD, FLOP or GPU-hours), a deadline, or a fixed model and GPUs.",
    )
    pl.add_argument("--budget", help="dollars (2M USD), FLOPs (5.76e23 FLOP) or GPU-hours (1e6 GPU*h)")
    pl.add_argument("--deadline", help="wall-clock limit, e.g. '30 days'")
    plan_help = {
        "gpus": "GPU count (else derived from the deadline, in whole nodes)",
        "params": "fix the model size (with a budget: the most tokens; else the GPUs or the time)",
        "model": "fix the model by preset (and its tokens, without a budget)",
        "tokens": "fix the training tokens (with a budget: the largest model it trains)",
    }
    _add_inputs(pl, ["gpu", "gpus", "params", "model", "tokens", "mfu", "price"], plan_help)
    pl.add_argument(
        "--scaling",
        choices=("hoffmann", "besiroglu"),
        default="hoffmann",
        help="compute-optimal rule (default: hoffmann, 20 tokens per parameter)",
    )
    _add_presets(pl)
    _add_format(pl)
    pl.set_defaults(handler=_plan)


def _costs_and_memory_parsers(sub: Any) -> None:
    costs = sub.add_parser(
        "costs",
        help="price a run four ways: cloud on-demand, reserved, market, owned hardware",
        description="Cost models side by side for the run that 'costcalc estimate' would estimate.",
    )
    _add_inputs(costs, [*_inputs("model", "hardware"), "power", "pue"])
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
    _add_inputs(mem, _inputs("model", "hardware", "memory", exclude=("tokens", "mfu")))
    _add_presets(mem)
    _add_format(mem)
    mem.set_defaults(handler=_memory)


def _report_parsers(sub: Any) -> None:
    tui = sub.add_parser("tui", help="interactive terminal UI", description="Start the Textual terminal UI.")
    tui.add_argument("--scenario", metavar="FILE", help="open with this scenario file")
    _add_presets(tui)
    tui.set_defaults(handler=_tui)

    presets = sub.add_parser("presets", help="list accelerator, node and model presets with key figures")
    presets.add_argument("--kind", choices=("accelerator", "node", "model"), help="list only this kind")
    _add_presets(presets)
    _add_format(presets)
    presets.set_defaults(handler=_presets)

    reports = (
        ("check", "check training-cost claims: the 2023 article's (default), a claims file's, or --claim lines",
         "Verdicts on claims by arithmetic on published runs and costcalc's estimates.", _check, _check_options),
        ("backtest", "run the estimator on every shipped published run and compare",
         "Predicted vs published GPU-hours (and days) for every published run, with a summary.", _backtest, None),
        ("calibration", "show how the default efficiency is derived from published runs",
         "Rerun the derivation of the default efficiency (MFU) and its range.", _calibration, None),
    )  # fmt: skip
    for name, summary, description, handler, options in reports:
        report = sub.add_parser(name, help=summary, description=description)
        if options is not None:
            options(report)
        _add_presets(report)
        _add_format(report)
        report.set_defaults(handler=handler)


def _check_options(chk: argparse.ArgumentParser) -> None:
    chk.add_argument("file", nargs="?", metavar="FILE", help="a claims file (TOML [[claim]] tables; see --template)")
    claim = "'<quantity> <relation> <value>', e.g. 'cost > 80M USD' (see README); repeatable; subject: --model etc."
    chk.add_argument("--claim", action="append", default=[], metavar="CLAIM", help=claim)
    chk.add_argument("--template", action="store_true", help="print a commented claims-file template")
    _add_inputs(chk, _inputs("model", "hardware", "costs"), {"model": "the claims' subject: a model preset"})


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command; estimate inputs come from the one input model."""
    from costcalc import __version__

    parser = _Parser(prog="costcalc", description="What it costs to train a large language model.")
    parser.add_argument("--version", action="version", version=f"costcalc {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    for add in (_estimate_parser, _sweep_parser, _plan_parser, _costs_and_memory_parsers, _report_parsers):
        add(sub)
    return parser


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """The estimate inputs the user typed (options left out are not passed on)."""
    from costcalc.estimator.inputs import EstimateInputs

    return {name: getattr(args, name) for name in EstimateInputs.model_fields if getattr(args, name, None) is not None}


def _estimate(args: argparse.Namespace) -> str:
    from costcalc.render.estimate import render

    if args.scenario:
        from costcalc.commands.scenario_files import estimate_file

        _, result = estimate_file(args.scenario, args.presets, **_given(args))
    else:
        from costcalc.estimator.api import estimate

        result = estimate(presets=args.presets, **_given(args))
    if args.save is not None:
        from costcalc.base.errors import FileError, InputError
        from costcalc.commands.scenario_files import SCENARIO_KEYS, save_scenario

        try:
            save_scenario(args.save, {k: v for k, v in result.scenario.inputs.items() if k in SCENARIO_KEYS})
        except FileError as err:  # name the option the path came from
            raise InputError("save", str(err)) from None
    return render(result, args.format)


def _sweep(args: argparse.Namespace) -> str | Iterator[tuple[str, int]]:
    from costcalc.commands.sweep import sweep
    from costcalc.render.sweep import render_sweep

    result = sweep(args.over, args.presets, **_given(args))
    for note in result.notes if args.format == "csv" else ():  # the other formats carry the notes themselves
        stderr_line(f"costcalc sweep: note: {note}")
    return render_sweep(result, args.format)


def _compare(args: argparse.Namespace) -> str:
    from costcalc.commands.compare import compare
    from costcalc.render.sweep import render_compare

    return render_compare(compare(args.files, args.presets), args.format)


def _plan(args: argparse.Namespace) -> str:
    from costcalc.commands.plan import plan
    from costcalc.render.plan import render_plan

    given = _given(args)
    if args.deadline is not None:
        given["deadline"] = args.deadline
    return render_plan(plan(args.budget, scaling=args.scaling, presets=args.presets, **given), args.format)


def _costs(args: argparse.Namespace) -> str:
    from costcalc.base.parse import parse_quantity
    from costcalc.commands.costs import estimate_cost_models
    from costcalc.render.costs import render_cost_models

    lifetime = float(parse_quantity(args.lifetime, "lifetime", "year").m)
    network = float(parse_quantity(args.network_overhead, "network_overhead", "dimensionless").m)
    est, models = estimate_cost_models(
        lifetime_years=lifetime, network_overhead=network, presets=args.presets, **_given(args)
    )
    return render_cost_models(est, models, args.format)


def _memory(args: argparse.Namespace) -> str:
    from costcalc.commands.memory_report import training_memory
    from costcalc.render.memory import render_memory

    return render_memory(training_memory(presets=args.presets, **_given(args)), args.format)


def _tui(args: argparse.Namespace) -> str:
    from costcalc_tui import run

    run(args.scenario, args.presets)
    return ""


def _presets(args: argparse.Namespace) -> str:
    from costcalc.commands.listing import preset_rows
    from costcalc.render.listing import render_presets

    return render_presets(preset_rows(args.kind, args.presets), args.format)


def _check(args: argparse.Namespace) -> str:
    from costcalc.commands.claims.files import TEMPLATE, check_request
    from costcalc.render.checks import render_checks

    if args.template:
        return TEMPLATE
    title, results = check_request(args.file, args.claim, _given(args), args.presets)
    return render_checks(results, args.format, title=title)


def _backtest(args: argparse.Namespace) -> str:
    from costcalc.commands.backtest import backtest
    from costcalc.render.backtest import render_backtest

    return render_backtest(backtest(args.presets), args.format)


def _calibration(args: argparse.Namespace) -> str:
    from costcalc.commands.listing import calibration_report
    from costcalc.render.listing import render_calibration

    return render_calibration(calibration_report(args.presets), args.format)


def _subparser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found: argparse.ArgumentParser = action.choices[command]
            return found
    return parser


def _options(parser: argparse.ArgumentParser, command: str) -> list[argparse.Action]:
    """The actions of one subcommand, to name a bad field by the option the user typed."""
    return list(_subparser(parser, command)._actions)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 2 bad input, 1 internal error or unwritable output).

    Ctrl-C ends quietly with 130, a closed pipe (``| head -1``) silently with 141 (128 + SIGPIPE),
    like the tools it is piped with; no traceback either way.
    """
    try:
        tolerant_streams()
        return _main(argv)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        discard_stdout()
        return 141


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # name the subcommand, so the hint points at its own --help
        _subparser(parser, args.command).error(f"unrecognized arguments: {' '.join(extra)}")
    from costcalc.base.errors import CostcalcError, InputError

    for name, value in vars(args).items():
        # argparse turns "--option=--" into an empty list; every option but these takes one value
        if isinstance(value, list) and name not in ("presets", "over", "files", "claim"):
            stderr_line(f"costcalc {args.command}: error: --{name.replace('_', '-')}: expected a value")
            return EXIT_USAGE
    try:
        output = args.handler(args)
    except InputError as err:
        _warn_presets(args)
        from costcalc.estimator.inputs import option_name

        option = option_name(err.field)
        known = any(option in action.option_strings for action in _options(parser, args.command))
        stderr_line(f"costcalc {args.command}: error: {option if known else err.field}: {err.message}")
        return EXIT_USAGE
    except CostcalcError as err:
        _warn_presets(args)
        stderr_line(f"costcalc {args.command}: error: {err}")
        return EXIT_USAGE
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as err:  # a bug: one line for the user, the traceback on request
        if os.environ.get("COSTCALC_DEBUG"):
            raise
        stderr_line(
            f"costcalc {args.command}: internal error: {type(err).__name__}: {err} "
            "(set COSTCALC_DEBUG=1 for the traceback)"
        )
        return 1
    _warn_presets(args)
    return _write(args.command, output)


def _warn_presets(args: argparse.Namespace) -> None:
    """Say on stderr which user file overrides which preset, and which folders were not read."""
    from costcalc.data.catalog import notices

    for notice in notices(args.presets) if hasattr(args, "presets") else []:
        stderr_line(f"costcalc {args.command}: warning: {notice}")


def _write(command: str, output: str | Iterator[tuple[str, int]]) -> int:
    from costcalc.render.progress import Progress

    problem = write_output(output, lambda: Progress(sys.stderr, what="rows"))
    if problem is not None:
        stderr_line(f"costcalc {command}: error: cannot write the output: {problem}")
        return 1
    return 0
