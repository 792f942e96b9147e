"""Loading the claims to check (``[[claim]]`` tables in the preset folders)."""

from __future__ import annotations

from costcalc.base.errors import PresetError
from costcalc.data.catalog import Catalog, validate_entry
from costcalc.schemas.claims import Claim

__all__ = ["load_claims"]


def load_claims(catalog: Catalog) -> list[Claim]:
    """Every ``[[claim]]`` in the preset folders, validated (errors name the file and field)."""
    claims = [validate_entry(entry, Claim) for entry in catalog.data("claim")]
    seen: set[str] = set()
    for entry, claim in zip(catalog.data("claim"), claims, strict=True):
        if claim.id in seen:
            raise PresetError(str(entry.path), f"{entry.where}.id", f"claim id {claim.id!r} is used twice")
        seen.add(claim.id)
    return claims
