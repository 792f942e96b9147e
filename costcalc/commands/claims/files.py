"""``costcalc check`` beyond the article: one-line ``--claim`` claims about a subject.

Errors name what the user typed: ``--claim``, or the subject's option.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from costcalc.base.errors import InputError
from costcalc.commands.checks import ClaimCheck, check_claim
from costcalc.commands.claims.oneline import parse_claim
from costcalc.data.catalog import default_catalog
from costcalc.estimator.inputs import validate_inputs

__all__ = ["check_claims", "check_request"]


def _subject_text(subject: dict[str, Any]) -> str:
    return " ".join(f"--{name.replace('_', '-')} {value}" for name, value in subject.items())


def check_request(
    claims: Sequence[str] = (),
    subject: dict[str, Any] | None = None,
    presets: Iterable[Path | str] = (),
) -> tuple[str, list[ClaimCheck]]:
    """Check one-line claims about ``subject``; returns a title and the results.

    ``subject`` holds estimate inputs (``model``, ``params``, ``tokens``, ``gpu``, ``gpus``, ...).
    """
    subject = dict(subject or {})
    if subject and not claims:
        first = next(iter(subject))
        raise InputError(first, "describes the subject of a one-line claim: add --claim, e.g. 'cost > 80M USD'")
    if not claims:
        raise InputError("claim", "nothing to check: give --claim")
    if "model" not in subject and "params" not in subject:
        raise InputError("claim", "needs a subject: --model (a preset), or --params with --tokens, --gpu, --gpus")
    validate_inputs(subject)
    catalog = default_catalog(presets)
    parsed = [parse_claim(line, subject, i) for i, line in enumerate(claims, 1)]
    return f"Claims about {_subject_text(subject)}", [check_claim(claim, catalog) for claim in parsed]


def check_claims(claims: Sequence[str] = (), *, presets: Iterable[Path | str] = (), **subject: Any) -> list[ClaimCheck]:
    """Check one-line claims about a subject; the library face of ``costcalc check --claim``.

    ``costcalc.check_claims(["cost > 80M USD"], model="falcon-180b")``: each result carries its
    verdict, reason, deciding number, tolerance and source. Bad input raises ``InputError`` naming
    the input (``claim``, ``model``, ...).
    """
    return check_request(claims, subject, presets)[1]
