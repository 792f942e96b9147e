"""Reading the shipped and user presets, and the defaults derived from them.

Prices, PUE, carbon intensity and the efficiency are derived here from the data in ``presets/``.
"""
