"""Reading a one-line claim: '<quantity> <relation> <value>', such as 'cost > 80M USD'.

The line is matched by one anchored regular expression with no nested repetition (linear time) after
a length check; the value goes to costcalc's quantity parser, which never evaluates anything.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from costcalc.base.errors import InputError
from costcalc.base.fields import first_error
from costcalc.base.parse import parse_quantity
from costcalc.schemas.claims import QUANTITY_UNITS, Claim

__all__ = ["MAX_CLAIM_LENGTH", "QUANTITY_NAMES", "parse_claim"]

MAX_CLAIM_LENGTH = 200

#: What people write for each quantity (case-insensitive; spaces, hyphens and underscores alike).
QUANTITY_NAMES: dict[str, str] = {
    "cost": "cost",
    "gpu-hours": "gpu-hours",
    "gpuhours": "gpu-hours",
    "days": "days",
    "duration": "days",
    "gpus": "gpus",
    "flops": "flops",
    "flop": "flops",
    "compute": "flops",
    "tokens": "tokens",
    "params": "params",
    "parameters": "params",
    "energy": "energy",
    "co2": "co2",
}

_RELATION_SPELLINGS = {"==": "=", "≈": "~", "≥": ">=", "≤": "<="}
_LINE = re.compile(
    r"\s*(?P<quantity>[A-Za-z][A-Za-z0-9 _-]{0,20}?)\s*(?P<relation>>=|<=|==|=|~|>|<|≥|≤|≈)\s*(?P<value>\S.*)"
)
_EXPECTED = "expected '<quantity> <relation> <value>' such as 'cost > 80M USD'"


def _quantity_name(text: str) -> str:
    key = re.sub(r"[\s_-]+", "-", text.strip().lower())
    name = QUANTITY_NAMES.get(key) or QUANTITY_NAMES.get(key.replace("-", ""))
    if name is None:
        known = ", ".join(QUANTITY_UNITS)
        raise InputError("claim", f"unknown quantity {text.strip()!r}; one of: {known}")
    return name


def parse_claim(line: str, subject: dict[str, Any], index: int = 1) -> Claim:
    """A one-line claim about ``subject`` (estimate inputs) as a ``Claim`` with a quantity check.

    Raises ``InputError`` naming ``claim`` for anything that is not '<quantity> <relation> <value>'
    with a value of the quantity's dimension.
    """
    if not isinstance(line, str):
        raise InputError("claim", f"{_EXPECTED}, got {type(line).__name__}")
    if len(line) > MAX_CLAIM_LENGTH:
        raise InputError("claim", f"the claim is too long ({len(line)} characters; at most {MAX_CLAIM_LENGTH})")
    if "\n" in line or "\r" in line:
        raise InputError("claim", f"{_EXPECTED}, on one line")
    match = _LINE.fullmatch(line)
    if match is None:
        raise InputError("claim", f"{_EXPECTED}, got {line.strip()!r}")
    quantity = _quantity_name(match.group("quantity"))
    relation = _RELATION_SPELLINGS.get(match.group("relation"), match.group("relation"))
    value = match.group("value").strip()
    amount = parse_quantity(value, "claim", QUANTITY_UNITS[quantity])  # an error here names --claim and the unit
    if float(amount.m) < 0:
        raise InputError("claim", f"expected a value >= 0, got {value!r}")
    text = f"{quantity} {relation} {value}"
    label = ", ".join(str(v) if k == "model" else f"{k} {v}" for k, v in subject.items()) or "the subject"
    check = {"kind": "quantity", "quantity": quantity, "relation": relation, "value": value, "subject": subject}
    try:
        return Claim(
            id=f"C{index}", model=label, topic=quantity, claim=text, claim_en=text, article_value=text, check=check
        )
    except ValidationError as err:
        field, message = first_error(err)
        raise InputError("claim", f"{field.rsplit('.', 1)[-1]} {message}") from None
