"""Input validation for the form: the estimator's own input model, so the TUI accepts exactly what
``costcalc estimate`` accepts, with the same bounds and the same messages."""

from __future__ import annotations

from textual.validation import ValidationResult, Validator

from costcalc.base.errors import InputError
from costcalc.estimator.inputs import validate_inputs


class QuantityField(Validator):
    """Valid when ``costcalc.estimate`` would accept the text for this field."""

    def __init__(self, field: str) -> None:
        super().__init__()
        self.field = field

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success()  # empty means "use the default"
        try:
            validate_inputs({self.field: value})
        except InputError as err:
            return self.failure(err.message)
        return self.success()
