"""A small on-disk cache for derived data, so that start-up does not redo the derivation.

Entries are JSON files in ``$COSTCALC_CACHE_DIR``, else ``$XDG_CACHE_HOME/costcalc``, else
``~/.cache/costcalc``. Each entry records the key it was computed for (a hash of its input data and
of the code that derives it); a different key is a miss, so the cache can never serve stale
results, only recompute. Writes are atomic (a temporary file renamed into place) and any
filesystem problem just means no caching. ``COSTCALC_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "code_hash", "enabled", "load", "store"]


def cache_dir() -> Path:
    explicit = os.environ.get("COSTCALC_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "costcalc"


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


def load(name: str, key: str) -> Any | None:
    """The cached value of ``name`` if it was stored under ``key``, else None."""
    if not enabled():
        return None
    try:
        with (cache_dir() / f"{name}.json").open(encoding="utf-8") as handle:
            entry = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    return entry.get("value")


def store(name: str, key: str, value: Any) -> None:
    """Store ``value`` (JSON-serialisable) under ``key``; silently does nothing if it cannot."""
    if not enabled():
        return
    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"key": key, "value": value}, handle)
            os.replace(tmp, directory / f"{name}.json")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return
