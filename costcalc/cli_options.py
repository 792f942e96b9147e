"""The one table from the names the library uses for inputs (fields) to the command line's options.

Below the CLI, every error names the input field it is about (``seq_len``), and a message that
mentions another input writes its field name in backquotes (``give `seq_len` too``), so the API
and the TUI read field names. The CLI prints option names instead (``--seq-len``): ``option_name``
is the table, ``in_options`` rewrites a message with it.
"""

from __future__ import annotations

import re
from collections.abc import Collection

__all__ = ["in_options", "named", "option_name"]

#: A field named in a message: its name in backquotes.
_FIELD = re.compile(r"`([a-z][a-z0-9_]*)`")


def option_name(name: str) -> str:
    """The command-line option of an input (or of any field named in an error): ``--`` and the name
    with hyphens, unless the input declares another option (``config_file`` is ``--model-config``)."""
    from costcalc.estimator.inputs import EstimateInputs, field_extra

    extra = field_extra(name) if name in EstimateInputs.model_fields else {}
    return "--" + str(extra.get("option", name.replace("_", "-")))


def named(field: str, options: Collection[str] | None = None) -> str:
    """A field as the command line names it: its option when the command has one (every option
    when ``options`` is None), else the field's own name."""
    option = option_name(field)
    return option if options is None or option in options else field


def in_options(text: str, options: Collection[str] | None = None) -> str:
    """``text`` with each field named in backquotes replaced by its option (or by its bare name when
    the command has no such option: in a file's error, the file's key). Only names of inputs and of
    the command's options are replaced; other backquoted text (a user's) is left as it is."""
    from costcalc.estimator.inputs import EstimateInputs

    known = set(EstimateInputs.model_fields) | {o.removeprefix("--").replace("-", "_") for o in options or ()}

    def replaced(m: re.Match[str]) -> str:
        return named(m.group(1), options) if m.group(1) in known else m.group(0)

    return _FIELD.sub(replaced, text)
