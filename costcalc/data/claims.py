"""Loading claims: the ``[[claim]]`` tables in the preset folders, and a user's claims file."""

from __future__ import annotations

from pathlib import Path

from costcalc.base.errors import PresetError
from costcalc.base.files import file_path, read_text
from costcalc.data.catalog import Catalog, Entry, parse_preset_text, validate_entry
from costcalc.schemas.claims import Claim

__all__ = ["MAX_CLAIMS_FILE_BYTES", "MAX_SUBJECTS", "load_claim_entries", "load_claims", "read_claims_file"]

#: A claims file larger than this is refused (the article's 43 claims take about 40 kB).
MAX_CLAIMS_FILE_BYTES = 1_000_000
#: At most this many different subjects to estimate in one claims file: each costs one estimate (a few
#: milliseconds), and claims about one subject share it, so any number of claims under the size cap
#: is checked in seconds.
MAX_SUBJECTS = 256


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


def read_claims_file(path: str | Path) -> list[tuple[Entry, Claim]]:
    """The claims of a user's claims file (``[[claim]]`` tables only), each with the table it came from.

    Read by ``costcalc.base.files.read_text`` (a regular file, size-capped, UTF-8; a ``FileError``
    naming the file otherwise); a table's problem is a ``PresetError`` naming the file and field.
    """
    file = file_path(path, "file")
    text = read_text(file, max_bytes=MAX_CLAIMS_FILE_BYTES, what="claims file")
    entries = parse_preset_text(text, file, builtin=False)
    for entry in entries:
        if entry.kind != "claim":
            raise PresetError(str(file), entry.kind, "a claims file holds only [[claim]] tables")
    if not entries:
        raise PresetError(str(file), "claim", "no [[claim]] tables found (see 'costcalc check --template')")
    return _validated(entries)
