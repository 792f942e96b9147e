"""Rich displays for notebooks: every result object's ``_repr_html_`` hands over to this module."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from costcalc.render.estimate import result_rows

if TYPE_CHECKING:
    from costcalc.estimator.result import Estimate

__all__ = ["estimate_html"]


def estimate_html(est: Estimate) -> str:
    """A table for Jupyter: results with their ranges, then the assumptions."""
    cells = "".join(
        f"<tr><th style='text-align:left'>{html.escape(label)}</th><td>{html.escape(value)}</td>"
        f"<td>{html.escape(span)}</td></tr>"
        for label, value, span in result_rows(est)
    )
    notes = "".join(
        f"<tr><td>{html.escape(a.name)}</td><td>{html.escape(a.value)}</td><td>{html.escape(a.basis)}</td></tr>"
        for a in est.assumptions
    )
    return (
        "<table><thead><tr><th>result</th><th>estimate</th><th>range (P10 to P90)</th></tr></thead>"
        f"<tbody>{cells}</tbody></table>"
        "<details><summary>assumptions</summary><table>"
        f"<thead><tr><th>input</th><th>value</th><th>basis</th></tr></thead><tbody>{notes}</tbody></table></details>"
    )
