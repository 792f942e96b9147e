"""A small on-disk cache for derived data, so that start-up does not redo the derivation.

Entries are JSON files in ``$COSTCALC_CACHE_DIR`` (an absolute path), else costcalc's user cache
folder (``platformdirs``: ``$XDG_CACHE_HOME/costcalc`` or ``~/.cache/costcalc``). Each entry
records the key it was computed for (a hash of its input data and of the code that derives it);
a different key is a miss, so the cache can never serve stale results, only recompute.

A cache folder is a place other people may write to (a shared ``COSTCALC_CACHE_DIR``, a folder
pre-created in /tmp), so nothing in it is trusted:

* only JSON is stored (never pickle or anything else that can run code);
* an entry is read only if it is a regular file owned by the user, that nobody else may write,
  in a folder owned by the user that nobody else may write, and only up to ``MAX_ENTRY_BYTES``
  (a FIFO, a device or a symlink to /dev/zero is skipped at once);
* an entry carries a checksum of its key and value, so a hand-edited value is a miss;
* the caller validates the value (``load(..., check=...)``) and recomputes when it is invalid.

Any problem means a miss: the value is recomputed, never an error and never a different
estimate. Writes are atomic (a temporary file renamed into place). ``COSTCALC_NO_CACHE=1`` turns
the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from costcalc.base.errors import CostcalcError
from costcalc.base.files import read_text, user_folder, write_text

__all__ = ["MAX_ENTRY_BYTES", "cache_dir", "code_hash", "enabled", "load", "store"]

T = TypeVar("T")

#: The largest entry read back; the efficiency priors take about 10 kB.
MAX_ENTRY_BYTES = 1024 * 1024


def cache_dir() -> Path | None:
    """The cache folder, or None when there is no safe place for one."""
    explicit = os.environ.get("COSTCALC_CACHE_DIR")
    if explicit:
        return Path(explicit) if os.path.isabs(explicit) else None
    return user_folder("cache")


def code_hash(modules: Iterable[str]) -> str:
    """Hash of the source files of the named costcalc modules (e.g. "data.calibration")."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for name in modules:
        digest.update((package / f"{name.replace('.', '/')}.py").read_bytes())
    return digest.hexdigest()


def enabled() -> bool:
    """False when ``COSTCALC_NO_CACHE`` is set."""
    return not os.environ.get("COSTCALC_NO_CACHE")


def _private(folder: Path) -> bool:
    """True when ``folder`` is a real folder of the user's that nobody else may write."""
    try:
        status = os.lstat(folder)
    except OSError:
        return False
    return (
        stat.S_ISDIR(status.st_mode)
        and status.st_uid == os.geteuid()
        and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def _checksum(key: str, value: Any) -> str:
    canonical = json.dumps([key, value], sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def load(name: str, key: str, check: Callable[[Any], T]) -> T | None:
    """The cached value of ``name`` if it was stored under ``key`` and passes ``check``, else None.

    ``check`` turns the stored JSON into the caller's value and raises (any ``Exception``) when
    it is invalid; an invalid entry is a miss.
    """
    folder = cache_dir()
    if not enabled() or folder is None or not _private(folder):
        return None
    try:
        text = read_text(folder / f"{name}.json", max_bytes=MAX_ENTRY_BYTES, what="cache entry", owner_only=True)
        entry = json.loads(text)
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        value = entry.get("value")
        if entry.get("checksum") != _checksum(key, value):
            return None
        return check(value)
    except (CostcalcError, ValueError, RecursionError):
        return None
    except Exception:  # whatever a hostile entry makes ``check`` raise: recompute
        return None


def store(name: str, key: str, value: Any) -> None:
    """Store ``value`` (JSON-serialisable) under ``key``; silently does nothing if it cannot."""
    folder = cache_dir()
    if not enabled() or folder is None:
        return
    try:
        if not folder.exists():
            folder.mkdir(mode=0o700, parents=True)
        if not _private(folder):
            return  # never write into (or trust) a folder others can write
        text = json.dumps({"key": key, "value": value, "checksum": _checksum(key, value)}, allow_nan=False)
        write_text(folder / f"{name}.json", text, what="cache entry", new_mode=0o600)
    except (OSError, ValueError, CostcalcError):
        return
