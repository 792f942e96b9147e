"""One pane per tab: estimate, compare, plot, plan, costs, recipe and the article check."""

from costcalc_tui.panes.base import Pane, View
from costcalc_tui.panes.check import CheckPane
from costcalc_tui.panes.compare import ComparePane
from costcalc_tui.panes.costs import CostsPane
from costcalc_tui.panes.estimate import EstimatePane
from costcalc_tui.panes.plan import PlanPane
from costcalc_tui.panes.plot import PlotPane
from costcalc_tui.panes.recipe import RecipePane

__all__ = [
    "CheckPane",
    "ComparePane",
    "CostsPane",
    "EstimatePane",
    "Pane",
    "PlanPane",
    "PlotPane",
    "RecipePane",
    "View",
]
