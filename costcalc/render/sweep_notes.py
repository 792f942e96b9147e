"""A sweep's notes in words (``costcalc.commands.sweep_notes`` holds them as data)."""

from __future__ import annotations

from costcalc.base.parse import format_count
from costcalc.commands.sweep_notes import NoFit, Note, WholeCounts

__all__ = ["note_text"]


def note_text(note: Note) -> str:
    """A sweep's note in words: an axis's own note as it is, a range made whole, duplicates dropped,
    points that do not fit."""
    if isinstance(note, str):
        return note
    if isinstance(note, WholeCounts):
        dropped = f", {note.dropped:,} duplicates dropped" if note.dropped else ""
        rounded = f"rounded to whole {note.axis}{dropped}"
        return f"{note.axis}: the {note.scale} range gives whole counts only: {note.values:,} values ({rounded})"
    if isinstance(note, NoFit):
        where = f"{format_count(float(note.params.m_as('parameter')))} parameters on "
        where += f"{round(float(note.gpus.m_as('GPU'))):,} {note.accelerator}"
        fix = "; smallest change that would fit: " + " or ".join(note.changes) if note.changes else ""
        return f"fits 0: no layout fits in memory at {note.points:,} point(s), first {where}{fix}"
    said = []
    for r in note.repeated[:3]:
        shown = r.value if isinstance(r.value, str) else f"{float(r.value.magnitude):g}"
        spelled = "" if r.spellings in ((), (shown,)) else f" as {', '.join(r.spellings[:5])}"
        said.append(f"{shown} given {r.times:,} times{spelled}")
    more = "; ..." if len(note.repeated) > 3 else ""
    plural = "s" if note.dropped > 1 else ""
    return f"{note.axis}: {note.dropped:,} duplicate{plural} dropped ({'; '.join(said)}{more})"
