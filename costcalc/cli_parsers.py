"""The ``costcalc`` command line: the top-level parser and each command's options, nothing else.

Every command is listed (``costcalc --help``, "invalid choice" errors), but only the one being run
gets its options: they are generated from the input model, which takes importing the estimator's
inputs (pint, pydantic). So ``costcalc --version`` and ``costcalc --help`` import neither, and
``costcalc estimate`` builds one parser instead of eleven. ``costcalc.cli`` runs the commands.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

__all__ = ["COMMANDS", "EXIT_USAGE", "Parser", "build_parser", "command_in", "command_line_parser", "subparser"]

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
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
    from costcalc.cli_options import option_name
    from costcalc.estimator.input_fields import choices, field_group
    from costcalc.estimator.inputs import GROUPS, EstimateInputs

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
    from costcalc.estimator.input_fields import field_group, in_cli
    from costcalc.estimator.inputs import EstimateInputs

    return [n for n in EstimateInputs.model_fields if in_cli(n) and field_group(n) in groups and n not in exclude]


_EVERY_GROUP = ("model", "hardware", "costs", "memory", "finetune", "overheads")


def _estimate(est: argparse.ArgumentParser) -> None:
    _add_inputs(est, _inputs(*_EVERY_GROUP))
    est.add_argument(
        "--scenario", metavar="FILE", help="read inputs from a scenario file (options given here override)"
    )
    est.add_argument("--save", metavar="FILE", help="also write the inputs to a scenario file (atomically)")
    _add_presets(est)
    _add_format(est)


def _sweep(swp: argparse.ArgumentParser) -> None:
    swp.add_argument("--over", action="append", default=[], metavar="NAME=VALUES", help="an input and its values")
    _add_inputs(swp, _inputs("model", "hardware", "costs", "memory", "finetune"))
    _add_presets(swp)
    swp.add_argument("--format", choices=("table", "csv", "json", "markdown"), default="table", help="output format")


def _compare(cmp_: argparse.ArgumentParser) -> None:
    cmp_.add_argument("files", nargs="+", metavar="FILE", help="scenario files (TOML), at least two")
    _add_presets(cmp_)
    _add_format(cmp_)


def _plan(pl: argparse.ArgumentParser) -> None:
    pl.add_argument("--budget", help="dollars (2M USD), FLOPs (5.76e23 FLOP) or GPU-hours (1e6 GPU*h)")
    pl.add_argument("--deadline", help="wall-clock limit, e.g. '30 days'")
    plan_help = {
        "gpus": "GPU count (else derived from the deadline, in whole nodes)",
        "params": "fix the model size (with a budget: the most tokens; else the GPUs or the time)",
        "model": "fix the model by preset (and its tokens, without a budget)",
        "tokens": "fix the training tokens (with a budget: the largest model it trains)",
    }
    _add_inputs(pl, ["gpu", "gpus", "params", "model", "tokens", "mfu", "price"], plan_help)
    stage_help = {
        "stage": "plan a fine-tuning stage (sft, dpo, orpo, simpo, continued, long-context, ppo, grpo): methods, "
        "GPU types and counts that fit and meet the deadline or budget, cheapest first",
        "method": "plan this method only (default: full, lora and qlora compared)",
        "seq_len": "a stage's sequence length (default: the model's context; ppo, grpo: a prompt and its generation)",
    }
    _add_inputs(pl, [*_inputs("finetune"), "seq_len", "zero", "recompute", "micro_batch", "optimizer"], stage_help)
    pl.add_argument(
        "--scaling",
        choices=("hoffmann", "besiroglu"),
        default="hoffmann",
        help="compute-optimal rule (default: hoffmann, 20 tokens per parameter)",
    )
    _add_presets(pl)
    _add_format(pl)


def _costs(costs: argparse.ArgumentParser) -> None:
    _add_inputs(costs, [*_inputs("model", "hardware"), "power", "pue", *_inputs("finetune")])
    costs.add_argument("--lifetime", default="4", help="owned hardware lifetime in years (default 4, stated)")
    costs.add_argument("--network-overhead", default="0", help="owned: network share over server cost (default 0)")
    _add_presets(costs)
    _add_format(costs)


#: Memory needs no tokens, efficiency or a stage's data (examples, epochs, padding, GRPO's group, PPO's epochs).
_NOT_MEMORY = ("tokens", "mfu", "examples", "epochs", "example_tokens", "padding", "precomputed_reference",
               "group_size", "ppo_epochs")  # fmt: skip


def _memory(mem: argparse.ArgumentParser) -> None:
    _add_inputs(mem, _inputs("model", "hardware", "memory", "finetune", exclude=_NOT_MEMORY))
    search = mem.add_argument_group("search (one of)")
    longest = "the longest sequence that fits per GPU (the other options fixed; micro-batch default 1)"
    search.add_argument("--longest-seq", action="store_true", help=longest)
    largest = "the largest micro-batch that fits per GPU at --seq-len (default the model's length)"
    search.add_argument("--largest-batch", action="store_true", help=largest)
    _add_presets(mem)
    _add_format(mem)


def _tui(tui: argparse.ArgumentParser) -> None:
    tui.add_argument("--scenario", metavar="FILE", help="open with this scenario file")
    _add_presets(tui)


def _presets(presets: argparse.ArgumentParser) -> None:
    presets.add_argument("--kind", choices=("accelerator", "node", "model"), help="list only this kind")
    _add_presets(presets)
    _add_format(presets)


def _check(chk: argparse.ArgumentParser) -> None:
    chk.add_argument("file", nargs="?", metavar="FILE", help="a claims file (TOML [[claim]] tables; see --template)")
    claim = "'<quantity> <relation> <value>', e.g. 'cost > 80M USD' (see README); repeatable; subject: --model etc."
    chk.add_argument("--claim", action="append", default=[], metavar="CLAIM", help=claim)
    chk.add_argument("--template", action="store_true", help="print a commented claims-file template")
    _add_inputs(
        chk, _inputs("model", "hardware", "costs", "finetune"), {"model": "the claims' subject: a model preset"}
    )
    _add_presets(chk)
    _add_format(chk)


def _recipe(rec: argparse.ArgumentParser) -> None:
    rec.add_argument(
        "file", nargs="?", metavar="FILE", help="a recipe file (TOML [[stage]] tables) or a shipped recipe's name"
    )
    rec.add_argument("--template", action="store_true", help="print a commented recipe template")
    _add_inputs(rec, _inputs("costs"), {"price": "price per GPU-hour for every stage, e.g. '2 USD/GPU/h'"})
    _add_presets(rec)
    _add_format(rec)


def _report(report: argparse.ArgumentParser) -> None:
    _add_presets(report)
    _add_format(report)


#: Every command, in the order ``costcalc --help`` lists them: the summary shown there, the
#: description ``costcalc COMMAND --help`` starts with, and the function adding its options.
COMMANDS: dict[str, tuple[str, str | None, Callable[[argparse.ArgumentParser], None]]] = {
    "estimate": ("estimate FLOPs, GPU-hours, wall-clock, cost, energy and CO2",
                 "Estimate a training run. Quantities take units: 70B, 2T tokens, 2.5 USD/GPU/h, 400 W.", _estimate),
    "sweep": ("estimate over ranges of inputs, vectorised (table, CSV or JSON)",
              "Sweep inputs: --over gpus=512,1024,2048, --over params=1e9..1e12:log:7 or --over gpu=a100,h100,b200 "
              "(repeatable). Options fix the other inputs. Each point gets a memory check.", _sweep),
    "compare": ("saved scenario files side by side", "Compare scenario files.", _compare),
    "plan": ("inverse questions: what a budget buys, how many GPUs meet a deadline, how long GPUs take",
             "Plan a run from a budget (USD, FLOP or GPU-hours), a deadline, or a fixed model and GPUs.", _plan),
    "costs": ("price a run four ways: cloud on-demand, reserved, market, owned hardware",
              "Cost models side by side for the run that 'costcalc estimate' would estimate; a fine-tuning "
              "stage (--stage sft or dpo) also gets the hosted fine-tuning prices per token.", _costs),
    "memory": ("per-GPU training memory, whether it fits, sensible layouts and the smallest GPU count",
               "Training memory per GPU (weights, gradients, optimizer, activations, overhead) for a layout.", _memory),
    "tui": ("interactive terminal UI", "Start the Textual terminal UI.", _tui),
    "presets": ("list accelerator, node and model presets with key figures", None, _presets),
    "check": ("check training-cost claims: the 2023 article's (default), a claims file's, or --claim lines",
              "Verdicts on claims by arithmetic on published runs and costcalc's estimates.", _check),
    "recipe": ("run a recipe: training stages one after another (e.g. deepseek-v3), each and in total",
               "Estimate each [[stage]] of a recipe file (or a shipped recipe by name) and the total.", _recipe),
    "backtest": ("run the estimator on every shipped published run and compare",
                 "Predicted vs published GPU-hours (and days) for every published run, with a summary.", _report),
    "calibration": ("show how the default efficiency is derived from published runs",
                    "Rerun the derivation of the default efficiency (MFU) and its range.", _report),
}  # fmt: skip


def command_in(argv: Sequence[str]) -> str | None:
    """The command named in ``argv``: its first word that is not an option (the top level's take no value)."""
    return next((word for word in argv if not word.startswith("-")), None)


def build_parser(commands: Iterable[str] | None = None, *, listed: bool = True) -> argparse.ArgumentParser:
    """The parser of every command, or with the options of ``commands`` only (the rest listed by name).

    ``costcalc --help`` and an unknown command's error are the same either way; ``costcalc
    COMMAND --help`` needs that command's options, so the CLI builds the one it is given. With
    ``listed`` False, the other commands are not even listed (each would cost a parser): for a
    command line that starts with a known command, where the top level's help and choices are
    never shown (``command_line_parser``).
    """
    from costcalc import __version__

    filled = set(COMMANDS if commands is None else commands)
    parser = Parser(prog="costcalc", description="What it costs to train a large language model.")
    parser.add_argument("-V", "--version", action="version", version=f"costcalc {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")
    for name, (summary, description, add_options) in COMMANDS.items():
        if not listed and name not in filled:
            continue
        command = sub.add_parser(name, help=summary, description=description)
        if name in filled:
            add_options(command)
    return parser


def command_line_parser(words: Sequence[str]) -> argparse.ArgumentParser:
    """The parser for the command line ``words``: only the options of the command being run, and
    only that command when the line starts with it (``costcalc estimate ...``); every command is
    listed for a line starting with an option (``costcalc -h estimate`` prints the top level's
    help) or naming no known command (whose error lists the commands)."""
    command = command_in(words)
    alone = command in COMMANDS and words[0] == command
    return build_parser([command] if command else [], listed=not alone)


def subparser(parser: argparse.ArgumentParser, command: str) -> argparse.ArgumentParser:
    """The parser of ``command`` within ``parser`` (``parser`` itself if it has no such command)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found: argparse.ArgumentParser = action.choices.get(command, parser)
            return found
    return parser
