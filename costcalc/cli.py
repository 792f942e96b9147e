"""The ``costcalc`` command: parses arguments, calls the library, renders. Nothing else.

Heavy modules are imported inside the command that needs them, so ``costcalc estimate`` loads
only the engine (and never textual); the parsers are declared in ``costcalc.cli_parsers``, and
only the one of the command being run is built.
"""

from __future__ import annotations

import sys

try:  # Ctrl-C while the command starts (before main's handler runs) ends as quietly as later: 130
    import argparse
    import os
    from collections.abc import Callable, Iterator, Sequence
    from typing import Any

    from costcalc.base.streams import discard_stdout, stderr_line, tolerant_streams, write_output
    from costcalc.cli_parsers import EXIT_USAGE, build_parser, command_line_parser, subparser
except KeyboardInterrupt:
    raise SystemExit(130) from None

__all__ = ["build_parser", "main"]


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
    from costcalc.render.sweep_notes import note_text

    result = sweep(args.over, args.presets, **_given(args))
    for note in result.notes if args.format == "csv" else ():  # the other formats carry the notes themselves
        stderr_line(f"costcalc sweep: note: {note_text(note)}")
    return render_sweep(result, args.format)


def _compare(args: argparse.Namespace) -> str:
    from costcalc.commands.compare import compare
    from costcalc.render.sweep import render_compare

    return render_compare(compare(args.files, args.presets), args.format)


def _plan(args: argparse.Namespace) -> str:
    from costcalc.commands.plan import plan
    from costcalc.render.plan import render_plan

    given = _given(args)
    if given.get("stage") not in (None, "pretrain"):
        from costcalc.commands.plan.stages import plan_stage
        from costcalc.render.stage_plan import render_stage_plan

        staged = plan_stage(args.budget, deadline=args.deadline, presets=args.presets, **given)
        return render_stage_plan(staged, args.format)
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
    from costcalc.commands.hosted import hosted_tuning
    from costcalc.data.catalog import default_catalog

    return render_cost_models(est, models, args.format, hosted_tuning(est, default_catalog(args.presets)))


def _memory(args: argparse.Namespace) -> str:
    if args.longest_seq or args.largest_batch:
        from costcalc.commands.memory_limits import memory_limit
        from costcalc.render.memory import render_memory_limit

        found = memory_limit(longest_seq=args.longest_seq, largest_batch=args.largest_batch, presets=args.presets,
                             **_given(args))  # fmt: skip
        return render_memory_limit(found, args.format)
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
    from costcalc.cli_options import in_options

    title, results = check_request(args.file, args.claim, _given(args), args.presets)
    return render_checks(results, args.format, title=in_options(title))


def _recipe(args: argparse.Namespace) -> str:
    from costcalc.base.errors import InputError
    from costcalc.commands.recipe import TEMPLATE, recipe
    from costcalc.render.recipe import render_recipe

    if args.template:
        return TEMPLATE
    if args.file is None:
        raise InputError("recipe", "give a recipe file or a shipped recipe's name (e.g. deepseek-v3), or --template")
    return render_recipe(recipe(args.file, args.presets, **_given(args)), args.format)


def _backtest(args: argparse.Namespace) -> str:
    from costcalc.commands.backtest import backtest
    from costcalc.render.backtest import render_backtest

    return render_backtest(backtest(args.presets), args.format)


def _calibration(args: argparse.Namespace) -> str:
    from costcalc.commands.listing import calibration_report
    from costcalc.render.listing import render_calibration

    return render_calibration(calibration_report(args.presets), args.format)


def _options(parser: argparse.ArgumentParser, command: str) -> list[argparse.Action]:
    """The actions of one subcommand, to name a bad field by the option the user typed."""
    return list(subparser(parser, command)._actions)


#: What runs each command (its options are declared in ``costcalc.cli_parsers.COMMANDS``).
HANDLERS: dict[str, Callable[[argparse.Namespace], str | Iterator[tuple[str, int]]]] = {
    "estimate": _estimate,
    "sweep": _sweep,
    "compare": _compare,
    "plan": _plan,
    "costs": _costs,
    "memory": _memory,
    "tui": _tui,
    "presets": _presets,
    "check": _check,
    "recipe": _recipe,
    "backtest": _backtest,
    "calibration": _calibration,
}


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
    words = sys.argv[1:] if argv is None else list(argv)
    parser = command_line_parser(words)  # only the parser of the command being run
    if not words:  # bare 'costcalc': what it can do
        parser.print_help()
        return 0
    args, extra = parser.parse_known_args(words)
    if extra:  # name the subcommand, so the hint points at its own --help
        subparser(parser, args.command).error(f"unrecognized arguments: {' '.join(extra)}")
    from costcalc.base.errors import CostcalcError, InputError

    for name, value in vars(args).items():
        # argparse turns "--option=--" into an empty list; every option but these takes one value
        if isinstance(value, list) and name not in ("presets", "over", "files", "claim"):
            stderr_line(f"costcalc {args.command}: error: --{name.replace('_', '-')}: expected a value")
            return EXIT_USAGE
    from costcalc.data.catalog import forget_used

    forget_used()  # the preset warnings are this command's own
    try:
        output = HANDLERS[args.command](args)
    except InputError as err:
        _warn_presets(args)
        from costcalc.cli_options import in_options, named

        options = {option for action in _options(parser, args.command) for option in action.option_strings}
        stderr_line(f"costcalc {args.command}: error: {named(err.field, options)}: {in_options(err.message, options)}")
        return EXIT_USAGE
    except CostcalcError as err:  # a file's error: the inputs it names are the file's keys
        _warn_presets(args)
        from costcalc.cli_options import in_options

        stderr_line(f"costcalc {args.command}: error: {in_options(str(err), ())}")
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
