"""Text that came from a file never drives the terminal that shows it: one rule, at both ends.

A control character (C0, DEL, C1, the Unicode line and paragraph separators) can act on a
terminal instead of being shown: ESC starts a sequence that retitles the window or clears the
screen, BEL rings, CR overprints a line, a line break forges an output line. So:

- reading: every string of every file costcalc reads (scenario files, preset files of every
  kind, claims files, model configs), keys included, is refused when it holds one
  (``control_character`` finds it; the readers report one line naming the file and the field);
- writing: everything the CLI writes to standard output passes ``printable``, which escapes any
  control character that still arrives (from a path, a file name, a typed value) as ``\\uXXXX``
  (a valid JSON escape too, so JSON output stays valid and loses nothing), keeping line breaks.
  Error lines already go through ``one_line``; the TUI's notifications do too.

Legitimate Unicode (Chinese text, "·", "—", emoji) is untouched by both.
"""

from __future__ import annotations

import re
from typing import Any

from costcalc.base.errors import one_line

__all__ = ["CONTROL", "Printable", "control_character", "no_control_message", "printable"]

#: C0 controls, DEL, C1 controls, and U+2028/U+2029 (line breaks to some terminals and editors).
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BUT_LINE_BREAKS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")


class Printable(str):
    """Text already free of control characters but the line break, which ``printable`` passes on
    without scanning it again: a sweep's streamed rows (``costcalc.render.numbers.joined_rows``
    builds them from formatted numbers and from text parts it passed through ``printable``), where
    the scan would cost about a second per million rows."""

    __slots__ = ()


def printable(text: str) -> str:
    """``text`` with every control character but the line break written as ``\\uXXXX``."""
    if type(text) is Printable:
        return text
    return _BUT_LINE_BREAKS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def no_control_message(character: str) -> str:
    """What a reader says about a field holding ``character`` (already escaped)."""
    return f"holds a control character ({character}); expected text without control characters"


def control_character(value: Any, where: str = "") -> tuple[str, str] | None:
    """(field, the character escaped) for the first control character in ``value``, else None.

    ``value`` is a parsed document (tables, arrays, strings, numbers); keys are checked too. The
    field is written as a reader knows it: ``name``, ``model[2].aliases[0]``.
    """
    if isinstance(value, str):
        found = CONTROL.search(value)
        return (where or "text", one_line(found.group())) if found else None
    if isinstance(value, dict):
        for key, item in value.items():
            field = f"{where}.{one_line(str(key))}" if where else one_line(str(key))
            if isinstance(key, str) and CONTROL.search(key):
                return field, one_line(CONTROL.findall(key)[0])
            found_in = control_character(item, field)
            if found_in:
                return found_in
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found_in = control_character(item, f"{where}[{index}]")
            if found_in:
                return found_in
    return None
