"""Input validation for the form: costcalc's own parser, so the TUI accepts what the CLI accepts."""

from __future__ import annotations

from textual.validation import ValidationResult, Validator

from costcalc.errors import InputError
from costcalc.fields import magnitude_check
from costcalc.parse import parse_quantity
from costcalc.scenarios import SWEEPABLE

#: The unit each quantity field is read in: the same table ``costcalc sweep`` uses.
UNITS = SWEEPABLE


class QuantityField(Validator):
    """Valid when costcalc can read the text as a positive, finite quantity of the field's unit."""

    def __init__(self, field: str) -> None:
        super().__init__()
        self.field = field

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success()  # empty means "use the default"
        if self.field == "seq_len":
            text = value.strip()
            if not text.isascii() or not text.isdigit() or not 0 < int(text) <= 100_000_000:
                return self.failure("a whole number of tokens, e.g. 4096")
            return self.success()
        try:
            quantity = parse_quantity(value, self.field, UNITS[self.field])
        except InputError as err:
            return self.failure(err.message)
        maximum = 1.0 if self.field == "mfu" else None
        problem = magnitude_check(quantity.magnitude, minimum=0.0, inclusive=False, maximum=maximum)
        return self.failure(problem) if problem else self.success()
