"""Pastes, bounded: what a paste can insert into a field, and a terminal parser that keeps a paste whole.

Two flaws made a paste with Tab or Escape freeze the app. Textual 8.2's terminal parser treats an
Escape inside a bracketed paste as the start of a key sequence, so the rest of the paste arrives
as separate key presses (every Tab moving the focus, every character validated) and the paste
never ends; and an Input inserts the whole first line of a paste, however long. ``PasteParser``
reads a bracketed paste as text up to its end marker, keeping at most ``MAX_PASTE`` characters;
``clean_paste`` makes what a field receives one line of printable text that fits the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from textual import constants, events
from textual._parser import Read1
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.message import Message
from textual.widgets import Input

__all__ = ["MAX_PASTE", "PasteParser", "clean_paste", "paste_into"]

#: The most characters of one paste the app keeps (the rest is read and dropped).
MAX_PASTE = 64 * 1024

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"

#: Terminal escape sequences (CSI, OSC, DCS/APC/PM/SOS strings, two-character escapes), then any
#: other control character, including Tab: a field holds one line of printable text.
_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[\]P^_X][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -~]?|\x9b[0-?]*[ -/]*[@-~]?"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def clean_paste(text: str, room: int) -> str:
    """The part of a paste a field takes: its first line, escape sequences and control characters
    removed (a Tab becomes a space), at most ``room`` characters."""
    text = text[: MAX_PASTE + 1]
    line = re.split(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", text, maxsplit=1)[0]
    line = _SEQUENCE.sub("", line).replace("\t", " ")
    return _CONTROL.sub("", line)[: max(0, room)]


def _held(text: str, marker: str) -> int:
    """How many characters at the end of ``text`` could begin ``marker`` (to wait for the rest)."""
    for size in range(min(len(marker) - 1, len(text)), 0, -1):
        if marker.startswith(text[-size:]):
            return size
    return 0


class PasteParser(XTermParser):
    """Textual's terminal parser, except that a bracketed paste is read as text, never as keys.

    The paste markers are found in the input before Textual's parser sees it: what lies between
    them becomes one ``Paste`` event (its first ``MAX_PASTE`` characters); everything else goes to
    Textual's parser unchanged. A possible start of a marker at the end of a read is held back
    until the next read, or for the parser's escape delay at most (then it is a key after all).
    """

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self._pasting = False
        self._paste: list[str] = []
        self._paste_size = 0
        self._pending = ""
        self._pending_since = 0.0

    def feed(self, data: str) -> Iterable[Message]:
        if not data:  # end of input
            pending, self._pending = self._pending, ""
            if pending:
                yield from super().feed(pending)
            yield from super().feed("")
            return
        text, self._pending = self._pending + data, ""
        while text:
            marker = PASTE_END if self._pasting else PASTE_START
            found = text.find(marker)
            if found < 0:
                keep = _held(text, marker)
                text, self._pending = text[: len(text) - keep], text[len(text) - keep :]
                self._pending_since = get_time()
                yield from self._take(text)
                return
            yield from self._take(text[:found])
            text = text[found + len(marker) :]
            if self._pasting:
                yield self._pasted()
            self._pasting = not self._pasting

    def _take(self, text: str) -> Iterable[Message]:
        if not text:
            return
        if not self._pasting:
            yield from super().feed(text)
        elif self._paste_size < MAX_PASTE:
            piece = text[: MAX_PASTE - self._paste_size]
            self._paste.append(piece)
            self._paste_size += len(piece)

    def _pasted(self) -> events.Paste:
        text = "".join(self._paste).replace("\x00", "")
        self._paste, self._paste_size = [], 0
        return events.Paste(text)

    def tick(self) -> Iterable[Message]:
        """As Textual's, and a held possible marker start that nothing followed becomes keys."""
        waited = get_time() - self._pending_since
        if self._pending and not self._pasting and waited >= constants.ESCAPE_DELAY:
            pending, self._pending = self._pending, ""
            yield from super().feed(pending)
            if isinstance(self._awaiting, Read1) and self._awaiting.timeout is not None:
                self._timeout_time = get_time()  # the escape delay has passed already
        yield from super().tick()


def paste_into(field: Input, text: str) -> None:
    """Paste into ``field`` as a person would type it: ``clean_paste`` of the text, cut to the room
    the field has left (``max_length``), replacing the selection if there is one."""
    start, end = sorted(field.selection)
    room = (field.max_length or MAX_PASTE) - (len(field.value) - (end - start))
    line = clean_paste(text, room)
    if line:
        field.replace(line, start, end)
