"""The building blocks every renderer shares: tables, Markdown cells, JSON (the number styles it
re-exports, money and quantities, are ``costcalc.render.numbers``'s)."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from collections.abc import Sequence
from typing import Any

from costcalc.render.numbers import flop_figure, format_quantity, gigabytes, money

__all__ = [
    "cells",
    "fit",
    "flop_figure",
    "format_quantity",
    "gigabytes",
    "markdown_table",
    "md_cell",
    "money",
    "render_json",
    "terminal_width",
    "text_table",
    "threshold_line",
    "wrap",
    "wrap_lines",
]


def md_cell(text: object) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, line breaks turned into spaces."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped)."""
    lines = ["| " + " | ".join(md_cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def terminal_width() -> int:
    """The width to lay text out for: the terminal's, ``COLUMNS`` if set, else 80 columns."""
    return max(40, shutil.get_terminal_size((80, 24)).columns)


#: The first character ``unicodedata`` calls wide or full-width (U+0378, unassigned; Hangul Jamo
#: from U+1100 are the first assigned ones): every character before it takes one column.
FIRST_WIDE = "\u0378"


def cells(text: str) -> int:
    """Terminal columns ``text`` takes: East Asian wide characters take two."""
    if text.isascii():  # every ASCII character takes one column: no per-character lookup
        return len(text)
    # looked up only from FIRST_WIDE on: "·", "²" and "é" need no look (start-up: a report has thousands)
    return len(text) + sum(unicodedata.east_asian_width(c) in "WF" for c in text if c >= FIRST_WIDE)


def _cut(line: str, width: int, head: int) -> int:
    """Where to cut a line wider than ``width`` terminal columns (after its first ``head`` characters)."""
    cut = len(line)
    while cut > head + 1 and cells(line[:cut]) > width:
        cut -= 1
    return cut


def wrap(text: str, width: int | None = None, *, indent: str = "", hanging: str = "") -> list[str]:
    """One paragraph wrapped to ``width``: the first line after ``indent``, the rest after ``hanging``.

    Lines break at spaces, measured in terminal columns (East Asian wide characters take two);
    only a word wider than a line (a URL, text without spaces) is cut, by columns.
    """
    width = width or terminal_width()
    out: list[str] = []
    line, head, started, gap = indent, len(indent), False, ""
    for chunk in re.findall(r"\S+|\s+", text):
        if chunk.isspace():
            gap = re.sub(r"\s", " ", chunk.expandtabs()) if started else ""
            continue
        if started and cells(line + gap + chunk) > width:
            out.append(line)
            line, head, started = hanging, len(hanging), False
        line, started, gap = line + (gap if started else "") + chunk, True, ""
        while cells(line) > width and len(line) > head + 1:
            cut = _cut(line, width, head)
            out.append(line[:cut])
            line, head = hanging + line[cut:], len(hanging)
    return [*out, line] if started else [indent.rstrip()]


def wrap_lines(lines: Sequence[str], width: int | None = None) -> list[str]:
    """Lines longer than ``width`` wrapped, each continuation indented two more than its line."""
    width = width or terminal_width()
    out: list[str] = []
    for line in lines:
        if cells(line) <= width:
            out.append(line)
            continue
        lead = line[: len(line) - len(line.lstrip())]
        out += wrap(line.strip(), width, indent=lead, hanging=lead + "  ")
    return out


def fit(text: str, width: int | None = None) -> str:
    """A report laid out for people, with every line longer than the terminal wrapped."""
    return "\n".join(wrap_lines(text.split("\n"), width))


def _column_widths(natural: list[int], floors: list[int], room: int) -> list[int]:
    """Shrink the widest columns, one character at a time, until the row fits ``room``."""
    widths = list(natural)
    while sum(widths) > room:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def _words(cell: str) -> int:
    return max((cells(word) for word in cell.split()), default=0)


def _panels(words: list[int], room: int, keys: int) -> list[list[int]]:
    """Columns grouped so that each group's longest words fit side by side, the first ``keys``
    columns (what names a row) repeated in every group."""
    head = list(range(min(keys, len(words))))
    used = sum(words[i] + 2 for i in head)
    panels: list[list[int]] = []
    current: list[int] = []
    for i in range(len(head), len(words)):
        if current and used + sum(words[j] + 2 for j in current) + words[i] > room:
            panels.append(current)
            current = []
        current.append(i)
    return [head + panel for panel in [*panels, current]]


def text_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    width: int | None = None,
    *,
    keys: int = 1,
    wrap_cells: bool = True,
) -> str:
    """An aligned text table that fits ``width`` columns (the terminal's): long cells wrap at spaces.

    No word or number is ever broken: when the longest words of the columns (with ``wrap_cells``
    false, the whole body cells: one line per row) cannot stand side by side, the columns are split
    into panels, one under the other, each repeating the first ``keys`` columns (those that name
    the row). Only a single word wider than the whole width is cut.
    """
    width = width or terminal_width()
    table = [[str(c) for c in row] for row in [headers, *rows]]
    floors = _floors(table, wrap_cells)
    if len(headers) > keys and sum(floors) + 2 * (len(headers) - 1) > width:
        panels = _panels(floors, width, keys)
        if len(panels) > 1:
            parts = [_table([[row[i] for i in panel] for row in table], width, wrap_cells) for panel in panels]
            return "\n\n".join(parts)
    return _table(table, width, wrap_cells)


def _floors(table: list[list[str]], wrap_cells: bool) -> list[int]:
    """The narrowest each column may get: its longest word, or its longest body cell."""
    words = [max(_words(row[i]) for row in table) for i in range(len(table[0]))]
    if wrap_cells:
        return words
    return [max(w, *(cells(row[i]) for row in table[1:])) for i, w in enumerate(words)]


def _table(table: list[list[str]], width: int, wrap_cells: bool = True) -> str:
    columns = range(len(table[0]))
    natural = [max(cells(row[i]) for row in table) for i in columns]
    room = width - 2 * (len(table[0]) - 1)
    words = _floors(table, wrap_cells)
    widths = _column_widths(natural, words, room)
    if sum(widths) > room:  # a single word wider than the terminal: it has to be cut
        widths = _column_widths(widths, [min(w, 4) for w in widths], room)
    out = []
    for n, row in enumerate(table):
        parts = [wrap(cell, max(1, widths[i])) for i, cell in enumerate(row)]
        for k in range(max(len(p) for p in parts)):
            line = [(p[k] if k < len(p) else "") for p in parts]
            out.append("  ".join(c + " " * (widths[i] - cells(c)) for i, c in enumerate(line)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def render_json(data: Any) -> str:
    """JSON with NaN and infinity refused (they are never valid results)."""
    return json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def threshold_line(threshold: dict[str, Any]) -> str:
    """One threshold of an estimate or check (its ``to_dict`` form): crossed or not, the rule, its dates."""
    crossed = threshold["crossed"]
    if isinstance(crossed, list):
        word = f"crossed by {sum(crossed)} of {len(crossed)}"
    else:
        word = "crossed" if crossed else "not crossed"
    return f"{word}: {threshold['name']} (more than {flop_figure(threshold['flop'])} FLOP; {threshold['status']})"
