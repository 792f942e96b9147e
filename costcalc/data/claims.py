"""Loading claims: the ``[[claim]]`` tables in the preset folders, and a user's claims file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from costcalc.base.errors import PresetError
from costcalc.data.catalog import Catalog, Entry, parse_preset_text, validate_entry
from costcalc.schemas.claims import Claim

__all__ = ["MAX_CLAIMS_FILE_BYTES", "load_claim_entries", "load_claims", "read_claims_file"]

#: A claims file larger than this is refused (the article's 43 claims take about 40 kB).
MAX_CLAIMS_FILE_BYTES = 1_000_000


def _validated(entries: list[Entry]) -> list[tuple[Entry, Claim]]:
    """Each ``[[claim]]`` validated (errors name the file and field); ids must be unique."""
    claims = [(entry, validate_entry(entry, Claim)) for entry in entries]
    seen: set[str] = set()
    for entry, claim in claims:
        if claim.id in seen:
            raise PresetError(str(entry.path), f"{entry.where}.id", f"claim id {claim.id!r} is used twice")
        seen.add(claim.id)
    return claims


def load_claim_entries(catalog: Catalog) -> list[tuple[Entry, Claim]]:
    """Every ``[[claim]]`` in the preset folders with the table it came from."""
    return _validated(catalog.data("claim"))


def load_claims(catalog: Catalog) -> list[Claim]:
    """Every ``[[claim]]`` in the preset folders, validated (errors name the file and field)."""
    return [claim for _entry, claim in load_claim_entries(catalog)]


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file of at most ``MAX_CLAIMS_FILE_BYTES`` (no FIFOs, devices or folders)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise PresetError(str(path), "file", f"cannot be read: {err.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise PresetError(str(path), "file", "is not a regular file")
    with os.fdopen(fd, "rb") as file:
        data = file.read(MAX_CLAIMS_FILE_BYTES + 1)
    if len(data) > MAX_CLAIMS_FILE_BYTES:
        raise PresetError(str(path), "file", f"is larger than {MAX_CLAIMS_FILE_BYTES:,} bytes")
    return data


def read_claims_file(path: str | Path) -> list[tuple[Entry, Claim]]:
    """The claims of a user's claims file (``[[claim]]`` tables only), each with the table it came from.

    Read as a regular file, size-capped, as UTF-8 TOML; any problem is a ``PresetError`` naming the
    file and the field.
    """
    file = Path(path)
    try:
        text = _read_regular(file).decode("utf-8")
    except UnicodeDecodeError:
        raise PresetError(str(file), "file", "is not UTF-8 text") from None
    entries = parse_preset_text(text, file, builtin=False)
    for entry in entries:
        if entry.kind != "claim":
            raise PresetError(str(file), entry.kind, "a claims file holds only [[claim]] tables")
    if not entries:
        raise PresetError(str(file), "claim", "no [[claim]] tables found (see 'costcalc check --template')")
    return _validated(entries)
