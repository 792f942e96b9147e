"""Which preset folders are read, which files in them, and the caps on what a user's folders hold.

Three sources name user folders: the caller (``--presets DIR``, ``presets=`` in the API), the
environment (``$COSTCALC_PRESETS``, folders separated by ``:``) and the config folder
(``~/.config/costcalc/presets``). A folder the caller names must exist: anything else is an
error naming it. A folder from the environment that is missing, not a folder or unreadable is a
notice ("not used"), as the README promises, so a stale ``$COSTCALC_PRESETS`` never breaks every
command. A folder named twice (or through a symbolic link, or the built-in folder itself) is read
once.

Caps, so that no set of folders takes unbounded time or memory (each file is also capped at
``MAX_PRESET_BYTES`` by the reader): at most ``MAX_PRESET_FOLDERS`` user folders, and in all of
them together at most ``MAX_USER_PRESET_FILES`` preset files of at most ``MAX_USER_PRESET_BYTES``.
Sizes are checked from the folder listing before any file is parsed.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from costcalc.base.errors import InputError, PresetError
from costcalc.base.files import user_folder

__all__ = [
    "MAX_PRESET_BYTES",
    "MAX_PRESET_FOLDERS",
    "MAX_USER_PRESET_BYTES",
    "MAX_USER_PRESET_FILES",
    "Folders",
    "folder_state",
    "given_folders",
    "list_files",
    "plan_folders",
    "user_preset_dirs",
]

#: The largest preset file read (the biggest built-in one, the published runs, is about 85 kB).
MAX_PRESET_BYTES = 2 * 1024 * 1024
#: User preset folders read at most (given, from the environment and the config folder together).
MAX_PRESET_FOLDERS = 32
#: Preset files read at most from all the user's folders together.
MAX_USER_PRESET_FILES = 100
#: Bytes of preset files read at most from all the user's folders together: about 12,000 model
#: tables, far beyond any real collection; loading them takes seconds (benchmarks/caps.py).
MAX_USER_PRESET_BYTES = 1024 * 1024


def given_folders(presets: Any) -> tuple[str, ...]:
    """The folders a caller named (``--presets``, ``presets=``), checked; None means none.

    A single text or path is one folder. Raises ``InputError`` (field ``presets``) for anything
    that is not a list of folder names, for an empty name (which would mean the current folder
    without saying so), and for more than ``MAX_PRESET_FOLDERS`` names.
    """
    if presets is None:
        return ()
    items: Iterable[Any]
    if isinstance(presets, str | os.PathLike):
        items = [presets]
    elif isinstance(presets, Iterable) and not isinstance(presets, bytes | bytearray | dict):
        items = presets
    else:
        raise InputError("presets", f"expected a folder or a list of folders, got {type(presets).__name__}")
    names: list[str] = []
    for item in items:
        if len(names) == MAX_PRESET_FOLDERS:
            raise InputError("presets", f"too many preset folders (at most {MAX_PRESET_FOLDERS})")
        text = os.fspath(item) if isinstance(item, str | os.PathLike) else None
        if not isinstance(text, str):
            raise InputError("presets", f"expected folder names as text or paths, got {type(item).__name__}")
        if not text.strip():
            raise InputError("presets", "expected a folder, got an empty name (for the current folder write .)")
        if "\0" in text:
            raise InputError("presets", f"a folder name cannot contain a NUL character: {text!r}")
        names.append(text)
    return tuple(names)


def user_preset_dirs() -> list[Path]:
    """Folders searched for user presets, from the environment and the XDG config folder."""
    dirs = [Path(p) for p in os.environ.get("COSTCALC_PRESETS", "").split(os.pathsep) if p]
    config = user_folder("config")
    if config is not None and (config / "presets").is_dir():
        dirs.append(config / "presets")
    return dirs


@dataclass
class Folders:
    """The user folders to read, in order and without repeats, and why any others are not read."""

    user: list[Path] = field(default_factory=list)
    #: Folders from the environment that are not used, each a line for the user.
    notices: list[str] = field(default_factory=list)


def _is_folder(directory: Path) -> bool | str:
    """True for a folder, False for a missing path or another kind of file, else the OS error."""
    try:
        return stat.S_ISDIR(os.stat(directory).st_mode)
    except OSError as err:
        return False if err.errno in (errno.ENOENT, errno.ENOTDIR) else (err.strerror or type(err).__name__)


def plan_folders(builtin: Path, given: Sequence[str | Path], environment: Sequence[Path]) -> Folders:
    """The user folders to read: the ``given`` ones (which must be folders), then the environment's."""
    folders = Folders()
    seen = {os.path.realpath(builtin)}
    for directory, from_caller in [*((Path(d), True) for d in given), *((d, False) for d in environment)]:
        state = _is_folder(directory)
        if from_caller and state is not True:
            why = "is not a folder" if state is False else f"cannot be read: {state}"
            raise PresetError(str(directory), "presets", why)
        if state is False:
            folders.notices.append(f"{directory}: preset folder (from $COSTCALC_PRESETS) is not a folder; not used")
            continue
        key = os.path.realpath(directory)
        if key in seen:
            continue
        seen.add(key)
        if len(folders.user) == MAX_PRESET_FOLDERS:
            raise PresetError(str(directory), "presets", f"too many preset folders (at most {MAX_PRESET_FOLDERS})")
        folders.user.append(directory)
    return folders


def list_files(directories: Sequence[Path], builtin: Path) -> tuple[list[tuple[Path, int]], list[str]]:
    """Each folder's ``*.toml`` files (sorted) with the most bytes to read from each, and the
    folders that could not be listed (one line each).

    The user's files are counted and measured before any is read: more than
    ``MAX_USER_PRESET_FILES`` or ``MAX_USER_PRESET_BYTES`` in all is a ``PresetError`` naming
    the folder where the cap is crossed.
    """
    found: list[tuple[Path, int]] = []
    unread: list[str] = []
    count = total = 0
    for directory in directories:
        try:
            names = sorted(n for n in os.listdir(directory) if n.endswith(".toml"))
        except OSError as err:
            unread.append(f"{directory}: preset folder cannot be read ({err.strerror}); not used")
            continue
        if directory == builtin:
            found += [(directory / n, MAX_PRESET_BYTES) for n in names]
            continue
        count += len(names)
        if count > MAX_USER_PRESET_FILES:
            message = f"the user preset folders hold over {MAX_USER_PRESET_FILES} preset files (*.toml)"
            raise PresetError(str(directory), "presets", f"{message}; at most {MAX_USER_PRESET_FILES} are read")
        for path in (directory / n for n in names):
            size = _size(path)
            if size > MAX_PRESET_BYTES:  # as the reader says it, before the total is looked at
                raise PresetError(
                    str(path), "file", f"preset file is too large ({size:,} bytes; at most {MAX_PRESET_BYTES:,})"
                )
            total += size
            if total > MAX_USER_PRESET_BYTES:
                raise PresetError(
                    str(path),
                    "presets",
                    f"the user preset files add up to over {MAX_USER_PRESET_BYTES:,} bytes (the most read from all "
                    "user folders)",
                )
            # a file that grows after this check is still read only up to the total cap
            found.append((path, min(MAX_PRESET_BYTES, MAX_USER_PRESET_BYTES - total + size)))
    return found, unread


def _size(path: Path) -> int:
    """The size the listing shows (0 if it cannot be seen: the reader then names the file and why)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def folder_state(dirs: Iterable[Path]) -> tuple[object, ...]:
    """Names, sizes and modification times of the preset files: changes when a file does."""
    state: list[object] = []
    for directory in dirs:
        try:
            names = sorted(n for n in os.listdir(directory) if n.endswith(".toml"))
            if len(names) > MAX_USER_PRESET_FILES:  # the load refuses it: no need to look at each
                state.append((str(directory), len(names)))
                continue
            for path in (directory / n for n in names):
                status = os.stat(path)
                state.append((str(path), status.st_mtime_ns, status.st_size))
            state.append((str(directory), os.stat(directory).st_mode))  # a folder made unreadable
        except OSError:
            state.append((str(directory), None))
    return tuple(state)
