"""A form of labelled fields that posts one message when its values settle.

Typing does not recompute per key: each change restarts a short timer, and only when the keys
stop does the form post ``FieldsForm.Changed`` with every value. The form keeps its values as
they change (one dictionary update per key), so nothing queries the widgets to read them back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Label, Select

from costcalc.base.errors import one_line
from costcalc_tui.paste import paste_into
from costcalc_tui.state import MAX_FIELD_LENGTH, FieldSpec
from costcalc_tui.widgets.validation import QuantityField

__all__ = ["DEBOUNCE_SECONDS", "FieldInput", "FieldsForm"]

#: How long the keys must pause before the form posts its values.
DEBOUNCE_SECONDS = 0.15


class FieldInput(Input):
    """An Input that applies its own key bindings in the order the keys arrive.

    Textual runs a widget's bindings (Home, Ctrl+K, ...) only after the key has bubbled up to the
    app, while printable keys are inserted at once; in a fast burst ("Home, Ctrl+K, 42") the
    digits would land before the line is cleared. Running the field's own bindings when the key
    reaches the field keeps every burst in order.
    """

    _OWN_KEYS: ClassVar[dict[str, str]] = {
        key.strip(): binding.action
        for binding in Input.BINDINGS
        if isinstance(binding, Binding) and not binding.priority
        for key in binding.key.split(",")
    }

    async def _on_key(self, event: events.Key) -> None:
        action = self._OWN_KEYS.get(event.key)
        if action is not None and not event.is_printable:
            event.stop()
            event.prevent_default()
            await self.run_action(action)

    def _on_paste(self, event: events.Paste) -> None:
        """A paste inserts one line of printable text, at most what the field has room for."""
        event.stop()
        event.prevent_default()
        paste_into(self, event.text)


class FieldsForm(VerticalScroll, can_focus=False):
    """Labelled inputs and pick lists built from field specs; posts ``Changed`` once typing pauses."""

    class Changed(Message):
        """The form's values after a pause in typing (or at once, after a pick)."""

        def __init__(self, form: FieldsForm, values: dict[str, str]) -> None:
            super().__init__()
            self.form = form
            self.values = values

        @property
        def control(self) -> FieldsForm:
            return self.form

    def __init__(
        self,
        specs: Iterable[FieldSpec],
        values: Mapping[str, str],
        *,
        delay: float = DEBOUNCE_SECONDS,
        validate: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.specs = tuple(specs)
        self.values = {spec.name: str(values.get(spec.name, "")) for spec in self.specs}
        self.delay = delay
        self.validating = validate
        self.fields: dict[str, Input | Select[str]] = {}
        self._timer: Timer | None = None
        self._rejected: str | None = None

    def compose(self) -> ComposeResult:
        for spec in self.specs:
            yield Label(spec.label)
            widget = self._field(spec)
            self.fields[spec.name] = widget
            yield widget

    def _field(self, spec: FieldSpec) -> Input | Select[str]:
        value = self.values[spec.name]
        if spec.kind == "text":
            return FieldInput(
                value=value,
                placeholder=spec.hint,
                id=spec.name,
                max_length=MAX_FIELD_LENGTH,
                validators=[QuantityField(spec.name)] if self.validating else [],
                validate_on=["changed"],
                compact=True,
            )
        options = [(Text(one_line(choice)), choice) for choice in spec.choices]  # preset names come from files
        return Select(
            options,
            prompt=spec.hint,
            value=value if value in spec.choices else Select.NULL,
            id=spec.name,
            compact=True,
        )

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if event.input.id in self.values:
            self._update(event.input.id, event.value)

    @on(Select.Changed)
    def _picked(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id in self.values:
            value = "" if event.value is Select.NULL else str(event.value)
            if self._update(event.select.id, value):
                self.flush()  # a pick is one deliberate change: no reason to wait

    def _update(self, name: str, value: str) -> bool:
        if self.values.get(name) == value:
            return False
        self.values[name] = value
        if self.delay <= 0:
            self._post()
            return False
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.delay, self._post)
        return True

    def _post(self) -> None:
        self._timer = None
        self.post_message(self.Changed(self, dict(self.values)))

    def flush(self) -> dict[str, str]:
        """Post now what is pending, and return the form's values."""
        if self._timer is not None:
            self._timer.stop()
            self._post()
        return dict(self.values)

    def load(self, values: Mapping[str, str]) -> None:
        """Show these values (the change events they cause are recognised as no change)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        for spec in self.specs:
            value = str(values.get(spec.name, ""))
            self.values[spec.name] = value
            widget = self.fields.get(spec.name)
            if isinstance(widget, Input):
                widget.value = value
            elif isinstance(widget, Select):
                widget.value = value if value in spec.choices else Select.NULL

    def mark(self, name: str | None) -> None:
        """Mark the field the current error is about (and only that one)."""
        if name == self._rejected:
            return
        for field in (self._rejected, name):
            widget = self.fields.get(field or "")
            if widget is not None:
                widget.set_class(field == name, "-rejected")
        self._rejected = name

    def disable(self, names: Iterable[str], disabled: bool, why: str) -> None:
        """Disable (dimmed, skipped by Tab, saying ``why`` as a tooltip) or enable these fields."""
        for name in names:
            widget = self.fields.get(name)
            if widget is None:
                continue
            if widget.disabled != disabled:
                widget.disabled = disabled
            tip = why if disabled else None
            if widget.tooltip != tip:  # a field can stay disabled for another reason
                widget.tooltip = tip

    def field(self, name: str) -> Widget | None:
        return self.fields.get(name)
