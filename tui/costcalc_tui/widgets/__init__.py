"""Widgets of the costcalc TUI, one module per view."""
