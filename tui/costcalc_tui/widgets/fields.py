"""Input validation for the form: costcalc's own parser, so the TUI accepts what the CLI accepts."""

from __future__ import annotations

from textual.validation import ValidationResult, Validator

from costcalc.errors import InputError
from costcalc.fields import magnitude_check
from costcalc.parse import parse_quantity
from costcalc.scenarios import SWEEPABLE

#: The unit each quantity field is read in: the same table ``costcalc sweep`` uses.
UNITS = SWEEPABLE


#: Fields that take a whole number, with the largest value accepted.
WHOLE_NUMBERS = {"seq_len": 100_000_000, "tp": 1024, "pp": 10_000, "micro_batch": 1_000_000}


class QuantityField(Validator):
    """Valid when costcalc can read the text as a positive, finite quantity of the field's unit."""

    def __init__(self, field: str) -> None:
        super().__init__()
        self.field = field

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success()  # empty means "use the default"
        if self.field in WHOLE_NUMBERS:
            text, limit = value.strip(), WHOLE_NUMBERS[self.field]
            if not text.isascii() or not text.isdigit() or not 0 < int(text) <= limit:
                return self.failure(f"a whole number from 1 to {limit:,}")
            return self.success()
        try:
            quantity = parse_quantity(value, self.field, UNITS[self.field])
        except InputError as err:
            return self.failure(err.message)
        maximum = 1.0 if self.field == "mfu" else None
        problem = magnitude_check(quantity.magnitude, minimum=0.0, inclusive=False, maximum=maximum)
        return self.failure(problem) if problem else self.success()
